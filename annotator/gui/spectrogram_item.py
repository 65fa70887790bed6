"""`SpectrogramItem`: a spectrogram of the visible range, recomputed when the view settles.

Why per view rather than per file: a whole-file spectrogram at a useful hop is hundreds of MB
for an hour; the visible range at about one column per pixel is a few hundred small FFTs
(milliseconds), and is always as sharp as the zoom allows. Only the samples of those frames are
read: a long recording stays in its file (`audio_source`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF

N_FFT = 512
MAX_FREQ_HZ = 8000.0
FLOOR_DB = -90.0
#: samples read in one slice when the frames lie within this stretch (else frame by frame)
GATHER_SPAN = 1 << 20


def spectrogram(
    samples: np.ndarray, sample_rate: int, start: float, end: float, columns: int
) -> tuple[np.ndarray, float, float, float]:
    """Power in dB (bins × columns) of [start, end) with at most ``columns`` frames.

    Returns (image, first frame time, seconds per column, top frequency in Hz).
    """
    n = samples.shape[0]
    i0 = max(int(start * sample_rate), 0)
    i1 = min(int(np.ceil(end * sample_rate)), n)
    columns = max(int(columns), 1)
    if i1 - i0 < 2:
        return np.full((1, 1), FLOOR_DB, np.float32), start, max(end - start, 1e-3), MAX_FREQ_HZ
    hop = max((i1 - i0) // columns, 1)
    n_fft = N_FFT if sample_rate >= 16000 else 256
    # frames read straight from ``samples`` (as if the slice had n_fft/2 zeros in front): no
    # padded copy of the visible range, which for a whole hour would be 230 MB and half a second
    half, stop = n_fft // 2, min(i1 + n_fft, n)
    count = max((i1 - i0) // hop, 1)
    starts = np.arange(count) * hop
    starts = starts[starts + n_fft <= half + stop - i0]
    if starts.size == 0:
        return np.full((1, 1), FLOOR_DB, np.float32), start, max(end - start, 1e-3), MAX_FREQ_HZ
    index = (i0 - half) + starts[:, None] + np.arange(n_fft)[None, :]
    frames = _gather(samples, index, i0) * np.hanning(n_fft)[None, :]
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    top = min(MAX_FREQ_HZ, sample_rate / 2)
    bins = int(np.floor(top / (sample_rate / n_fft))) + 1
    db = 10.0 * np.log10(power[:, :bins].T + 1e-10)
    db = np.maximum(db, db.max() + FLOOR_DB).astype(np.float32)
    return db, (i0 - 0.0) / sample_rate, hop / sample_rate, top


def _gather(samples, index: np.ndarray, i0: int) -> np.ndarray:
    """``samples[index]`` as float32, 0 where ``index < i0``; each row of ``index`` is one frame
    of consecutive positions. A short stretch is read in one slice; a long one (a zoomed-out
    view: frames far apart) frame by frame, so a recording read from its file
    (`audio_source.FileSamples`) is asked for the frames only, never for the whole range."""
    last = int(index[-1, -1]) + 1
    if last - i0 <= max(GATHER_SPAN, 4 * index.size):
        piece = np.asarray(samples[i0:last], dtype=np.float32)
        return np.where(index >= i0, piece[np.maximum(index - i0, 0)], np.float32(0.0))
    out = np.zeros(index.shape, dtype=np.float32)
    for row, positions in enumerate(index):
        a, b = int(positions[0]), int(positions[-1]) + 1
        out[row, max(i0 - a, 0) :] = samples[max(a, i0) : b]
    return out


class SpectrogramItem(pg.ImageItem):
    """Image of `spectrogram` placed in seconds × Hz."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self.setColorMap(pg.colormap.get("magma"))
        self.samples: np.ndarray | None = None
        self.sample_rate = 16000

    def set_audio(self, samples: np.ndarray | None, sample_rate: int) -> None:
        self.samples, self.sample_rate = samples, sample_rate
        self.clear()

    def show_range(self, start: float, end: float, width_px: int) -> None:
        if self.samples is None:
            return
        image, t0, step, top = spectrogram(self.samples, self.sample_rate, start, end, width_px)
        self.setImage(image, autoLevels=True)
        self.setRect(QRectF(t0, 0.0, step * image.shape[1], top))
