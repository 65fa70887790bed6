"""Model evidence on the shared time axis: the activation heatmap H and the class posteriors.

Both take plain numpy arrays with a frame duration (0.02 s by default), so the views can be
built and tested before any model runs: the pre-labeler later hands its arrays over as is.

Neither holds the whole hour in its graphics item: like the waveform, each keeps levels of
detail (`detail_levels.ColumnLevels` for H, one `EnvelopePyramid` per posterior curve) and the
view calls ``show_range`` on every change of the visible range, which draws only the visible
stretch (plus half a screen each side) at about the screen's resolution. A pan that stays
inside what was drawn hands pyqtgraph no new data at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QPen

from annotator.core.envelope import EnvelopePyramid
from annotator.evidence.cache import display_activations
from annotator.gui import style
from annotator.gui.detail_levels import ColumnLevels, DrawnSpan

FRAME_S = 0.02
#: heat map columns per pixel handed to pyqtgraph (its own downsampling averages them, and the
#: rows, down to the pixels)
COLUMNS_PER_PIXEL = 2
#: posterior min/max blocks per pixel (each drawn as two points, as the waveform's)
BLOCKS_PER_PIXEL = 2


class HeatmapItem(pg.ImageItem):
    """Activations H (K atoms × T frames) as an image, frame t at t·frame_s: image row i (from
    the bottom) is component ``rows[i]``, by default component i."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self.setColorMap(pg.colormap.get("inferno"))
        # what is handed over is at most a screen's width of columns: averaging those (and the
        # K rows) down to the pixels is cheap, and keeps thin atoms from aliasing away
        self.setAutoDownsample(True)
        #: (K, T) of the activations shown (not `shape`: that is QGraphicsItem.shape(), which
        #: pyqtgraph calls to dispatch clicks and hovers)
        self.data_shape: tuple[int, int] | None = None
        self.frame_s = FRAME_S
        self.levels_of_detail: ColumnLevels | None = None
        #: component drawn in each image row, bottom up (None: row i is component i)
        self.rows: np.ndarray | None = None
        self.drawn = DrawnSpan()

    def set_activations(
        self, activations: np.ndarray, frame_s: float = FRAME_S, rows: np.ndarray | None = None
    ) -> None:
        """Show H: float values are log-compressed first (`cache.display_activations`);
        uint8 are taken as compressed already, so a cached hour needs no pass over its values.

        ``rows`` (component per image row, bottom up) reorders the levels once, here, so that
        drawing a range stays a plain slice whatever the order."""
        h = np.asarray(activations)
        if h.ndim != 2 or h.size == 0:
            raise ValueError(f"activations must be a (K, T) array, got shape {h.shape}")
        if frame_s <= 0:
            raise ValueError(f"frame duration must be positive, got {frame_s!r}")
        if h.dtype != np.uint8:
            h = display_activations(h)
        self.levels_of_detail = ColumnLevels(h, factor=4, rows=rows)
        self.rows = self.levels_of_detail.rows
        self.data_shape = self.levels_of_detail.shape
        self.frame_s = float(frame_s)
        self.drawn.reset()

    def show_range(self, start: float, end: float, width_px: int) -> None:
        """Draw the columns of [start, end) (and a margin) at about one per pixel."""
        if self.levels_of_detail is None or self.drawn.covers(start, end, width_px):
            return
        lo, hi = self.drawn.widened(start, end)
        pixels = width_px * (hi - lo) / max(end - start, 1e-12)
        part = self.levels_of_detail.query(
            lo / self.frame_s, hi / self.frame_s, int(COLUMNS_PER_PIXEL * pixels) + 1
        )
        k = self.data_shape[0] if self.data_shape else 1
        if part.image.shape[1] == 0:
            self.setImage(np.zeros((1, 1), dtype=np.uint8), autoLevels=False, levels=(0, 255))
        else:
            self.setImage(part.image, autoLevels=False, levels=(0, 255))
            seconds = part.step * self.frame_s
            self.setRect(QRectF(part.first * seconds, 0.0, part.image.shape[1] * seconds, float(k)))
        self.drawn.remember(start, end, width_px, lo, hi)

    def component_at_row(self, row: int) -> int | None:
        """The component drawn in image row ``row`` (0 at the bottom), if any."""
        k = self.data_shape[0] if self.data_shape else 0
        if not 0 <= row < k:
            return None
        return int(self.rows[row]) if self.rows is not None else row

    def row_of_component(self, k: int) -> int | None:
        if self.rows is not None:
            found = np.flatnonzero(self.rows == k)
            return int(found[0]) if found.size else None  # a subset may leave ``k`` out
        n = self.data_shape[0] if self.data_shape else 0
        return k if 0 <= k < n else None

    def clear(self) -> None:
        self.setImage(np.zeros((1, 1), dtype=np.float32))
        self.data_shape = None
        self.levels_of_detail = None
        self.rows = None
        self.drawn.reset()


class PosteriorItems:
    """One curve per class (posterior in [0, 1] over time) and a dashed line at its threshold."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self.thresholds: dict[str, pg.InfiniteLine] = {}
        self.pyramids: dict[str, EnvelopePyramid] = {}
        self.frame_s = FRAME_S
        self.drawn = DrawnSpan()

    def set_posteriors(
        self,
        posteriors: np.ndarray,
        class_names: Sequence[str],
        thresholds: Sequence[float] | None = None,
        frame_s: float = FRAME_S,
    ) -> None:
        p = np.asarray(posteriors, dtype=np.float32)
        if p.ndim != 2 or p.shape[0] != len(class_names):
            raise ValueError(
                f"posteriors must be ({len(class_names)}, T) for classes {list(class_names)}, "
                f"got shape {p.shape}"
            )
        if thresholds is not None and len(thresholds) != len(class_names):
            raise ValueError("give one threshold per class")
        self.clear()
        self.frame_s = float(frame_s)
        for index, name in enumerate(class_names):
            colour = style.lane_colour(name, index)
            curve = self.curves.get(name)
            if curve is None:
                # items are kept and reused: removing curve items makes pyqtgraph 0.14 complain
                curve = pg.PlotCurveItem(name=name, antialias=False)
                curve.setSkipFiniteCheck(True)
                self.plot.addItem(curve)
                self.curves[name] = curve
                line = pg.InfiniteLine(0.0, angle=0, movable=False)
                self.plot.addItem(line)
                self.thresholds[name] = line
            self.pyramids[name] = EnvelopePyramid(
                np.ascontiguousarray(p[index]), 1.0 / self.frame_s, base=4, factor=4
            )
            curve.setPen(QPen(colour, 0))
            curve.show()
            line = self.thresholds[name]
            line.setPen(QPen(QColor(colour), 0, Qt.PenStyle.DashLine))
            line.setValue(float(thresholds[index]) if thresholds is not None else 0.0)
            line.setVisible(thresholds is not None)

    def show_range(self, start: float, end: float, width_px: int) -> None:
        """Draw each curve's min/max over [start, end) (and a margin), two blocks a pixel."""
        if not self.pyramids or self.drawn.covers(start, end, width_px):
            return
        lo, hi = self.drawn.widened(start, end)
        pixels = width_px * (hi - lo) / max(end - start, 1e-12)
        for name, pyramid in self.pyramids.items():
            x, y = pyramid.query(lo, hi, int(BLOCKS_PER_PIXEL * pixels) + 1).zigzag()
            # a posterior belongs to the middle of its frame
            self.curves[name].setData(x + 0.5 * self.frame_s, y)
        self.drawn.remember(start, end, width_px, lo, hi)

    def clear(self) -> None:
        self.pyramids = {}
        self.drawn.reset()
        for item in [*self.curves.values(), *self.thresholds.values()]:
            item.hide()
