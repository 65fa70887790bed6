"""A recording's file handle and mapped temporary decode are released when closed, not whenever
the garbage collector gets to them (a mapping still read elsewhere is left to its last view); a
closed source refuses reads with one line naming the file. That the window closes them when a
recording is left: tests/annotator/gui/test_closing_sources.py."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from annotator.audio import source as audio_source
from annotator.audio.source import FileSamples, MappedSamples, SourceClosed, open_samples
from annotator.audio.streamed_envelope import StreamedPyramid
from annotator.evidence.mapped_arrays import mapping_of, release_mappings, time_major_file

SR = 16000
needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


def open_fds(target: str) -> int:
    """File descriptors of this process whose target contains ``target``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if target in os.readlink(f"/proc/self/fd/{fd}"):
                count += 1
        except OSError:  # closed between listing and reading
            pass
    return count


def write(path: Path, seconds: float, subtype: str = "PCM_16", seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    data = 0.3 * np.sin(2 * np.pi * 330 * t) + 0.02 * rng.standard_normal(t.size)
    soundfile.write(str(path), data.astype(np.float32), SR, subtype=subtype)
    return path


@pytest.fixture
def long_files(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """Two recordings opened as long ones (read from their files: the threshold lowered)."""
    monkeypatch.setattr(audio_source, "RESIDENT_BYTES", 1000)
    folder = tmp_path / "corpus"
    folder.mkdir()
    return write(folder / "first.wav", 8.0, seed=1), write(folder / "second.wav", 5.0, seed=2)


@needs_proc
def test_a_closed_file_source_lets_go_of_its_handle_and_refuses_reads(long_files):
    path = long_files[0]
    samples, _ = open_samples(path)
    assert isinstance(samples, FileSamples)
    assert open_fds(str(path)) == 1
    piece = samples[100:200]
    samples.close()
    assert open_fds(str(path)) == 0
    assert samples.closed and len(samples) == 8 * SR  # its length still answers
    for read in (lambda: samples[100:200], lambda: samples.read(0, 10), lambda: samples[5],
                 lambda: np.asarray(samples), lambda: next(samples.blocks())):  # fmt: skip
        with pytest.raises(SourceClosed, match=r"first\.wav: audio is closed"):
            read()
    samples.close()  # twice is fine
    assert piece.shape == (100,)


@needs_proc
def test_a_closed_mapped_decode_unmaps_its_temporary_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "x.ogg"
    try:
        write(path, 2.0, subtype="VORBIS")
    except (soundfile.LibsndfileError, ValueError, TypeError):
        pytest.skip("this libsndfile cannot write Ogg Vorbis")
    monkeypatch.setattr(audio_source, "RESIDENT_BYTES", 1000)
    samples, _ = open_samples(path)
    assert isinstance(samples, MappedSamples)
    assert open_fds("nmf-annotator-") == 1  # the unlinked temporary file, held by its mapping
    pyramid = StreamedPyramid(samples)
    before = pyramid.query(0, 2.0, 100)
    samples.close()
    pyramid.release()  # the pyramid was the last holder of the mapped samples
    assert open_fds("nmf-annotator-") == 0
    with pytest.raises(SourceClosed, match=r"x\.ogg"):
        samples[0:10]
    with pytest.raises(SourceClosed):
        samples.to_float32()
    after = pyramid.query(0, 2.0, 100)  # the kept coarse levels still answer
    np.testing.assert_array_equal(after.mins, before.mins)


@needs_proc
def test_a_mapping_still_read_elsewhere_is_left_to_its_last_view():
    whole = time_major_file([np.arange(30, dtype=np.float32).reshape(3, 10)], 3, np.float32)
    view = whole[:, 2:5]
    assert open_fds("nmf-annotator-") == 1
    assert release_mappings([whole]) is False  # closing now would crash a read of ``view``
    del whole
    np.testing.assert_array_equal(view[0], [2.0, 3.0, 4.0])  # still readable, no crash
    del view
    gc.collect()
    assert open_fds("nmf-annotator-") == 0
    lone = time_major_file([np.ones((2, 4), np.float32)], 2, np.float32)
    assert mapping_of(lone) is not None
    arrays = [lone]
    del lone
    assert release_mappings(arrays) is True and arrays == []
    assert open_fds("nmf-annotator-") == 0
