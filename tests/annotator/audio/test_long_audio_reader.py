"""A long recording read range by range (`source`) reads exactly what a full decode gives, and
the pyramid built on it answers exactly as the one built from memory. (The spectrogram:
tests/annotator/gui/test_long_audio_spectrogram.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.audio import source as audio_source
from annotator.audio.samples import Samples, decode
from annotator.audio.source import FileSamples, MappedSamples, open_samples
from annotator.audio.streamed_envelope import StreamedPyramid
from annotator.core.envelope import EnvelopePyramid
from annotator.evidence.mapped_arrays import is_mapped

SR = 16000


def write(path: Path, seconds: float = 2.0, channels: int = 1, subtype: str = "PCM_16",
          seed: int = 0, rate: int = SR) -> Path:  # fmt: skip
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    tone = 0.4 * np.sin(2 * np.pi * 440 * t) * (np.sin(2 * np.pi * 0.7 * t) > 0)
    data = tone[:, None] + 0.1 * rng.uniform(-1, 1, (n, channels))
    soundfile.write(str(path), data.astype(np.float32), rate, subtype=subtype)
    return path


@pytest.mark.parametrize(
    ("name", "channels", "subtype"),
    [("a.wav", 1, "PCM_16"), ("b.flac", 1, "PCM_16"), ("c.wav", 1, "PCM_24"),
     ("d.wav", 1, "FLOAT"), ("e.wav", 1, "PCM_U8"), ("f.wav", 2, "PCM_16"),
     ("g.flac", 3, "PCM_24"), ("h.wav", 2, "FLOAT")],
)  # fmt: skip
def test_ranges_equal_the_full_decode(tmp_path: Path, name, channels, subtype):
    path = write(tmp_path / name, channels=channels, subtype=subtype, seed=len(name))
    whole, rate = decode(path)
    reader = FileSamples(path)
    expected = np.asarray(whole)
    n = expected.size
    assert rate == reader.sample_rate and len(reader) == n and reader.shape == (n,)
    assert reader.raw_dtype == whole.raw.dtype and reader.scale == whole.scale
    assert reader.nbytes == 0
    for a, b in [(0, 1), (0, n), (n - 1, n), (1234, 5678), (n // 2, n // 2), (n - 5, n + 100),
                 (n, n + 10), (n + 10, n + 20), (-5, 3)]:  # fmt: skip
        got = reader.read(a, b)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected[max(a, 0) : max(b, 0)])
    np.testing.assert_array_equal(reader[10:2000:7], expected[10:2000:7])
    np.testing.assert_array_equal(reader[-300:], expected[-300:])
    np.testing.assert_array_equal(reader[::-1][:50], expected[::-1][:50])
    assert reader[5] == expected[5] and reader[-1] == expected[-1]
    index = np.array([[100, 101, 102], [7000, 7001, 7002]])
    np.testing.assert_array_equal(reader[index], expected[index])
    np.testing.assert_array_equal(reader.raw[200:300], whole.raw[200:300])
    with pytest.raises(IndexError):
        reader[n]
    np.testing.assert_array_equal(np.concatenate(list(reader.blocks(4096))), whole.raw)
    reader.close()


@settings(max_examples=30, deadline=None)
@given(a=st.integers(-100, 40_000), length=st.integers(0, 20_000))
def test_any_range_equals_the_full_decode(tmp_path_factory, a, length):
    folder = tmp_path_factory.getbasetemp() / "ranges"
    path = folder / "stereo.flac"
    if not path.exists():
        folder.mkdir(exist_ok=True)
        write(path, seconds=2.2, channels=2, seed=9)
    expected = np.asarray(decode(path)[0])
    reader = FileSamples(path)
    np.testing.assert_array_equal(
        reader.read(a, a + length), expected[max(a, 0) : max(a + length, 0)]
    )
    reader.close()


def test_non_finite_samples_read_as_zero_and_are_counted(tmp_path: Path):
    data = np.linspace(-0.5, 0.5, 4000, dtype=np.float32)
    data[[10, 2000, 3999]] = [np.nan, np.inf, -np.inf]
    path = tmp_path / "nan.wav"
    soundfile.write(str(path), data, SR, subtype="FLOAT")
    reader = FileSamples(path)
    assert reader[10] == 0.0 and reader[3999] == 0.0 and reader[11] == data[11]
    assert reader.repaired == 0  # random reads do not count: only the pass over the file does
    pyramid = StreamedPyramid(reader)
    assert reader.repaired == 3 and np.isfinite(pyramid.peak())


def test_short_files_are_decoded_long_ones_read_on_demand(tmp_path: Path, monkeypatch):
    path = write(tmp_path / "x.wav", seconds=1.0)
    samples, rate = open_samples(path)
    assert type(samples) is Samples and rate == SR
    monkeypatch.setattr(audio_source, "RESIDENT_BYTES", 1000)
    samples, _ = open_samples(path)
    assert isinstance(samples, FileSamples)
    assert not audio_source.in_memory(samples)


def test_a_slowly_seeking_format_is_decoded_once_to_a_mapped_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "x.ogg"
    try:
        write(path, seconds=1.5, channels=2, subtype="VORBIS")
    except (soundfile.LibsndfileError, ValueError, TypeError):
        pytest.skip("this libsndfile cannot write Ogg Vorbis")
    monkeypatch.setattr(audio_source, "RESIDENT_BYTES", 1000)
    samples, _ = open_samples(path)
    assert isinstance(samples, MappedSamples) and is_mapped(samples.raw)
    np.testing.assert_array_equal(np.asarray(samples), np.asarray(decode(path)[0]))
    assert not audio_source.in_memory(samples)
    pyramid = StreamedPyramid(samples)
    reference = EnvelopePyramid(decode(path)[0].raw, samples.sample_rate)
    got, want = pyramid.query(0, 1.5, 300), reference.query(0, 1.5, 300)
    np.testing.assert_array_equal(got.mins, want.mins)


@pytest.mark.parametrize(("subtype", "channels"), [("PCM_16", 1), ("FLOAT", 2)])
def test_streamed_pyramid_answers_as_the_pyramid_of_the_decoded_signal(
    tmp_path: Path, subtype, channels
):
    path = write(tmp_path / "p.wav", seconds=7.3, channels=channels, subtype=subtype, seed=4)
    whole, rate = decode(path)
    reference = EnvelopePyramid(whole.raw, rate, scale=whole.scale)
    reader = FileSamples(path)
    streamed = StreamedPyramid(reader, pass_frames=5000)  # several blocks, not a multiple of 256
    assert streamed.nbytes < reference.nbytes / 8  # the fine levels are made on demand
    assert streamed.peak() == reference.peak()
    rng = np.random.default_rng(0)
    duration = len(whole) / rate
    cases = [(0, duration, 800), (0, duration, 3), (1.0, 1.01, 500), (2.0, 2.5, 400),
             (3.0, 3.2, 60), (duration - 0.3, duration + 1, 200)]  # fmt: skip
    cases += [(a, a + s, int(m)) for a, s, m in
              zip(rng.uniform(0, duration, 40), rng.exponential(0.5, 40), rng.integers(1, 3000, 40),
                  strict=True)]  # fmt: skip
    for start, end, blocks in cases:
        got, want = streamed.query(start, end, blocks), reference.query(start, end, blocks)
        assert got.samples_per_block == want.samples_per_block, (start, end, blocks)
        np.testing.assert_array_equal(got.times, want.times)
        np.testing.assert_array_equal(got.mins, want.mins)
        np.testing.assert_array_equal(got.maxs, want.maxs)
