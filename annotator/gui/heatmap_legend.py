"""What tells the reader how to read the heatmap: the class groups of its rows (coloured strips
and names on the left axis, thin lines between groups) and the activation colour scale.

Why no `pg.ColorBarItem` in the plot's layout: every time row shares one x axis, and a bar
beside the heatmap would make its view narrower than the others, so time would no longer line
up across rows. The scale sits in a band under the view instead (the row's bottom axis, which
shows no values, is made as tall as the scale), anchored to the plot's corner: it never covers
data and stays put while the user pans and zooms.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QPen

from annotator.evidence.heatmap_order import RowGroup
from annotator.gui import style

STRIP_PX = 5
#: the least vertical distance between two group names, in pixels
LABEL_PX = 13
SEPARATOR = QColor(232, 234, 237, 150)
OTHER_COLOUR = "#5f6770"
COLOUR_MAP = "inferno"


class GroupAxis(pg.AxisItem):
    """A left axis that names row groups and paints each group's class colour beside it."""

    def __init__(self) -> None:
        super().__init__("left")
        #: (view y0, view y1, colour) of each group; empty while plain ticks are shown
        self.strips: list[tuple[float, float, QColor]] = []
        self.group_ticks: list[tuple[float, str]] | None = None

    def set_groups(self, groups: Sequence[RowGroup], k: int, colours: Sequence[QColor]) -> None:
        """Rows of ``groups`` count from the top of a heatmap of ``k`` rows."""
        self.strips = [
            (float(k - g.stop), float(k - g.start), c) for g, c in zip(groups, colours, strict=True)
        ]
        self.group_ticks = [(k - (g.start + g.stop) / 2, g.name) for g in groups] or None
        self.rows_shown = k
        self.show_groups()

    def clear_groups(self) -> None:
        self.strips, self.group_ticks = [], None
        self.show_groups()

    def show_groups(self) -> None:
        """Back to the group names (or plain numbers when there are no groups)."""
        self._plain = False
        self.setTicks(None if self.group_ticks is None else [self._fitting_ticks(), []])
        self.update()

    def _fitting_ticks(self) -> list[tuple[float, str]]:
        """The group names that fit: largest groups first, a name only where it clears the
        ones kept (a one-row group between two big ones keeps its strip but not its name)."""
        ticks = self.group_ticks or []
        px_per_row = self.height() / max(getattr(self, "rows_shown", 1), 1)
        if px_per_row <= 0:
            return ticks
        sizes = [y1 - y0 for y0, y1, _ in self.strips]
        kept: list[tuple[float, str]] = []
        for i in sorted(range(len(ticks)), key=lambda i: -sizes[i]):
            y = ticks[i][0]
            if all(abs(y - other) * px_per_row >= LABEL_PX for other, _ in kept):
                kept.append(ticks[i])
        return sorted(kept)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(ev)
        # (Qt resizes the axis inside AxisItem.__init__, before this class's attributes exist)
        if not getattr(self, "_plain", False) and getattr(self, "group_ticks", None) is not None:
            self.setTicks([self._fitting_ticks(), []])

    def show_plain(self, ticks: list[tuple[float, str]]) -> None:
        """Other ticks (the filtered components' numbers); the strips hide meanwhile."""
        self._plain = True
        self.setTicks([ticks, []])
        self.update()

    def paint(self, p, opt, widget) -> None:  # noqa: D401 (Qt's name)
        super().paint(p, opt, widget)
        view = self.linkedView()
        if view is None or getattr(self, "_plain", False) or not self.strips:
            return
        x = self.boundingRect().right() - STRIP_PX - 1
        p.setPen(Qt.PenStyle.NoPen)
        for y0, y1, colour in self.strips:
            top = self.mapFromScene(view.mapViewToScene(QPointF(0.0, y1))).y()
            bottom = self.mapFromScene(view.mapViewToScene(QPointF(0.0, y0))).y()
            p.setBrush(QBrush(colour))
            p.fillRect(QRectF(x, top, STRIP_PX, max(bottom - top - 1.0, 1.0)), colour)


class ActivationScale(pg.GraphicsWidget, pg.GraphicsWidgetAnchor):
    """A gradient of the heatmap's colour map from "0" to "p99": the image is log-compressed
    around H's 99th percentile (`cache.display_activations`), brighter is saturated."""

    WIDTH, HEIGHT, BAR = 168.0, 18.0, 80.0

    def __init__(self) -> None:
        pg.GraphicsWidget.__init__(self)
        pg.GraphicsWidgetAnchor.__init__(self)
        self.setZValue(40)
        self.setMinimumSize(self.WIDTH, self.HEIGHT)
        self.setMaximumSize(self.WIDTH, self.HEIGHT)
        self.resize(self.WIDTH, self.HEIGHT)
        self.setToolTip(
            "Activation of each component (log scale): black is none, yellow is at or above "
            "the 99th percentile of the recording"
        )
        self.gradient = pg.colormap.get(COLOUR_MAP).getGradient(QPointF(0, 0), QPointF(self.BAR, 0))

    def paint(self, p, *_args) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(30, 33, 38, 200))
        p.drawRoundedRect(QRectF(0, 0, self.WIDTH, self.HEIGHT), 3, 3)
        p.setPen(QPen(QColor(style.TEXT)))
        p.drawText(QRectF(4, 0, 40, self.HEIGHT), Qt.AlignmentFlag.AlignVCenter, "H  0")
        p.save()
        p.translate(42, 5)
        p.fillRect(QRectF(0, 0, self.BAR, self.HEIGHT - 10), QBrush(self.gradient))
        p.restore()
        p.drawText(
            QRectF(42 + self.BAR + 4, 0, 40, self.HEIGHT), Qt.AlignmentFlag.AlignVCenter, "p99"
        )


class HeatmapLegend:
    """The group axis, separators and colour scale of the heatmap row (one per timeline)."""

    def __init__(self, widget: pg.PlotWidget, axis_width: int) -> None:
        plot = widget.getPlotItem()
        old = plot.getAxis("left")
        self.axis = GroupAxis()
        plot.setAxisItems({"left": self.axis})
        self.axis.setWidth(axis_width)  # as every row's: time lines up
        self.axis.enableAutoSIPrefix(False)
        self.plot = plot
        plot.setLabel("left", old.labelText)
        self.separators: list[pg.InfiniteLine] = []
        self.scale = ActivationScale()
        plot.getAxis("bottom").setHeight(int(ActivationScale.HEIGHT) + 2)  # the scale's band
        self.scale.setParentItem(plot)
        self.scale.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-4, 0))

    def set_groups(self, groups: Sequence[RowGroup], k: int) -> None:
        """Name and separate the groups (empty ``groups``: index order, no decoration)."""
        colours = [
            QColor(OTHER_COLOUR) if g.index < 0 else style.lane_colour(g.name, g.index)
            for g in groups
        ]
        if groups:
            self.axis.set_groups(groups, k, colours)
        else:
            self.axis.clear_groups()
        while len(self.separators) < max(len(groups) - 1, 0):
            line = pg.InfiniteLine(0.0, angle=0, movable=False, pen=QPen(SEPARATOR, 0))
            line.setZValue(10)
            self.plot.addItem(line, ignoreBounds=True)
            self.separators.append(line)
        for i, line in enumerate(self.separators):
            if i + 1 < len(groups):
                line.setValue(float(k - groups[i + 1].start))
            line.setVisible(i + 1 < len(groups))

    def show_groups(self, shown: bool) -> None:
        """Separators hide while the picker shows filtered rows (they would be in the wrong
        place); the axis is switched by the picker itself."""
        for line, visible in zip(self.separators, self._visible_lines(), strict=True):
            line.setVisible(shown and visible)

    def _visible_lines(self) -> list[bool]:
        n = len(self.axis.strips)
        return [i + 1 < n for i in range(len(self.separators))]
