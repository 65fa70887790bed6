"""Model evidence on the shared time axis: the activation heatmap H and the class posteriors.

Both take plain numpy arrays with a frame duration (0.02 s by default), so the views can be
built and tested before any model runs: the pre-labeler later hands its arrays over as is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QPen

from annotator.gui import style

FRAME_S = 0.02


class HeatmapItem(pg.ImageItem):
    """Activations H (K atoms × T frames) as an image: atom k is row k, frame t at t·frame_s."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self.setColorMap(pg.colormap.get("inferno"))
        self.setAutoDownsample(True)
        self.shape: tuple[int, int] | None = None

    def set_activations(self, activations: np.ndarray, frame_s: float = FRAME_S) -> None:
        h = np.asarray(activations, dtype=np.float32)
        if h.ndim != 2:
            raise ValueError(f"activations must be a (K, T) array, got shape {h.shape}")
        if frame_s <= 0:
            raise ValueError(f"frame duration must be positive, got {frame_s!r}")
        k, t = h.shape
        # compress the dynamic range so weak atoms stay visible next to dominant ones
        shown = np.log1p(np.maximum(h, 0) / (np.percentile(h, 99) + 1e-12) * 10)
        self.setImage(shown, autoLevels=True)
        self.setRect(QRectF(0.0, 0.0, t * frame_s, float(k)))
        self.shape = (k, t)

    def clear(self) -> None:
        self.setImage(np.zeros((1, 1), dtype=np.float32))
        self.shape = None


class PosteriorItems:
    """One curve per class (posterior in [0, 1] over time) and a dashed line at its threshold."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.thresholds: dict[str, pg.InfiniteLine] = {}

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
        times = (np.arange(p.shape[1]) + 0.5) * frame_s
        for index, name in enumerate(class_names):
            colour = style.lane_colour(name, index)
            curve = self.curves.get(name)
            if curve is None:
                # items are kept and reused: removing PlotDataItems makes pyqtgraph 0.14 complain
                curve = pg.PlotDataItem(name=name)
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                self.plot.addItem(curve)
                self.curves[name] = curve
                line = pg.InfiniteLine(0.0, angle=0, movable=False)
                self.plot.addItem(line)
                self.thresholds[name] = line
            curve.setData(times, p[index], pen=QPen(colour, 0))
            curve.show()
            line = self.thresholds[name]
            line.setPen(QPen(QColor(colour), 0, Qt.PenStyle.DashLine))
            line.setValue(float(thresholds[index]) if thresholds is not None else 0.0)
            line.setVisible(thresholds is not None)

    def clear(self) -> None:
        for item in [*self.curves.values(), *self.thresholds.values()]:
            item.hide()
