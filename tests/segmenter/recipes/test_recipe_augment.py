"""Recipe augmentations: bass-only music with exact labels, event noises only where asked."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.recipes import cli
from segmenter.recipes import layers as L
from segmenter.recipes.mixing import ChunkGenerator, MixConfig
from segmenter.recipes.noises import EVENT_KINDS
from segmenter.recipes.train_options import recipe_config

from .conftest import RATE, make_bank, tone


def _low_then_high() -> L.Layer:
    """Two seconds of a 100 Hz tone, then two of a 4 kHz tone, all labelled music."""
    audio = np.concatenate([tone(100.0, 2 * RATE), tone(4000.0, 2 * RATE)])
    return L.Layer(audio, np.ones(audio.size, dtype=bool), parts=["music/x"])


def test_lowpass_keeps_the_bass_and_unlabels_what_it_removed():
    layer = L.lowpass(np.random.default_rng(0), _low_then_high(), (300.0, 300.0))
    low, high = slice(RATE // 4, 2 * RATE), slice(2 * RATE + RATE // 4, 4 * RATE)
    assert layer.active[low].all() and not layer.active[high].any()
    assert np.std(layer.audio[low]) == pytest.approx(np.std(tone(100.0, RATE)), rel=0.05)
    assert np.std(layer.audio[high]) < 1e-3 * np.std(tone(4000.0, RATE))
    assert layer.parts == ["music/x", "lowpass/300Hz"]


def test_lowpass_cutoff_is_drawn_log_uniformly_within_the_range():
    rng = np.random.default_rng(1)
    cutoffs = [
        float(L.lowpass(rng, _low_then_high(), (150.0, 1000.0)).parts[-1][8:-2]) for _ in range(200)
    ]
    assert min(cutoffs) >= 150 and max(cutoffs) <= 1000
    # log-uniform: the geometric middle (≈387 Hz) splits the draws about evenly
    assert 0.4 < np.mean(np.array(cutoffs) < np.sqrt(150 * 1000)) < 0.6


def test_music_lowpass_p_sets_the_share_of_filtered_music():
    def filtered_share(p: float) -> float:
        gen = ChunkGenerator(make_bank(), MixConfig(music_lowpass_p=p, partial_p=0.0))
        rng = np.random.default_rng(2)
        chunks = [gen.chunk(rng, "music") for _ in range(60)]
        return np.mean([any(x.startswith("lowpass/") for x in c.parts) for c in chunks])

    assert filtered_share(0.0) == 0.0
    assert filtered_share(1.0) == 1.0
    assert 0.1 < filtered_share(0.3) < 0.5


def test_lowpassed_tone_music_loses_its_label():
    """The bank's music is a 3.2 kHz tone: through a ≤ 300 Hz low-pass nothing of it is left,
    so the chunk must not claim music (the label follows the audio, not the recipe's intent)."""
    config = MixConfig(music_lowpass_p=1.0, music_lowpass_hz=(150.0, 300.0), partial_p=0.0)
    gen = ChunkGenerator(make_bank(), config)
    chunk = gen.chunk(np.random.default_rng(3), "music")
    assert chunk.labels[1].sum() == 0


def _noise_parts(config: MixConfig, scenario: str, count: int = 40) -> set[str]:
    gen = ChunkGenerator(make_bank(), config)
    rng = np.random.default_rng(4)
    return {p for _ in range(count) for p in gen.chunk(rng, scenario).parts if p.startswith("gen/")}


def test_event_noises_only_in_their_scenarios():
    config = MixConfig(
        generated_noise_p=1.0,
        generated_kinds=("white",),
        event_kinds=("ticks",),
        event_scenarios=("noise",),
        extra_noise_p=1.0,
    )
    assert _noise_parts(config, "noise") == {"gen/white", "gen/ticks"}
    assert _noise_parts(config, "speech_noise") == {"gen/white"}
    assert _noise_parts(config, "overlap") == {"gen/white"}  # the extra noise layer


def test_event_noises_everywhere_when_no_scenarios_are_named():
    config = MixConfig(
        generated_noise_p=1.0, generated_kinds=("white",), event_kinds=("ticks",), extra_noise_p=1.0
    )
    assert _noise_parts(config, "overlap") == {"gen/white", "gen/ticks"}


def _config(*args: str):
    parsed = cli._parser().parse_args(["train", "--cache", "c", "--out", "o", *args])
    return recipe_config(parsed).event_kinds, parsed.event_scenarios, parsed.music_lowpass_p


def test_cli_event_and_lowpass_options():
    assert _config() == ((), (), 0.25)  # the shipped default
    assert _config("--event-noises")[0] == EVENT_KINDS
    assert _config("--event-kinds", "all")[0] == EVENT_KINDS
    assert _config(
        "--event-kinds",
        "engine,wind",
        "--event-scenarios",
        "noise,extra",
        "--music-lowpass-p",
        "0.2",
    ) == (("engine", "wind"), ("noise", "extra"), 0.2)


@pytest.mark.parametrize("option", ["--event-kinds", "--event-scenarios"])
def test_cli_refuses_unknown_names(option, capsys):
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["train", "--cache", "c", "--out", "o", option, "thunder"])
    assert "thunder" in capsys.readouterr().err


def test_narrowband_chunks_lose_the_highs_and_the_labels_follow():
    """Through a 700 Hz line the 3.2 kHz music and 5.6 kHz noise vanish; the 500 Hz talker stays."""
    config = MixConfig(narrowband_p=1.0, narrowband_hz=(700.0, 700.0), partial_p=0.0)
    gen = ChunkGenerator(make_bank(), config)
    rng = np.random.default_rng(5)
    music = gen.chunk(rng, "music")
    assert music.labels[1].sum() == 0
    spectrum = np.abs(np.fft.rfft(music.audio.astype(np.float64)))
    freqs = np.fft.rfftfreq(music.audio.size, 1 / RATE)
    assert spectrum[freqs > 2000].max() < 1e-3 * np.abs(np.fft.rfft(tone(3200.0, 64000))).max()
    speech = [gen.chunk(rng, "speech") for _ in range(30)]

    def only(talker: str) -> list:
        clips = [[p for p in c.parts if not p.startswith("lowpass/")] for c in speech]
        return [
            c
            for c, ps in zip(speech, clips, strict=True)
            if ps and all(p.startswith(talker) for p in ps)
        ]

    assert only("ann/") and all(c.labels[0].sum() > 0 for c in only("ann/"))
    # 1.9 kHz is ~70 dB down; only the 5 ms cut fades between prompts (clicks) stay audible
    assert only("cid/") and all(c.labels[0].mean() < 0.05 for c in only("cid/"))


def test_narrowband_share_follows_narrowband_p():
    def share(p: float) -> float:
        gen = ChunkGenerator(make_bank(), MixConfig(narrowband_p=p))
        rng = np.random.default_rng(6)
        chunks = [gen.chunk(rng, "music") for _ in range(60)]
        return np.mean([any(x.startswith("lowpass/") for x in c.parts) for c in chunks])

    assert share(0.0) == 0.0 and share(1.0) == 1.0


def test_speed_raises_the_pitch_and_moves_the_mask_with_the_sound():
    n = 2 * RATE
    active = np.zeros(2 * n, dtype=bool)
    active[RATE : 2 * RATE] = True  # on from 1 s to 2 s of the source
    layer = L.Layer(
        np.where(active, tone(1000.0, 2 * n), 0).astype(np.float32), active, parts=["x"]
    )
    fast = L.speed(layer, 2.0, n)
    assert fast.audio.size == n and fast.parts == ["x", "speed/2.00"]
    on = np.flatnonzero(fast.active)
    assert on[0] == RATE // 2 and on[-1] == RATE - 1  # 1–2 s of the source is 0.5–1 s now
    spectrum = np.abs(np.fft.rfft(fast.audio.astype(np.float64)))
    assert np.fft.rfftfreq(n, 1 / RATE)[spectrum.argmax()] == pytest.approx(2000.0, abs=2)
    assert np.abs(fast.audio[~fast.active]).max() < 0.05  # silent where the mask is off
    with pytest.raises(ValueError, match="needs"):
        L.speed(layer, 3.0, n)


def test_noise_speed_p_replays_recorded_events_at_other_speeds():
    config = MixConfig(noise_speed_p=1.0, generated_noise_p=0.0, partial_p=0.0)
    gen = ChunkGenerator(make_bank(), config)
    rng = np.random.default_rng(7)
    chunks = [gen.chunk(rng, "noise") for _ in range(30)]
    factors = [float(p[6:]) for c in chunks for p in c.parts if p.startswith("speed/")]
    assert len(factors) == 30 and min(factors) >= 0.5 and max(factors) <= 2.0
    assert all(c.labels[2].sum() > 0 for c in chunks)


def _bass_and_treble_bank():
    from segmenter.recipes.bank import Clip, SourceBank

    n = 12 * RATE
    song = tone(100.0, n) + tone(3000.0, n)
    talker = tone(500.0, 3 * RATE)
    clips = [
        Clip("song", "music", song, np.ones(n, dtype=bool)),
        Clip("ann/0", "speech", talker, np.ones(talker.size, dtype=bool), frozenset({"ann"})),
    ]
    return SourceBank.from_clips(clips)


@pytest.mark.parametrize("keeps_level, expected_db", [(False, 10.0), (True, 13.0)])
def test_bass_only_music_under_speech_is_levelled_before_or_after_the_filter(
    keeps_level, expected_db
):
    """Half the song's power is treble: levelled as the whole song, the bass-only track sits
    3 dB lower under the talker than when levelled as heard."""
    config = MixConfig(
        music_lowpass_p=1.0, music_lowpass_keeps_level=keeps_level, music_below_speech_db=(10, 10),
        partial_p=0.0, extra_noise_p=0.0, music_lowpass_hz=(300.0, 300.0), speech_gap_s=(0, 0),
    )  # fmt: skip
    gen = ChunkGenerator(_bass_and_treble_bank(), config)
    chunk = gen.chunk(np.random.default_rng(8), "speech_music")
    spectrum = np.abs(np.fft.rfft(chunk.audio.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(chunk.audio.size, 1 / RATE)
    speech = spectrum[(freqs > 400) & (freqs < 600)].sum()
    music = spectrum[freqs < 200].sum()
    assert 10 * np.log10(speech / music) == pytest.approx(expected_db, abs=0.7)


@pytest.mark.parametrize("scenario", ["speech", "music", "silence"])
def test_noise_floor_is_an_unlabelled_stationary_noise_far_below_the_content(scenario):
    """Drawn last, the floor is the only difference from the same seed's chunk without it: the
    labels are the same, and it sits 30-50 dB under what is labelled (or -85..-60 dBFS alone)."""
    plain, floored = (ChunkGenerator(make_bank(), MixConfig(noise_floor_p=p)) for p in (0.0, 1.0))
    for seed in range(8):
        a = plain.chunk(np.random.default_rng(seed), scenario)
        b = floored.chunk(np.random.default_rng(seed), scenario)
        np.testing.assert_array_equal(a.labels, b.labels)
        assert b.parts[:-1] == a.parts and b.parts[-1].startswith("floor/")
        floor = b.audio.astype(np.float64) - a.audio
        heard = a.masks.any(axis=0)
        floor_db = 10 * np.log10(np.mean(floor**2))
        if heard.any():
            below = 10 * np.log10(np.mean(a.audio[heard].astype(np.float64) ** 2)) - floor_db
            assert 29.5 <= below <= 50.5, (seed, below)
        else:
            assert -85.5 <= floor_db <= -59.5, (seed, floor_db)


def test_noise_floor_share_follows_noise_floor_p_and_validation_has_none():
    from segmenter.recipes.train import plain

    def share(p: float) -> float:
        gen = ChunkGenerator(make_bank(), MixConfig(noise_floor_p=p))
        rng = np.random.default_rng(9)
        chunks = [gen.chunk(rng) for _ in range(200)]
        return np.mean([any(x.startswith("floor/") for x in c.parts) for c in chunks])

    assert share(0.0) == 0.0 and share(1.0) == 1.0 and 0.2 < share(0.3) < 0.4
    assert plain(MixConfig(noise_floor_p=0.5)).noise_floor_p == 0.0
    args = cli._parser().parse_args(
        ["train", "--cache", "c", "--out", "o", "--noise-floor-p", "0.3"]
    )
    assert args.noise_floor_p == 0.3
