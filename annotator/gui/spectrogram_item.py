"""`SpectrogramItem`: a spectrogram of the visible range, recomputed when the view settles.

Why per view rather than per file: a whole-file spectrogram at a useful hop is hundreds of MB
for an hour; the visible range at about one column per pixel is a few hundred small FFTs
(milliseconds), and is always as sharp as the zoom allows. Only the samples of those frames are
read: a long recording stays in its file (`annotator.audio.source`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF

N_FFT = 512
MAX_FREQ_HZ = 8000.0
FLOOR_DB = -90.0
PRE_EMPHASIS_FROM_HZ = 50.0  # Praat's: the boost starts above 50 Hz


@dataclass(frozen=True)
class SpectrogramSettings:
    """What a phonetician sets first in Praat: analysis window (5 ms shows formants and glottal
    pulses, "broad band"; 30 ms shows harmonics, "narrow band"), the top frequency, the dynamic
    range under the loudest point, and the pre-emphasis in dB per octave above 50 Hz. The
    defaults are this editor's (32 ms at 16 kHz, 8 kHz, 90 dB, none): music and noise need the
    harmonics and the upper band; `PRAAT` is Praat's own."""

    window_s: float = N_FFT / 16000
    max_freq_hz: float = MAX_FREQ_HZ
    dynamic_range_db: float = -FLOOR_DB
    pre_emphasis_db: float = 0.0


PRAAT = SpectrogramSettings(
    window_s=0.005, max_freq_hz=5000.0, dynamic_range_db=70.0, pre_emphasis_db=6.0
)
#: samples read in one slice when the frames lie within this stretch (else frame by frame)
GATHER_SPAN = 1 << 20


def spectrogram(
    samples: np.ndarray,
    sample_rate: int,
    start: float,
    end: float,
    columns: int,
    settings: SpectrogramSettings = SpectrogramSettings(),
) -> tuple[np.ndarray, float, float, float]:
    """Power in dB (bins × columns) of [start, end) with at most ``columns`` frames, analysed
    as ``settings`` says.

    Returns (image, first frame time, seconds per column, top frequency in Hz).
    """
    top = min(settings.max_freq_hz, sample_rate / 2)
    n = samples.shape[0]
    i0 = max(int(start * sample_rate), 0)
    i1 = min(int(np.ceil(end * sample_rate)), n)
    columns = max(int(columns), 1)
    if i1 - i0 < 2:
        return np.full((1, 1), FLOOR_DB, np.float32), start, max(end - start, 1e-3), top
    hop = max((i1 - i0) // columns, 1)
    window = max(int(round(settings.window_s * sample_rate)), 16)
    n_fft = max(256, 1 << (window - 1).bit_length())  # zero-padded: smooth in frequency
    # frames read straight from ``samples`` (as if the slice had n_fft/2 zeros in front): no
    # padded copy of the visible range, which for a whole hour would be 230 MB and half a second
    half, stop = window // 2, min(i1 + window, n)
    count = max((i1 - i0) // hop, 1)
    starts = np.arange(count) * hop
    starts = starts[starts + window <= half + stop - i0]
    if starts.size == 0:
        return np.full((1, 1), FLOOR_DB, np.float32), start, max(end - start, 1e-3), top
    index = (i0 - half) + starts[:, None] + np.arange(window)[None, :]
    frames = _gather(samples, index, i0) * np.hanning(window)[None, :]
    power = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2
    bins = int(np.floor(top / (sample_rate / n_fft))) + 1
    db = 10.0 * np.log10(power[:, :bins].T + 1e-10)
    if settings.pre_emphasis_db:
        freqs = np.arange(bins) * (sample_rate / n_fft)
        octaves = np.log2(np.maximum(freqs, PRE_EMPHASIS_FROM_HZ) / PRE_EMPHASIS_FROM_HZ)
        db += (settings.pre_emphasis_db * octaves)[:, None]
    db = np.maximum(db, db.max() - settings.dynamic_range_db).astype(np.float32)
    return db, (i0 - 0.0) / sample_rate, hop / sample_rate, top


def _gather(samples, index: np.ndarray, i0: int) -> np.ndarray:
    """``samples[index]`` as float32, 0 where ``index < i0``; each row of ``index`` is one frame
    of consecutive positions. A short stretch is read in one slice; a long one (a zoomed-out
    view: frames far apart) frame by frame, so a recording read from its file
    (`annotator.audio.source.FileSamples`) is asked for the frames only, never for the whole
    range."""
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
        self.settings = SpectrogramSettings()

    def set_audio(self, samples: np.ndarray | None, sample_rate: int) -> None:
        self.samples, self.sample_rate = samples, sample_rate
        self.clear()

    def show_range(self, start: float, end: float, width_px: int) -> None:
        if self.samples is None:
            return
        image, t0, step, top = spectrogram(
            self.samples, self.sample_rate, start, end, width_px, self.settings
        )
        self.setImage(image, autoLevels=True)
        self.setRect(QRectF(t0, 0.0, step * image.shape[1], top))
