"""`OverviewStrip`: the whole recording in one thin row, with the visible range as a handle.

Dragging the handle (or its edges) pans and zooms the editor; a click elsewhere centres the
view there. It draws the coarsest pyramid level that still has a block per pixel, once per file.
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QColor, QPen

from annotator.core.envelope import EnvelopePyramid
from annotator.gui import style
from annotator.gui.timeline_view import AXIS_WIDTH


class _ClickBox(pg.ViewBox):
    sigClickedTime = pyqtSignal(float)

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setMouseEnabled(x=False, y=False)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        ev.accept()
        self.sigClickedTime.emit(float(self.mapSceneToView(ev.scenePos()).x()))

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802
        ev.ignore()


class OverviewStrip(pg.PlotWidget):
    """Whole-file envelope plus the draggable visible range."""

    rangeRequested = pyqtSignal(float, float)  # noqa: N815 (Qt naming)

    def __init__(self, parent=None) -> None:
        self._box = _ClickBox()
        super().__init__(parent, viewBox=self._box, background=style.BACKGROUND)
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.hideAxis("bottom")
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        plot.getAxis("left").setStyle(showValues=False)
        plot.setLabel("left", "overview")
        self.setFixedHeight(54)
        self.curve = pg.PlotCurveItem(pen=QPen(QColor(style.WAVEFORM).darker(130), 0))
        self.addItem(self.curve)
        self.region = pg.LinearRegionItem(
            (0, 1), brush=QColor(255, 212, 59, 45), pen=pg.mkPen(style.CURSOR, width=2)
        )
        self.region.setZValue(10)
        self.addItem(self.region)
        self.duration = 1.0
        self._updating = False
        self.region.sigRegionChanged.connect(self._on_region)
        self._box.sigClickedTime.connect(self._centre_on)

    def set_pyramid(self, pyramid: EnvelopePyramid) -> None:
        self.duration = max(pyramid.duration, 1e-3)
        x, y = pyramid.query(0, self.duration, 1500).zigzag()
        self.curve.setData(x, y)
        peak = float(max(abs(y.min()), y.max(), 1e-3)) if y.size else 1.0
        self.setXRange(0, self.duration, padding=0)
        self.setYRange(-peak, peak, padding=0.05)
        self.region.setBounds((0, self.duration))

    def show_range(self, start: float, end: float) -> None:
        self._updating = True
        try:
            self.region.setRegion((start, end))
        finally:
            self._updating = False

    def _on_region(self) -> None:
        if not self._updating:
            start, end = self.region.getRegion()
            self.rangeRequested.emit(float(start), float(end))

    def _centre_on(self, t: float) -> None:
        start, end = self.region.getRegion()
        half = (end - start) / 2
        self.rangeRequested.emit(t - half, t + half)
