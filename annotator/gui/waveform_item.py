"""`WaveformItem`: the waveform drawn from the envelope pyramid level that fits the zoom.

The item holds no samples of its own: on every change of the visible range the view calls
`show_range`, which asks the pyramid for about two blocks per pixel and draws them as one
min/max zigzag line. A full hour therefore repaints from a few thousand points, the same as a
second, and a lone click stays visible at every zoom (min/max never averages it away). Half a
screen is drawn beyond each side, so a pan that stays inside it needs no new data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtGui import QColor, QPen

from annotator.core.envelope import EnvelopePyramid, EnvelopeSlice
from annotator.gui import style
from annotator.gui.detail_levels import DrawnSpan

BLOCKS_PER_PIXEL = 2
DB_RANGE = 60.0  # a dB waveform shows this many dB under full scale (Audacity's default)


def to_db_scale(y: np.ndarray, db_range: float = DB_RANGE) -> np.ndarray:
    """Amplitudes as a signed dB scale in [-1, 1]: 0 dBFS at ±1, ``-db_range`` dB and quieter at
    0, so soft passages (a quiet talker, room tone) are as visible as loud ones."""
    level = 20.0 * np.log10(np.maximum(np.abs(y), 1e-12))
    return (np.sign(y) * np.clip(1.0 + level / db_range, 0.0, 1.0)).astype(np.float32)


class WaveformItem(pg.PlotCurveItem):
    """A curve whose data is re-queried from the pyramid for each visible range."""

    def __init__(self, pyramid: EnvelopePyramid | None = None) -> None:
        super().__init__(pen=QPen(QColor(style.WAVEFORM), 0), antialias=False)
        self.setSkipFiniteCheck(True)
        self.pyramid = pyramid
        self.shown: tuple[float, float, int] | None = None  # range and block size drawn
        self.drawn = DrawnSpan()
        self._chunk: EnvelopeSlice | None = None  # what is drawn, for `visible_peak`
        self.db = False  # draw on a dB scale (see `to_db_scale`)

    def set_db(self, db: bool) -> None:
        """Switch between amplitude and dB; the next `show_range` redraws."""
        if db != self.db:
            self.db = db
            self.drawn.reset()

    def visible_peak(self, start: float, end: float) -> float:
        """The largest magnitude in [start, end) as drawn (dB scale included), for scaling the
        view to what is shown (Praat's "scale locally")."""
        chunk = self._chunk  # drawn by `show_range` for this range (and a margin): no new query
        if self.pyramid is None or chunk is None:
            return 1.0
        step = chunk.samples_per_block / self.pyramid.sample_rate
        shown = (chunk.times + step > start) & (chunk.times < end)
        if not shown.any():
            return 1.0
        peak = float(max(-chunk.mins[shown].min(), chunk.maxs[shown].max()))
        return float(to_db_scale(np.array([peak]))[0]) if self.db else peak

    def set_pyramid(self, pyramid: EnvelopePyramid | None) -> None:
        self.pyramid = pyramid
        self.shown, self._chunk = None, None
        self.drawn.reset()
        self.setData([], [])

    def show_range(self, start: float, end: float, width_px: int) -> None:
        """Draw [start, end) with about `BLOCKS_PER_PIXEL` blocks per pixel of ``width_px``."""
        if self.pyramid is None or self.drawn.covers(start, end, width_px):
            return
        lo, hi = self.drawn.widened(start, end)
        pixels = width_px * (hi - lo) / max(end - start, 1e-12)
        chunk = self.pyramid.query(lo, hi, int(BLOCKS_PER_PIXEL * pixels) + 1)
        x, y = chunk.zigzag()
        self.setData(x, to_db_scale(y) if self.db else y)
        self._chunk = chunk
        self.shown = (start, end, chunk.samples_per_block)
        self.drawn.remember(start, end, width_px, lo, hi)
