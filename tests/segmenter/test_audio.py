"""Decoding recordings: formats, downmix, resampling, streaming and every kind of bad file."""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from segmenter.audio import AudioWarning, audio_info, load_audio, resample, stream_audio
from segmenter.errors import AudioError, SegmenterError


def _tone(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _write(path: Path, data: np.ndarray, rate: int, **kwargs) -> Path:
    sf.write(str(path), data, rate, **kwargs)
    return path


def test_resamples_44k1_stereo_with_a_real_resampler(tmp_path):
    left = _tone(1000.0, 1.0, 44100)
    path = _write(tmp_path / "a.wav", np.stack([left, left], axis=1), 44100)
    x = load_audio(path)
    assert x.dtype == np.float32 and x.ndim == 1
    assert x.size == 16000
    spectrum = np.abs(np.fft.rfft(x[1000:-1000]))
    peak_hz = np.argmax(spectrum) * 16000 / (x.size - 2000)
    assert abs(peak_hz - 1000.0) < 2.0
    # A real (band-limited) resampler keeps the amplitude of an in-band tone.
    assert abs(np.abs(x[1000:-1000]).max() - 0.5) < 0.01


def test_downmix_is_the_channel_mean(tmp_path):
    data = np.stack([np.full(1600, 0.2), np.full(1600, -0.6), np.full(1600, 0.1)], axis=1)
    x = load_audio(_write(tmp_path / "m.wav", data.astype(np.float32), 16000, subtype="FLOAT"))
    np.testing.assert_allclose(x, -0.1, atol=1e-6)


def test_aliasing_tone_above_nyquist_is_removed(tmp_path):
    x = load_audio(_write(tmp_path / "hi.wav", _tone(12000.0, 1.0, 48000), 48000))
    assert np.sqrt(np.mean(x[500:-500] ** 2)) < 1e-3


@pytest.mark.parametrize("fmt,ext", [("FLAC", "flac"), ("OGG", "ogg"), ("AIFF", "aiff")])
def test_other_formats_decode(tmp_path, fmt, ext):
    path = _write(tmp_path / f"t.{ext}", _tone(440.0, 0.5, 22050), 22050, format=fmt)
    x = load_audio(path)
    assert abs(x.size - 8000) <= 1
    assert np.abs(x).max() > 0.3


def test_audio_info_reads_the_header(tmp_path):
    path = _write(tmp_path / "i.wav", np.zeros((22050, 2), np.float32), 22050)
    info = audio_info(path)
    assert (info.sample_rate, info.channels, info.frames) == (22050, 2, 22050)
    assert info.duration == pytest.approx(1.0)
    assert info.format == "WAV"


def test_region_loading(tmp_path):
    ramp = np.arange(16000 * 3, dtype=np.float32) / (16000 * 3)
    path = _write(tmp_path / "r.wav", ramp, 16000, subtype="FLOAT")
    x = load_audio(path, offset=1.0, duration=0.5)
    assert x.size == 8000
    np.testing.assert_allclose(x, ramp[16000:24000])
    with pytest.raises(AudioError, match="past the end"):
        load_audio(path, offset=5.0)


@pytest.mark.parametrize("rate", [16000, 44100, 8000])
def test_stream_equals_whole_file(tmp_path, rate):
    rng = np.random.default_rng(0)
    data = (0.1 * rng.standard_normal((int(rate * 2.3), 2))).astype(np.float32)
    path = _write(tmp_path / "s.wav", data, rate, subtype="FLOAT")
    whole = load_audio(path)
    blocks = list(stream_audio(path, block_seconds=0.37))
    assert len(blocks) > 3
    streamed = np.concatenate(blocks)
    assert streamed.size == whole.size
    np.testing.assert_allclose(streamed, whole, atol=1e-5)


def test_one_sample_file_decodes_to_one_sample(tmp_path):
    for rate in (16000, 44100):
        path = _write(tmp_path / f"one{rate}.wav", np.array([0.25], np.float32), rate)
        assert load_audio(path).size == 1
        assert np.concatenate(list(stream_audio(path))).size == 1


def test_non_finite_samples_are_zeroed_with_a_warning(tmp_path):
    data = np.full(1600, 0.5, np.float32)
    data[[3, 10, 20]] = [np.nan, np.inf, -np.inf]
    path = _write(tmp_path / "nan.wav", data, 16000, subtype="FLOAT")
    with pytest.warns(AudioWarning, match=r"nan\.wav: 3 non-finite"):
        x = load_audio(path)
    assert np.isfinite(x).all() and x[3] == 0 and x[0] == 0.5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        streamed = np.concatenate(list(stream_audio(path, block_seconds=0.001)))
    assert np.isfinite(streamed).all()
    assert sum(issubclass(w.category, AudioWarning) for w in caught) == 1


def _wav_header(channels: int, frames: int) -> bytes:
    data_bytes = frames * max(channels, 1) * 2
    fmt = struct.pack("<HHIIHH", 1, channels, 16000, 16000 * 2 * channels, 2 * channels, 16)
    return (
        b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<I", 16) + fmt
        + b"data" + struct.pack("<I", data_bytes) + b"\0" * data_bytes
    )  # fmt: skip


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("text.wav", b"this is not audio, just text renamed to .wav\n" * 20, "not a readable"),
        ("garbage.flac", bytes(range(256)) * 8, "not a readable"),
        ("zero_channels.wav", _wav_header(0, 10), r"not a readable|no channels"),
        ("empty_data.wav", _wav_header(1, 0), "no samples"),
        ("zero_bytes.wav", b"", "not a readable"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    for call in (load_audio, audio_info, lambda p: list(stream_audio(p))):
        with pytest.raises(AudioError, match=message) as info:
            call(path)
        text = str(info.value)
        assert name in text and "\n" not in text


def test_empty_written_file_is_refused(tmp_path):
    path = _write(tmp_path / "empty.wav", np.zeros((0, 1), np.float32), 16000)
    with pytest.raises(AudioError, match="empty.wav: audio file contains no samples"):
        load_audio(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(AudioError, match="file not found"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="is a directory"):
        load_audio(tmp_path)
    assert issubclass(AudioError, SegmenterError)


def test_resample_helper_is_identity_at_equal_rates():
    x = np.random.default_rng(1).standard_normal(100).astype(np.float32)
    np.testing.assert_array_equal(resample(x, 16000, 16000), x)
    assert resample(x, 48000, 16000).size == 33


@pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")
def test_a_name_that_is_not_utf8_is_read(tmp_path):
    """Python holds the name's bytes as lone surrogates; libsndfile gets the bytes themselves."""
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.wav"))
    sf.write(tmp_path / "plain.wav", np.full(1600, 0.25, np.float32), 16000)
    os.rename(tmp_path / "plain.wav", path)
    assert audio_info(path).frames == 1600
    assert load_audio(path).size == 1600
    assert sum(block.size for block in stream_audio(path)) == 1600
