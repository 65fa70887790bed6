"""Decoded audio is held compactly (int16 for 16-bit files) and reads as the float32 it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from annotator.audio.samples import Samples, decode

SR = 16000


def signal(seconds: float = 0.5, channels: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.5 * rng.uniform(-1, 1, (int(seconds * SR), channels))).astype(np.float32)


@pytest.mark.parametrize(
    ("subtype", "stored"),
    [("PCM_16", np.int16), ("PCM_U8", np.int16), ("PCM_24", np.float32), ("FLOAT", np.float32)],
)
def test_mono_reads_back_exactly_what_libsndfile_decodes(tmp_path: Path, subtype, stored):
    path = tmp_path / "x.wav"
    soundfile.write(str(path), signal(), SR, subtype=subtype)
    samples, rate = decode(path)
    expected, _ = soundfile.read(str(path), dtype="float32")
    assert rate == SR and samples.raw.dtype == stored and len(samples) == expected.size
    np.testing.assert_array_equal(np.asarray(samples), expected)
    np.testing.assert_array_equal(samples[100:200], expected[100:200])
    assert samples[100:200].dtype == np.float32


def test_sixteen_bit_takes_half_the_memory(tmp_path: Path):
    path = tmp_path / "x.flac"
    soundfile.write(str(path), signal(), SR, subtype="PCM_16")
    samples, _ = decode(path)
    assert samples.nbytes == 2 * len(samples)


@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
def test_channels_are_averaged(tmp_path: Path, subtype, monkeypatch):
    monkeypatch.setattr("annotator.audio.samples.MIX_BLOCK", 1000)  # several blocks
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), signal(channels=2, seed=3), SR, subtype=subtype)
    samples, _ = decode(path)
    decoded, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    expected = decoded.mean(axis=1)
    assert len(samples) == expected.size
    # 16-bit: the mean is rounded back to 16 bits, half a step at most
    tolerance = 0.5 / 32768 + 1e-7 if subtype == "PCM_16" else 1e-7
    np.testing.assert_allclose(np.asarray(samples), expected, atol=tolerance, rtol=0)


def test_samples_behave_like_a_read_only_float_array():
    s = Samples(np.array([0, 16384, -32768, 32767], np.int16), 1 / 32768)
    assert s.shape == (4,) and len(s) == 4 and s.dtype == np.float32
    assert s[1] == pytest.approx(0.5) and s[2] == -1.0
    np.testing.assert_array_equal(s[np.array([[0, 1], [2, 3]])], [[0, 0.5], [-1, 32767 / 32768]])
    assert np.asarray(s, dtype=np.float64).dtype == np.float64
    floats = Samples.from_float(np.array([0.25, -0.5]))
    assert floats.raw.dtype == np.float32 and floats.to_float32() is floats.raw
    with pytest.raises(ValueError):
        Samples(np.zeros((2, 2), np.int16))
    with pytest.raises(ValueError):
        Samples(np.zeros(3, np.int32))


def test_unreadable_file_raises(tmp_path: Path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(soundfile.LibsndfileError):
        decode(bad)
