"""Low-rate MP3 and Opus round trips: lossy, deterministic, the input's length and aligned with
it to the sample (so the chunk's labels still fit), and skipped cleanly without an encoder."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from segmenter.recipes import codec
from segmenter.recipes.codec import CodecUnavailable, lossy_available, lossy_roundtrip
from segmenter.recipes.mixing import ChunkGenerator, MixConfig

from .conftest import RATE, make_bank


def _needs(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not lossy_available(name),
        reason=f"ffmpeg lacks the {name} encoder (apt-get install ffmpeg)",
    )


def _voice(seconds: float) -> np.ndarray:
    """Speech-like: a gliding 120-160 Hz harmonic voice, syllable-rate bursts, pauses."""
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None) ** 2
    return (0.05 * voice * syllables).astype(np.float32)


def _lag(coded: np.ndarray, clean: np.ndarray) -> int:
    xc = correlate(coded.astype(np.float64), clean.astype(np.float64), mode="full", method="fft")
    return int(np.argmax(xc)) - (clean.size - 1)


def _snr_db(clean: np.ndarray, coded: np.ndarray) -> float:
    error = coded.astype(np.float64) - clean
    return float(10 * np.log10(np.sum(clean.astype(np.float64) ** 2) / np.sum(error**2)))


@pytest.mark.parametrize(
    "name, kbps",
    [pytest.param("mp3", 32, marks=_needs("mp3")), pytest.param("opus", 12, marks=_needs("opus"))],
)
def test_round_trip_keeps_length_aligned_lossy_and_deterministic(name, kbps):
    clean = _voice(1.3)  # not a whole number of codec frames
    coded = lossy_roundtrip(clean, name, kbps)
    assert coded.dtype == np.float32 and coded.shape == clean.shape
    assert abs(_lag(coded, clean)) <= 1  # the codec's delay is cut
    assert 8.0 < _snr_db(clean, coded) < 40.0  # aligned and kept, yet not bit-exact
    np.testing.assert_array_equal(lossy_roundtrip(clean, name, kbps), coded)


def test_bad_arguments_are_refused_before_any_coding():
    x = np.zeros(1600, np.float32)
    with pytest.raises(ValueError, match="unknown lossy codec"):
        lossy_roundtrip(x, "aac", 32)
    with pytest.raises(ValueError, match="16000"):
        lossy_roundtrip(x, "mp3", 32, rate=11025)
    with pytest.raises(ValueError, match="lossy_codecs"):
        ChunkGenerator(make_bank(), MixConfig(lossy_p=0.5, lossy_codecs=("aac",)))


def test_without_ffmpeg_the_codec_says_so_and_the_stream_skips_it(monkeypatch):
    config = MixConfig(partial_p=0.0)
    plain = ChunkGenerator(make_bank(), config).chunk(np.random.default_rng(2), "speech")
    monkeypatch.setattr(codec, "_ffmpeg_encoders", lambda: frozenset())
    assert not lossy_available() and not lossy_available("opus")
    with pytest.raises(CodecUnavailable, match="ffmpeg"):
        lossy_roundtrip(_voice(0.5), "opus", 16)
    lossy = ChunkGenerator(make_bank(), MixConfig(partial_p=0.0, lossy_p=1.0))
    skipped = lossy.chunk(np.random.default_rng(2), "speech")
    # the codec is drawn last, so without it the chunk is exactly the chunk without lossy_p
    assert skipped.parts == plain.parts
    np.testing.assert_array_equal(skipped.audio, plain.audio)


@pytest.mark.parametrize("name", [pytest.param(c, marks=_needs(c)) for c in codec.LOSSY_CODECS])
def test_lossy_chunks_keep_their_labels_and_record_the_codec(name):
    plain = ChunkGenerator(make_bank(), MixConfig(partial_p=0.0))
    config = MixConfig(partial_p=0.0, lossy_p=1.0, lossy_codecs=(name,))
    a = plain.chunk(np.random.default_rng(4), "speech_music")
    b = ChunkGenerator(make_bank(), config).chunk(np.random.default_rng(4), "speech_music")
    coded, _, kbps = b.parts[-1].removeprefix("codec/").partition("/")
    assert b.parts[:-1] == a.parts and coded == name and int(kbps[:-1]) in codec.LOSSY_KBPS[name]
    assert b.audio.shape == a.audio.shape and b.audio.dtype == np.float32
    np.testing.assert_array_equal(b.labels, a.labels)
    assert abs(_lag(b.audio, a.audio)) <= 1 and not np.allclose(b.audio, a.audio, atol=1e-3)
