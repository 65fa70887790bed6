"""The GSM round trip: a real, lossy, deterministic 8 kHz codec that keeps a voice-band tone."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.recipes import cli
from segmenter.recipes.codec import gsm_available, gsm_roundtrip
from segmenter.recipes.mixing import ChunkGenerator, MixConfig

from .conftest import RATE, make_bank, tone

pytestmark = pytest.mark.skipif(not gsm_available(), reason="needs libgsm1 (setup.sh installs it)")


def _snr_db(clean: np.ndarray, coded: np.ndarray) -> float:
    core = slice(RATE // 10, -RATE // 10)  # the resampler's edges are not the codec's doing
    error = coded[core].astype(np.float64) - clean[core]
    return float(10 * np.log10(np.sum(clean[core] ** 2.0) / np.sum(error**2)))


def test_gsm_keeps_a_voice_band_tone_drops_the_highs_and_is_lossy():
    voice = 0.1 * tone(440.0, 2 * RATE)
    coded = gsm_roundtrip(voice)
    assert coded.dtype == np.float32 and coded.shape == voice.shape
    assert 3.0 < _snr_db(voice, coded) < 40.0  # kept, but not bit-exact: a real codec
    high = 0.1 * tone(6000.0, 2 * RATE)
    assert np.std(gsm_roundtrip(high)) < 0.01 * np.std(high)


def test_gsm_round_trip_is_deterministic():
    x = 0.05 * np.random.default_rng(0).standard_normal(RATE).astype(np.float32)
    np.testing.assert_array_equal(gsm_roundtrip(x), gsm_roundtrip(x))


def test_gsm_rejects_other_rates():
    with pytest.raises(ValueError, match="16 kHz"):
        gsm_roundtrip(np.zeros(800, np.float32), rate=8000)


def test_gsm_chunks_go_through_the_codec_and_an_8_khz_line():
    """The 5.6 kHz noise of the test bank is gone (and unlabelled) once the chunk is GSM."""
    plain = ChunkGenerator(make_bank(), MixConfig(partial_p=0.0))
    coded = ChunkGenerator(make_bank(), MixConfig(gsm_p=1.0, partial_p=0.0))
    for seed in range(4):
        chunk = coded.chunk(np.random.default_rng(seed), "speech")
        assert chunk.parts[-1] == "codec/gsm" and chunk.labels[0].sum() > 0
        same = plain.chunk(np.random.default_rng(seed), "speech")
        assert not np.allclose(chunk.audio, same.audio, atol=1e-3)
    recorded = ChunkGenerator(make_bank(), MixConfig(gsm_p=1.0, generated_noise_p=0.0))
    noises = [recorded.chunk(np.random.default_rng(seed), "noise") for seed in range(6)]
    # only the 5 ms fades between events (clicks) stay audible, as on any narrowband line
    assert all(c.parts[-1] == "codec/gsm" and c.labels[2].mean() < 0.05 for c in noises)
    args = cli._parser().parse_args(["train", "--cache", "c", "--out", "o", "--gsm-p", "0.1"])
    assert args.gsm_p == 0.1
