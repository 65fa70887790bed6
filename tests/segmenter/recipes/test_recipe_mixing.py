"""The chunk generator: exact labels, SNRs, frame convention, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, sosfiltfilt

from segmenter.recipes.mixing import (
    CLASSES,
    SCENARIOS,
    ChunkGenerator,
    MixConfig,
    active_power,
    frame_centres,
    gain_for_snr,
    mix_at_snr,
    n_frames,
    window_majority,
)
from tests.segmenter.recipes.conftest import MUSIC_HZ, NOISE_HZ, TALKER_HZ

RATE = 16000
# No extra noise layer and no generated noise: each source then owns its frequency band.
BAND_CONFIG = MixConfig(extra_noise_p=0.0, generated_noise_p=0.0, silence_dbfs=-200.0)


def envelope(audio: np.ndarray, hz: float) -> np.ndarray:
    sos = butter(4, [hz - 120, hz + 120], btype="bandpass", fs=RATE, output="sos")
    band = sosfiltfilt(sos, audio.astype(np.float64))
    return np.sqrt(np.convolve(band**2, np.ones(80) / 80, mode="same"))


def heard(audio: np.ndarray, hz: float) -> np.ndarray | None:
    """Where a tone at ``hz`` is audible in ``audio`` (None when it is absent altogether)."""
    env = envelope(audio, hz)
    if env.max() < 1e-3 * np.abs(audio).max():
        return None
    return env > 0.3 * env.max()


def heard_talkers(audio: np.ndarray) -> list[np.ndarray]:
    """Masks of the talkers present; a band is present when within 16 dB of the loudest talker.

    Neighbouring talkers' burst edges leak a few per cent into each other's bands, while a real
    second talker is at most 10 dB (+ 2 dB jitter) below the first.
    """
    envs = [envelope(audio, hz) for hz in TALKER_HZ.values()]
    loudest = max(env.max() for env in envs)
    return [env > 0.3 * env.max() for env in envs if env.max() > 0.16 * loudest]


def stable(mask: np.ndarray, margin: int = 400) -> np.ndarray:
    """Samples at least ``margin`` away from any transition of ``mask`` and from the edges."""
    keep = np.ones(mask.size, dtype=bool)
    keep[:margin] = keep[-margin:] = False
    for edge in np.flatnonzero(np.diff(mask.astype(np.int8))):
        keep[max(0, edge - margin) : edge + margin] = False
    return keep


def check_row(claimed: np.ndarray, actual: np.ndarray | None) -> None:
    actual = np.zeros_like(claimed) if actual is None else actual
    keep = stable(claimed) & stable(actual)
    assert np.array_equal(claimed[keep], actual[keep])


@pytest.mark.parametrize("scenario", ["speech", "speech_music", "speech_noise", "music", "noise"])
def test_labels_match_what_is_audible(bank, scenario: str) -> None:
    gen = ChunkGenerator(bank, BAND_CONFIG)
    rng = np.random.default_rng(1)
    for _ in range(6):
        chunk = gen.chunk(rng, scenario)
        talkers = heard_talkers(chunk.audio) if chunk.masks[0].any() else []
        speech = np.any(talkers, axis=0) if talkers else None
        check_row(chunk.masks[CLASSES.index("sp")], speech)
        check_row(chunk.masks[CLASSES.index("mu")], heard(chunk.audio, MUSIC_HZ))
        check_row(chunk.masks[CLASSES.index("no")], heard(chunk.audio, NOISE_HZ))
        assert not chunk.masks[CLASSES.index("ov")].any()


def test_speech_over_music_labels_music_wherever_it_is_present(bank) -> None:
    gen = ChunkGenerator(bank, MixConfig(extra_noise_p=0.0, partial_p=0.0))
    chunk = gen.chunk(np.random.default_rng(3), "speech_music")
    assert chunk.masks[CLASSES.index("mu")].all()  # music under the whole chunk, speech or not
    assert chunk.labels[CLASSES.index("mu")].all()
    sp = chunk.labels[CLASSES.index("sp")]
    assert 0 < sp.sum() < sp.size  # the prompts' pauses are not speech


def test_overlap_is_two_different_talkers_at_once(bank) -> None:
    gen = ChunkGenerator(bank, BAND_CONFIG)
    rng = np.random.default_rng(7)
    for _ in range(8):
        chunk = gen.chunk(rng, "overlap")
        talkers = heard_talkers(chunk.audio)
        assert len(talkers) == 2  # two talkers, never one talker twice
        count = np.sum(talkers, axis=0)
        check_row(chunk.masks[CLASSES.index("sp")], count >= 1)
        check_row(chunk.masks[CLASSES.index("ov")], count >= 2)
        speakers = {part.split("/")[0] for part in chunk.parts}
        assert len(speakers) == 2


def test_conversation_overlap_comes_from_its_turns(bank_with_conversation) -> None:
    cfg = MixConfig(conversation_p=1.0, extra_noise_p=0.0, silence_dbfs=-200.0)
    gen = ChunkGenerator(bank_with_conversation, cfg)
    rng = np.random.default_rng(0)
    for _ in range(6):
        chunk = gen.chunk(rng, "speech")
        assert chunk.parts == ("conv/0",)
        a, b = heard(chunk.audio, 700.0), heard(chunk.audio, 2500.0)
        a = np.zeros(chunk.audio.size, bool) if a is None else a
        b = np.zeros(chunk.audio.size, bool) if b is None else b
        check_row(chunk.masks[CLASSES.index("ov")], a & b)
        check_row(chunk.masks[CLASSES.index("sp")], a | b)


def test_chunk_shapes_and_label_rules(bank_with_conversation) -> None:
    gen = ChunkGenerator(bank_with_conversation)
    rng = np.random.default_rng(5)
    seen = set()
    for _ in range(60):
        chunk = gen.chunk(rng)
        seen.add(chunk.scenario)
        assert chunk.audio.shape == (64000,) and chunk.audio.dtype == np.float32
        assert chunk.labels.shape == (4, 199) and chunk.labels.dtype == np.float32
        assert np.array_equal(chunk.labels, window_majority(chunk.masks))
        assert np.all(chunk.labels[3] <= chunk.labels[0])  # overlap implies speech
        assert np.abs(chunk.audio).max() < 1.0
        if chunk.scenario == "silence":
            assert not chunk.labels.any()
    assert seen == set(SCENARIOS)


def test_generator_is_deterministic_with_a_seed(bank) -> None:
    a, b = ChunkGenerator(bank), ChunkGenerator(bank)
    xa, ya = a.batch(np.random.default_rng(42), 12)
    xb, yb = b.batch(np.random.default_rng(42), 12)
    assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    xc, _ = a.batch(np.random.default_rng(43), 12)
    assert not np.array_equal(xa, xc)


def test_frame_function_is_a_parameter(bank) -> None:
    def centre(masks: np.ndarray) -> np.ndarray:  # label at the frame centre, 200 frames
        return masks[:, 160::320][:, :200].astype(np.float32)

    chunk = ChunkGenerator(bank, frame_fn=centre).chunk(np.random.default_rng(0), "speech")
    assert chunk.labels.shape == (4, 200)


def test_frame_convention() -> None:
    assert n_frames(64000) == 199 and n_frames(399) == 0 and n_frames(400) == 1
    assert frame_centres(3) == pytest.approx([0.0125, 0.0325, 0.0525])
    mask = np.zeros((1, 64000), dtype=bool)
    # frame t spans [320 t, 320 t + 400): frame 10 has 200 of 400 on (a tie counts as on),
    # frames 11..18 are fully on, frame 19 has 199 on (off)
    mask[0, 320 * 10 + 200 : 320 * 19 + 199] = True
    labels = window_majority(mask)[0]
    assert labels[10] == 1 and labels[19] == 0 and labels[9] == 0
    assert labels[11:19].all() and labels.sum() == 9


@settings(max_examples=40, deadline=None)
@given(
    snr=st.floats(-15, 35),
    seed=st.integers(0, 2**32 - 1),
    with_masks=st.booleans(),
)
def test_snr_helper_reaches_the_asked_snr(snr: float, seed: int, with_masks: bool) -> None:
    rng = np.random.default_rng(seed)
    target = rng.standard_normal(8000) * rng.uniform(0.01, 1)
    interferer = rng.standard_normal(8000) * rng.uniform(0.01, 1)
    tm = rng.random(8000) < 0.6 if with_masks else None
    im = rng.random(8000) < 0.3 if with_masks else None
    target = np.where(tm, target, 0.0) if with_masks else target
    mixture, scaled = mix_at_snr(target, interferer, snr, tm, im)
    achieved = 10 * np.log10(active_power(target, tm) / active_power(scaled, im))
    assert achieved == pytest.approx(snr, abs=0.1)
    assert np.allclose(mixture, target + scaled, atol=1e-6)


def test_snr_of_silence_is_refused() -> None:
    with pytest.raises(ValueError, match="silent"):
        gain_for_snr(np.zeros(10), np.ones(10), 10.0)


def test_unknown_scenario_weights_are_refused(bank) -> None:
    with pytest.raises(ValueError, match="unknown scenarios"):
        ChunkGenerator(bank, MixConfig(weights={"jingle": 1.0}))
