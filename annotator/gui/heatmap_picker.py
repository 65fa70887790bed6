"""Pointing at rows of the activation heatmap: hover and click name a component, a filter shows
only some components, and the inspected one is outlined.

Why beside the heatmap rather than inside it: the heatmap item only draws H; which row is which
component, and which rows are shown, is the inspector's business. The picker listens to the
heatmap row's own scene (each time row is its own plot), so no view needs to know about it.

Without a filter the heatmap draws its rows in its own order (grouped by class, see
`heatmap_order`): the heatmap item says which component each row is.

While a filter is on, the picker draws the chosen rows (in the given order, most relevant at the
top) with its own image item and hides the full heatmap; the left axis then names the
components, since row i is no longer component i.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QObject, QPointF, pyqtSignal
from PyQt6.QtGui import QColor, QPen

from annotator.gui.heatmap_item import HeatmapItem
from annotator.gui.timeline_view import TimelineView

HIGHLIGHT = "#4fc3f7"
MAX_TICKS = 40


class HeatmapPicker(QObject):
    """Maps pointer positions on the heatmap row to component numbers; owns the row filter."""

    hovered = pyqtSignal(int, float)  # component, time (s); -1 when off the rows
    clicked = pyqtSignal(int, float)  # component, time (s)

    def __init__(self, timeline: TimelineView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.widget = timeline.rows["heatmap"]
        self.box = self.widget.getViewBox()
        self.rows: list[int] | None = None  # shown components while filtered, bottom to top
        self.n_components = 0
        # drawn from levels of its own rows, range by range, as the full heatmap is
        self.filtered = HeatmapItem()
        self.filtered.setZValue(1)
        self.filtered.hide()
        self.widget.addItem(self.filtered)
        self.mark = pg.LinearRegionItem(
            (0, 1), orientation="horizontal", movable=False,
            brush=QColor(0, 0, 0, 0), pen=QPen(QColor(HIGHLIGHT), 0),
        )  # fmt: skip
        self.mark.setZValue(30)
        self.mark.hide()
        self.widget.addItem(self.mark, ignoreBounds=True)
        self.marked: int | None = None
        scene = self.widget.scene()
        scene.sigMouseMoved.connect(self._on_move)
        scene.sigMouseClicked.connect(self._on_click)
        timeline.rangeChanged.connect(self.show_range)

    # --- positions ---------------------------------------------------------------------------
    def component_at(self, y: float) -> int | None:
        """The component drawn at height ``y`` of the heatmap row, if any."""
        row = int(np.floor(y))
        if self.rows is not None:
            return self.rows[row] if 0 <= row < len(self.rows) else None
        return self.timeline.heatmap.component_at_row(row)

    def row_of(self, k: int) -> int | None:
        """The row drawing component ``k``; None when it is not drawn (filtered out, or left
        out of the compact heatmap)."""
        if self.rows is not None:
            return self.rows.index(k) if k in self.rows else None
        return self.timeline.heatmap.row_of_component(k)

    def scene_point(self, k: int, t: float) -> QPointF | None:
        """Scene position of component ``k`` at time ``t`` (for tests and tooltips)."""
        row = self.row_of(k)
        return None if row is None else self.box.mapViewToScene(QPointF(t, row + 0.5))

    def _view_point(self, scene_pos) -> QPointF | None:
        if not self.widget.isVisible() or not self.box.sceneBoundingRect().contains(scene_pos):
            return None
        return self.box.mapSceneToView(scene_pos)

    def _on_move(self, scene_pos) -> None:
        p = self._view_point(scene_pos)
        k = None if p is None else self.component_at(p.y())
        self.hovered.emit(-1 if k is None else k, 0.0 if p is None else float(p.x()))

    def _on_click(self, event) -> None:
        p = self._view_point(event.scenePos())
        k = None if p is None else self.component_at(p.y())
        if k is not None:
            self.clicked.emit(k, float(p.x()))

    # --- what is drawn ------------------------------------------------------------------------
    def set_components(self, n: int) -> None:
        """A new evidence: ``n`` components, no filter."""
        self.n_components = n
        self.set_filter(None, None, 0.02)
        self.set_marked(None)

    def set_filter(self, rows: Sequence[int] | None, heat: np.ndarray | None, frame_s: float):
        """Show only components ``rows`` (first one at the top) of ``heat`` (K, T uint8), or all
        of them again when ``rows`` is None."""
        plot = self.widget.getPlotItem()
        axis = plot.getAxis("left")
        if rows is None or heat is None:
            self.rows = None
            self.filtered.hide()
            self.timeline.heatmap.show()
            self._show_groups(True, axis)
            drawn = self.timeline.heatmap.data_shape
            if drawn:
                self.widget.setYRange(0, drawn[0], padding=0)
            plot.setLabel("left", "heatmap")
        else:
            shown = list(rows)[::-1]  # image row 0 is drawn at the bottom
            self.rows = shown
            if shown:
                self.filtered.set_activations(heat, frame_s, np.asarray(shown, dtype=np.int64))
                self.show_range(*self.timeline.visible_range())
            else:
                self.filtered.clear()
            self.filtered.show()
            self.timeline.heatmap.hide()
            step = max(1, int(np.ceil(len(shown) / MAX_TICKS)))
            ticks = [(i + 0.5, str(k)) for i, k in enumerate(shown)][::step]
            self._show_groups(False, axis, ticks)
            self.widget.setYRange(0, max(len(shown), 1), padding=0)
            plot.setLabel("left", f"{len(shown)} comp.")
        self.set_marked(self.marked)

    def show_range(self, start: float, end: float) -> None:
        """Draw the filtered rows over [start, end) (the timeline's visible range)."""
        if self.rows is not None:
            self.filtered.show_range(start, end, int(self.box.width() or 800))

    def _show_groups(self, shown: bool, axis, ticks=None) -> None:
        """The class groups of the full heatmap, or the filtered rows' component numbers."""
        legend = getattr(self.timeline, "heatmap_legend", None)
        if legend is None:
            axis.setTicks(None if shown else [ticks, []])
            return
        legend.show_groups(shown)
        if shown:
            legend.axis.show_groups()
        else:
            legend.axis.show_plain(ticks)

    def set_marked(self, k: int | None) -> None:
        """Outline the row of component ``k`` (the inspected one)."""
        self.marked = k
        row = None if k is None else self.row_of(k)
        if row is None:
            self.mark.hide()
        else:
            self.mark.setRegion((row, row + 1))
            self.mark.show()
