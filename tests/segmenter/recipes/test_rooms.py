"""Room reverberation: seeded impulse responses that decay as they claim, and reverberant
chunks whose labels stay the dry sound, aligned."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from segmenter.recipes import cli
from segmenter.recipes.mixing import ChunkGenerator, MixConfig
from segmenter.recipes.rooms import decay_rt60, draw_room, reverberate

from .conftest import RATE, make_bank


def test_decay_rt60_measures_a_known_decay():
    """The estimator the other tests lean on, on a tail with a known 0.5 s decay."""
    t = np.arange(RATE) / RATE
    tail = np.random.default_rng(0).standard_normal(RATE) * 10 ** (-3 * t / 0.5)
    assert decay_rt60(tail) == pytest.approx(0.5, rel=0.05)


def test_same_seed_same_room_other_seed_other_room():
    a, b = draw_room(np.random.default_rng(3)), draw_room(np.random.default_rng(3))
    np.testing.assert_array_equal(a.ir, b.ir)
    assert (a.rt60_s, a.drr_db) == (b.rt60_s, b.drr_db)
    c = draw_room(np.random.default_rng(4))
    assert c.rt60_s != a.rt60_s and not np.array_equal(c.ir[:100], a.ir[:100])


@pytest.mark.parametrize("seed", range(8))
def test_room_decays_at_its_rt60_with_its_direct_to_reverberant_ratio(seed):
    room = draw_room(np.random.default_rng(seed))
    assert 0.15 <= room.rt60_s <= 0.9 and -5.0 <= room.drr_db <= 10.0
    assert decay_rt60(room.ir[1:]) == pytest.approx(room.rt60_s, rel=0.3)
    drr = 10 * np.log10(room.ir[0] ** 2 / np.sum(room.ir[1:].astype(np.float64) ** 2))
    assert drr == pytest.approx(room.drr_db, abs=0.1)
    assert np.sum(room.ir.astype(np.float64) ** 2) == pytest.approx(1.0, rel=1e-5)
    assert room.part.startswith(f"room/rt60={room.rt60_s:.2f}s,drr=")


def test_high_frequencies_die_away_faster_than_lows():
    room = draw_room(np.random.default_rng(5), rt60_s=(0.6, 0.6))
    rev = room.ir[1:].astype(np.float64)
    low = sosfiltfilt(butter(4, 400.0, "lowpass", fs=RATE, output="sos"), rev)
    high = sosfiltfilt(butter(4, 5000.0, "highpass", fs=RATE, output="sos"), rev)
    assert decay_rt60(high) < 0.85 * decay_rt60(low)


def test_reverberate_keeps_length_and_the_direct_sound_undelayed():
    room = draw_room(np.random.default_rng(1), drr_db=(-5.0, -5.0))
    click = np.zeros(RATE, dtype=np.float32)
    click[1000] = 1.0
    heard = reverberate(click, room)
    assert heard.shape == click.shape and heard.dtype == np.float32
    assert np.max(np.abs(heard[:1000])) < 1e-6  # nothing before the sound itself
    assert heard[1000] == pytest.approx(float(room.ir[0]), rel=1e-5)
    assert np.sum(heard[1001:] ** 2) > np.sum(heard[1000] ** 2)  # -5 dB DRR: mostly echo


def _tail_share(chunk) -> float:
    """Energy in the 60 ms after each end of the talker's activity, over the active energy."""
    active = chunk.masks[0]
    ends = np.flatnonzero(active[:-1] & ~active[1:]) + 1
    after = np.zeros_like(active)
    for end in ends:
        after[end + 80 : end + 960] = True  # skip the 5 ms fade
    after &= ~active
    audio = chunk.audio.astype(np.float64)
    return float(np.mean(audio[after] ** 2) / np.mean(audio[active] ** 2))


def test_reverberant_chunks_keep_the_dry_labels_and_ring_after_each_sound():
    config = MixConfig(partial_p=0.0, extra_noise_p=0.0)
    dry = ChunkGenerator(make_bank(), config)
    wet = ChunkGenerator(make_bank(), MixConfig(partial_p=0.0, extra_noise_p=0.0, reverb_p=1.0))
    for seed in range(4):
        a = dry.chunk(np.random.default_rng(seed), "speech")
        b = wet.chunk(np.random.default_rng(seed), "speech")
        assert b.audio.shape == a.audio.shape == (config.chunk_samples,)
        np.testing.assert_array_equal(b.masks, a.masks)
        np.testing.assert_array_equal(b.labels, a.labels)
        assert b.parts[:-1] == a.parts and b.parts[-1].startswith("room/rt60=")
        assert _tail_share(a) < 1e-4 < 1e-2 < _tail_share(b)  # dry: dither; wet: an echo


def test_reverb_share_follows_reverb_p_and_silence_has_no_room():
    gen = ChunkGenerator(make_bank(), MixConfig(reverb_p=0.5))
    rng = np.random.default_rng(7)
    chunks = [gen.chunk(rng) for _ in range(40)]
    sounding = [c for c in chunks if c.scenario != "silence"]
    share = np.mean([any(p.startswith("room/") for p in c.parts) for c in sounding])
    assert 0.3 < share < 0.7
    silent = ChunkGenerator(make_bank(), MixConfig(reverb_p=1.0)).chunk(rng, "silence")
    assert silent.parts == ()


def test_recipe_knobs_reach_the_training_stream_and_not_validation():
    from segmenter.recipes.train import RecipeConfig, mix_config, plain

    args = cli._parser().parse_args(
        ["train", "--cache", "c", "--out", "o", "--reverb-p", "0.2", "--lossy-p", "0.05",
         "--level-dbfs=-45,-10"]
    )  # fmt: skip
    assert (args.reverb_p, args.lossy_p, args.level_dbfs) == (0.2, 0.05, (-45.0, -10.0))
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["train", "--cache", "c", "--out", "o", "--level-dbfs=-10,-45"])
    defaults = RecipeConfig()
    assert (defaults.reverb_p, defaults.lossy_p, defaults.level_dbfs) == (0.0, 0.0, (-35, -15))
    mix = mix_config(RecipeConfig(reverb_p=0.2, lossy_p=0.05, level_dbfs=(-45.0, -10.0)))
    assert (mix.reverb_p, mix.lossy_p, mix.level_dbfs) == (0.2, 0.05, (-45.0, -10.0))
    validation = plain(mix)
    assert (validation.reverb_p, validation.lossy_p) == (0.0, 0.0)
    assert validation.level_dbfs == MixConfig().level_dbfs


def test_room_tone_and_music_bed_ranges_reach_training_only():
    from segmenter.recipes.train import RecipeConfig, mix_config, plain

    args = cli._parser().parse_args(
        ["train", "--cache", "c", "--out", "o", "--noise-floor-dbfs=-80,-45",
         "--music-below-speech-db=0,20"]
    )  # fmt: skip
    assert (args.noise_floor_dbfs, args.music_below_speech_db) == ((-80.0, -45.0), (0.0, 20.0))
    config = RecipeConfig(noise_floor_dbfs=(-80.0, -45.0), music_below_speech_db=(0.0, 20.0))
    mix = mix_config(config)
    assert (mix.noise_floor_dbfs, mix.music_below_speech_db) == ((-80.0, -45.0), (0.0, 20.0))
    assert plain(mix).music_below_speech_db == MixConfig().music_below_speech_db
    assert plain(mix).noise_floor_p == 0.0  # so its level cannot reach validation either
    defaults = mix_config(RecipeConfig())
    assert defaults.noise_floor_dbfs == MixConfig().noise_floor_dbfs
    assert defaults.music_below_speech_db == MixConfig().music_below_speech_db


def test_lossy_codecs_can_be_narrowed_to_mp3():
    from segmenter.recipes.train import RecipeConfig, mix_config

    args = cli._parser().parse_args(
        ["train", "--cache", "c", "--out", "o", "--lossy-codecs", "mp3"]
    )
    assert args.lossy_codecs == ("mp3",)
    assert mix_config(RecipeConfig(lossy_p=0.06, lossy_codecs=("mp3",))).lossy_codecs == ("mp3",)
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["train", "--cache", "c", "--out", "o", "--lossy-codecs", "aac"])
