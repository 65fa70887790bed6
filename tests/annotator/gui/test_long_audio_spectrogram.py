"""The spectrogram of a long recording read from its file draws exactly what it draws from
memory, reading only the frames it shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.audio.samples import decode
from annotator.audio.source import FileSamples
from annotator.gui.spectrogram_item import spectrogram
from tests.annotator.audio.test_long_audio_reader import write


def test_spectrogram_from_the_file_equals_the_one_from_memory(tmp_path: Path, monkeypatch):
    path = write(tmp_path / "s.flac", seconds=30.0, seed=2)
    whole, rate = decode(path)
    reader = FileSamples(path)
    monkeypatch.setattr("annotator.gui.spectrogram_item.GATHER_SPAN", 20_000)  # both ways
    cases = [(0, 30, 700), (0, 30, 20), (1.0, 1.5, 400), (10, 10.01, 50), (29, 31, 300)]
    for start, end, columns in cases:
        before = reader.samples_read
        got = spectrogram(reader, rate, start, end, columns)
        want = spectrogram(whole, rate, start, end, columns)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1:] == want[1:]
        # frames far apart are read one by one: never the whole visible range
        assert reader.samples_read - before <= max(4 * 512 * columns, 20_000 + 1024)
