"""Opening a long recording in the window reads it through the range reader: one pass for the
waveform's pyramid, then only what each view shows, never the whole file again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from annotator.audio import source as audio_source
from annotator.audio.source import FileSamples

SR = 16000


@pytest.fixture
def long_recording(tmp_path: Path, monkeypatch) -> Path:
    """Twelve minutes (23 MB decoded) opened as a long one (the threshold lowered)."""
    monkeypatch.setattr(audio_source, "RESIDENT_BYTES", 1 << 20)
    folder = tmp_path / "long"
    folder.mkdir()
    path = folder / "twelve.flac"
    rng = np.random.default_rng(0)
    with soundfile.SoundFile(str(path), "w", SR, 1, subtype="PCM_16") as out:
        for minute in range(12):
            t = np.arange(60 * SR) / SR
            block = 0.3 * np.sin(2 * np.pi * (200 + 50 * minute) * t)
            block += 0.02 * rng.standard_normal(t.size)
            out.write(block.astype(np.float32))
    return path


def test_opening_and_scrolling_read_only_what_is_shown(make_window, long_recording, qtbot):
    w = make_window()
    assert w.open_path(long_recording)
    audio = w.document.audio
    samples = audio.samples
    assert isinstance(samples, FileSamples) and samples.nbytes == 0
    n = len(samples)
    assert n == 12 * 60 * SR
    assert audio.pyramid.nbytes < n * 2 / 50  # the pyramid, not the samples, is held
    assert samples.samples_read <= n + 3 * SR  # the one pass (and the first view)
    opened = samples.samples_read
    timeline = w.timeline
    reads = {}
    for start, end in [(0, 720), (300, 310), (301, 301.5), (100, 400), (650, 720), (0, 2),
                       (719, 720), (360, 362)]:  # fmt: skip
        before = samples.samples_read
        timeline.set_visible_range(start, end)
        timeline._refresh_spectrogram()
        qtbot.wait(5)
        w.grab()
        reads[(start, end)] = samples.samples_read - before
    # what a view reads is bounded by the screen (frames of the spectrogram, fine waveform
    # blocks of a short span), whatever the span: the whole file is never read again
    assert reads[(0, 720)] < n / 8, reads  # the frames of the spectrogram: 512 per column
    assert max(reads.values()) < n / 4, reads
    assert samples.samples_read - opened < n / 2, reads
    first, last = w.timeline.waveform.shown[:2]
    assert (first, last) == pytest.approx((360, 362))


def test_playback_and_listening_read_the_range_they_need(make_window, long_recording):
    w = make_window()
    assert w.open_path(long_recording)
    samples = w.document.audio.samples
    before = samples.samples_read
    piece = samples[SR * 100 : SR * 101]
    whole, _ = soundfile.read(str(long_recording), dtype="int16", start=SR * 100, stop=SR * 101)
    np.testing.assert_array_equal(piece, whole.astype(np.float32) / 32768)
    assert samples.samples_read - before == SR


def test_a_long_recording_is_pre_labelled_from_its_file(make_window, long_recording):
    w = make_window()
    assert w.open_path(long_recording)
    targets = w.prelabel._targets("current")
    assert len(targets) == 1 and targets[0].waveform is None  # no whole-file decode
    assert targets[0].path == long_recording.resolve()
    assert w.prelabel.options("nmf")[1]["activations"] == "mmap"
