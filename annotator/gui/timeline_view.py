"""`TimelineView`: the time-aligned rows of the editor on one shared x axis (seconds).

Rows, top to bottom, in a splitter the user can resize (sizes persist): waveform, spectrogram,
activation heatmap H, class posteriors with thresholds, label lanes. Every row's ViewBox is
x-linked to the lanes row, never pans vertically, and stops at the ends of the recording.
Wheel pans, Ctrl+wheel zooms around the pointer; dragging on waveform or spectrogram selects a
time span, a click places the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QPen
from PyQt6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from annotator.evidence.heatmap_order import compact, mean_from_heat, row_order
from annotator.gui import style
from annotator.gui.heatmap_item import FRAME_S, HeatmapItem, PosteriorItems
from annotator.gui.heatmap_legend import HeatmapLegend
from annotator.gui.lanes_item import LanesItem
from annotator.gui.spectrogram_item import SpectrogramItem
from annotator.gui.time_axis import TimeAxis
from annotator.gui.waveform_item import WaveformItem

AXIS_WIDTH = 72
ZOOM_STEP = 1.25
MIN_SPAN_S = 0.01
ZOOM_HISTORY = 50  # views "zoom back" can return through
COMPACT_PER_CLASS = 8  # heatmap rows per class when not every component is shown
LANE_PX = 34


class TimeViewBox(pg.ViewBox):
    """ViewBox of a time row: wheel pans, Ctrl+wheel zooms x; drags select a span if asked."""

    sigClickedTime = pyqtSignal(float)
    sigSelectDrag = pyqtSignal(float, float, str)  # t0, t1, phase

    def __init__(self, select_on_drag: bool = False) -> None:
        super().__init__(enableMenu=False)
        self.select_on_drag = select_on_drag
        self.setMouseEnabled(x=True, y=False)

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 (Qt's name)
        steps = ev.delta() / 120.0
        x0, x1 = self.viewRange()[0]
        if ev.modifiers() & pg.QtCore.Qt.KeyboardModifier.ControlModifier:
            centre = self.mapSceneToView(ev.scenePos()).x()
            factor = ZOOM_STEP ** (-steps)
            self.setXRange(
                centre - (centre - x0) * factor, centre + (x1 - centre) * factor, padding=0
            )
        else:
            shift = -steps * 0.1 * (x1 - x0)
            self.setXRange(x0 + shift, x1 + shift, padding=0)
        ev.accept()

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        if ev.button() == pg.QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self.sigClickedTime.emit(float(self.mapSceneToView(ev.scenePos()).x()))
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802
        if self.select_on_drag and ev.button() == pg.QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            t0 = float(self.mapSceneToView(ev.buttonDownScenePos()).x())
            t1 = float(self.mapSceneToView(ev.scenePos()).x())
            phase = "start" if ev.isStart() else "finish" if ev.isFinish() else "move"
            self.sigSelectDrag.emit(min(t0, t1), max(t0, t1), phase)
        else:
            super().mouseDragEvent(ev, axis)


def _plot(name: str, select_on_drag: bool) -> tuple[pg.PlotWidget, TimeViewBox]:
    box = TimeViewBox(select_on_drag)
    widget = pg.PlotWidget(
        viewBox=box, background=style.BACKGROUND, axisItems={"bottom": TimeAxis()}
    )
    widget.setObjectName(name)
    plot = widget.getPlotItem()
    plot.hideButtons()
    plot.getAxis("left").setWidth(AXIS_WIDTH)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.getAxis("bottom").setStyle(showValues=False)
    plot.getAxis("bottom").setHeight(4)
    plot.setLabel("left", name)
    return widget, box


class TimelineView(QWidget):
    """The stacked time rows; the window drives it through a handful of methods."""

    cursorClicked = pyqtSignal(float)  # noqa: N815 (Qt naming)
    spanSelected = pyqtSignal(float, float, str)  # noqa: N815
    rangeChanged = pyqtSignal(float, float)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 1.0
        self.splitter = QSplitter(pg.QtCore.Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("timeline-splitter")
        self.rows: dict[str, pg.PlotWidget] = {}
        for name, selects in (
            ("waveform", True),
            ("spectrogram", True),
            ("heatmap", False),
            ("posteriors", False),
            ("lanes", False),
        ):
            widget, box = _plot(name, selects)
            # every range is set explicitly: auto-range would re-measure the items' bounds
            # (all their data) after each change
            box.disableAutoRange()
            box.sigClickedTime.connect(self.cursorClicked)
            box.sigSelectDrag.connect(self.spanSelected)
            self.rows[name] = widget
            self.splitter.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.lanes_plot = self.rows["lanes"].getPlotItem()
        self.lanes_plot.invertY(True)
        self.lanes_plot.getAxis("bottom").setStyle(showValues=True)
        self.lanes_plot.getAxis("bottom").setHeight(None)
        self.lanes_plot.setLabel("left", "")
        self.lanes_plot.setLabel("bottom", "time")
        self.time_axis: TimeAxis = self.lanes_plot.getAxis("bottom")
        for name, widget in self.rows.items():
            if name != "lanes":
                widget.getPlotItem().setXLink(self.lanes_plot)
        self.waveform = WaveformItem()
        self.rows["waveform"].addItem(self.waveform)
        self.rows["waveform"].setYRange(-1, 1, padding=0.02)
        self.spectrogram = SpectrogramItem()
        self.rows["spectrogram"].addItem(self.spectrogram)
        self.heatmap = HeatmapItem()
        self.rows["heatmap"].addItem(self.heatmap)
        self.heatmap_legend = HeatmapLegend(self.rows["heatmap"], AXIS_WIDTH)
        posterior_plot = self.rows["posteriors"].getPlotItem()
        posterior_plot.setYRange(0, 1, padding=0.05)
        self.posteriors = PosteriorItems(posterior_plot)
        self.lanes: LanesItem | None = None

        self.cursor_time = 0.0
        self._views_before: list[tuple[float, float]] = []
        #: the waveform's height follows the loudest sample in view (Praat's "scale locally")
        self.waveform_scaled_to_view = True
        #: the heatmap shows every component (else the most relevant few of each class)
        self.heatmap_all = False
        self._evidence_args: tuple | None = None
        self._cursor_lines: list[pg.InfiniteLine] = []
        self._span_regions: list[pg.LinearRegionItem] = []
        for widget in self.rows.values():
            line = pg.InfiniteLine(0.0, angle=90, pen=QPen(QColor(style.CURSOR), 0), movable=False)
            line.setZValue(50)
            widget.addItem(line, ignoreBounds=True)
            self._cursor_lines.append(line)
            region = pg.LinearRegionItem(
                (0, 0), movable=False, brush=QColor(255, 212, 59, 40), pen=QPen(QColor(0, 0, 0, 0))
            )
            region.setZValue(20)
            region.hide()
            widget.addItem(region, ignoreBounds=True)
            self._span_regions.append(region)
        self.set_evidence(None, None)

        self._spectrogram_timer = QTimer(self, singleShot=True, interval=60)
        self._spectrogram_timer.timeout.connect(self._refresh_spectrogram)
        self.lanes_plot.getViewBox().sigXRangeChanged.connect(self._on_range_changed)
        self.splitter.setSizes([120, 100, 120, 70, 4 * LANE_PX + 40])

    # --- content ----------------------------------------------------------------------------
    def set_document(self, annotation, samples, sample_rate: int, pyramid) -> None:
        """Show a recording: ``samples`` reads as float32 by slice
        (`annotator.audio.samples.Samples`)."""
        self.duration = max(annotation.end_time, samples.shape[0] / sample_rate, 1e-3)
        self._views_before.clear()  # another recording: the old views mean nothing
        if self.lanes is None:
            self.lanes = LanesItem(annotation)
            self.lanes_plot.addItem(self.lanes)
        self.lanes.set_annotation(annotation, self.duration)
        self.waveform.set_pyramid(pyramid)
        self.spectrogram.set_audio(samples, sample_rate)
        peak = pyramid.peak() if pyramid.levels else 1.0
        self.rows["waveform"].setYRange(-max(peak, 1e-3), max(peak, 1e-3), padding=0.05)
        for widget in self.rows.values():
            widget.getViewBox().setLimits(xMin=0.0, xMax=self.duration, minXRange=MIN_SPAN_S)
        self.spectrogram.setRect(0, 0, self.duration, 8000)
        self.rows["spectrogram"].setYRange(0, min(8000, sample_rate / 2), padding=0)
        self.refresh_lanes()
        self.set_visible_range(0.0, self.duration)
        self._on_range_changed(None, self.visible_range())  # the range may not have changed
        self.set_cursor(0.0)
        self.set_span(None)

    def refresh_lanes(self) -> None:
        if self.lanes is None:
            return
        names = self.lanes.lane_names
        axis = self.lanes_plot.getAxis("left")
        axis.setTicks([[(i + 0.5, name) for i, name in enumerate(names)], []])
        self.lanes_plot.setYRange(0, max(len(names), 1), padding=0)
        self.lanes.refresh()

    def set_evidence(
        self,
        activations: np.ndarray | None,
        posteriors: np.ndarray | None,
        class_names: Sequence[str] = (),
        thresholds: Sequence[float] | None = None,
        frame_s: float = FRAME_S,
        theta: np.ndarray | None = None,
    ) -> None:
        """Show model evidence; rows without evidence are hidden rather than left empty.

        ``activations`` as uint8 are taken as drawn already (`cache.display_activations`):
        an hour of them is shown without a pass over every value. With the class weights
        ``theta`` (C, K), one row per class name, the heatmap's rows are grouped by the class
        each component pushes most (`heatmap_order`); without them (an old cache) they stay in
        index order.
        """
        self._evidence_args = (activations, class_names, frame_s, theta)
        self._show_heatmap()
        self.rows["heatmap"].setVisible(activations is not None)
        if posteriors is None:
            self.posteriors.clear()
        else:
            self.posteriors.set_posteriors(posteriors, class_names, thresholds, frame_s)
        self.rows["posteriors"].setVisible(posteriors is not None)
        self._draw_range(*self.visible_range())

    def show_every_component(self, every: bool) -> None:
        """Every component in the heatmap, or (default) the most relevant few of each class."""
        if every != self.heatmap_all:
            self.heatmap_all = every
            self._show_heatmap()
            self._draw_range(*self.visible_range())

    def _show_heatmap(self) -> None:
        activations, class_names, frame_s, theta = self._evidence_args or (None, (), FRAME_S, None)
        groups: tuple = ()
        drawn = 0
        if activations is None:
            self.heatmap.clear()
        else:
            k = activations.shape[0]
            order = None
            if theta is not None and np.shape(theta) == (len(class_names), k):
                h = activations
                means = mean_from_heat(h) if h.dtype == np.uint8 else np.mean(h, axis=1)
                order = row_order(means, theta, class_names)
                few = compact(order, COMPACT_PER_CLASS)
                if not self.heatmap_all and few.order.size:
                    order = few
                groups = order.groups
            rows = None if order is None else order.bottom_up
            self.heatmap.set_activations(activations, frame_s, rows)
            drawn = k if rows is None else len(rows)
            self.rows["heatmap"].setYRange(0, max(drawn, 1), padding=0)
        self.heatmap_legend.set_groups(groups, drawn)

    # --- cursor, span, range ----------------------------------------------------------------
    def set_cursor(self, t: float) -> None:
        self.cursor_time = min(max(float(t), 0.0), self.duration)
        for line in self._cursor_lines:
            line.setValue(self.cursor_time)

    def set_span(self, span: tuple[float, float] | None) -> None:
        for region in self._span_regions:
            if span is None or span[1] <= span[0]:
                region.hide()
            else:
                region.setRegion(span)
                region.show()

    def visible_range(self) -> tuple[float, float]:
        x0, x1 = self.lanes_plot.getViewBox().viewRange()[0]
        return float(x0), float(x1)

    def set_visible_range(self, start: float, end: float) -> None:
        span = min(max(end - start, MIN_SPAN_S), self.duration)
        start = min(max(start, 0.0), self.duration - span)
        self.lanes_plot.setXRange(start, start + span, padding=0)

    def set_waveform_scale(self, to_view: bool | None = None, db: bool | None = None) -> None:
        """Scale the waveform to the view or to the file, in amplitude or dB; redraws."""
        if to_view is not None:
            self.waveform_scaled_to_view = to_view
        if db is not None:
            self.waveform.set_db(db)
        if not self.waveform_scaled_to_view:
            pyramid = self.waveform.pyramid
            peak = pyramid.peak() if pyramid is not None and pyramid.levels else 1.0
            peak = 1.0 if self.waveform.db else max(peak, 1e-3)
            self.rows["waveform"].setYRange(-peak, peak, padding=0.05)
        self._draw_range(*self.visible_range())

    def zoom_to(self, start: float, end: float) -> None:
        """Show ``start``–``end`` and remember the view left, for :meth:`zoom_back` (Praat's
        "zoom to selection" and "zoom back")."""
        self._views_before.append(self.visible_range())
        del self._views_before[:-ZOOM_HISTORY]
        self.set_visible_range(start, end)

    def zoom_back(self) -> bool:
        """Return to the view before the last :meth:`zoom_to`; False when there is none."""
        if not self._views_before:
            return False
        self.set_visible_range(*self._views_before.pop())
        return True

    def zoom(self, factor: float, centre: float | None = None) -> None:
        """Scale the visible span by ``factor`` (< 1 zooms in) around ``centre`` (the cursor)."""
        x0, x1 = self.visible_range()
        c = self.cursor_time if centre is None else centre
        if not x0 <= c <= x1:
            c = (x0 + x1) / 2
        self.set_visible_range(c - (c - x0) * factor, c + (x1 - c) * factor)

    def ensure_visible(self, t: float) -> None:
        x0, x1 = self.visible_range()
        if not x0 <= t <= x1:
            span = x1 - x0
            self.set_visible_range(t - span / 2, t + span / 2)

    def _on_range_changed(self, _box, rng) -> None:
        x0, x1 = float(rng[0]), float(rng[1])
        self._draw_range(x0, x1)
        for widget in self.rows.values():
            # pyqtgraph defers the new view transform to just before the paint, and moving
            # the items then asks for a second paint of every row: apply it now, so one does
            widget.getViewBox().updateMatrix()
        self._spectrogram_timer.start()
        self.rangeChanged.emit(x0, x1)

    def _draw_range(self, x0: float, x1: float) -> None:
        """Hand each data row what [x0, x1] needs (they skip it when a pan stays in view)."""
        width = int(self.rows["waveform"].getViewBox().width() or 800)
        self.waveform.show_range(x0, x1, width)
        if self.waveform_scaled_to_view:
            peak = max(self.waveform.visible_peak(x0, x1), 1e-4)
            self.rows["waveform"].setYRange(-peak, peak, padding=0.05)
        self.heatmap.show_range(x0, x1, width)
        self.posteriors.show_range(x0, x1, width)

    def _refresh_spectrogram(self) -> None:
        x0, x1 = self.visible_range()
        box = self.rows["spectrogram"].getViewBox()
        if self.rows["spectrogram"].isVisible():
            self.spectrogram.show_range(x0, x1, int(box.width() or 800))
