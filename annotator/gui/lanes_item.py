"""`LanesItem`: the label lanes drawn as coloured regions, and the mouse gestures on them.

One item draws every lane (row i spans y in [i, i + 1] of a y-inverted ViewBox) and only the
segments in view, so an hour with thousands of segments costs what is on screen. The item
never edits: it reports gestures as signals (boundary drag, create drag, move to another lane,
click) and the `EditorController` turns them into core commands. Text is drawn in device
pixels after resetting the painter's transform, so labels stay sharp at any zoom.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QPainter, QPen

from annotator.core import Annotation, Segment, Source
from annotator.gui import style

#: how close (in screen pixels) the pointer must be to grab a boundary
GRAB_PX = 5.0
PAD = 0.08  # vertical padding of a segment inside its row, in row units
#: segments narrower than this (screen pixels) are drawn as plain fills, batched by colour
NARROW_PX = 3.0


@dataclass(frozen=True)
class Hit:
    """What is under the pointer: a boundary, a segment body, or empty lane space."""

    kind: str  # "boundary" | "body" | "empty" | "none"
    lane: str | None = None
    segment: Segment | None = None
    side: str | None = None


class LanesItem(pg.GraphicsObject):
    """Draws the lanes of an `Annotation` and reports edit gestures."""

    sigClicked = pg.QtCore.Signal(object, object, float, object)  # lane, segment, t, modifiers
    sigDoubleClicked = pg.QtCore.Signal(str, object)  # lane, segment
    sigBoundaryDrag = pg.QtCore.Signal(str, object, str, float, bool, str)  # ..., phase
    sigCreate = pyqtSignal(str, float, float)  # lane, t0, t1
    sigMoveToLane = pyqtSignal(str, object, str)  # from lane, segment, to lane
    sigContextMenu = pyqtSignal(str, object)  # lane, QPoint on screen (right click)

    def __init__(self, annotation: Annotation) -> None:
        super().__init__()
        self.annotation = annotation
        self.selection: set[tuple[str, Segment]] = set()
        self.active: str | None = None  # the lane the keyboard acts on, drawn lighter
        self.duration = annotation.end_time
        self._rubber: tuple[int, float, float] | None = None  # row, t0, t1 of a create drag
        self._ghost: tuple[int, Segment] | None = None  # row, segment of a move-to-lane drag
        self._drag: Hit | None = None
        self._press_modifiers = Qt.KeyboardModifier.NoModifier
        self._font = QFont()
        self._font.setPointSizeF(9.0)
        self._styles: dict[tuple, tuple[QPen, QColor]] = {}
        self.setAcceptHoverEvents(True)

    # --- model ------------------------------------------------------------------------------
    def set_annotation(self, annotation: Annotation, duration: float) -> None:
        self.prepareGeometryChange()
        self.annotation = annotation
        self.duration = duration
        self.selection = set()
        self.update()

    def refresh(self) -> None:
        """Redraw after the annotation changed (lanes added or removed included)."""
        self.prepareGeometryChange()
        self.update()

    @property
    def lane_names(self) -> tuple[str, ...]:
        return self.annotation.lane_names

    def row_of(self, lane: str) -> int:
        return self.lane_names.index(lane)

    def lane_at(self, y: float) -> str | None:
        row = int(y // 1) if y >= 0 else -1
        names = self.lane_names
        return names[row] if 0 <= row < len(names) else None

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return QRectF(0.0, 0.0, max(self.duration, 1e-6), max(len(self.lane_names), 1))

    # --- hit testing --------------------------------------------------------------------------
    def seconds_per_pixel(self) -> float:
        width = self.pixelWidth()
        return width if width and width > 0 else self.duration / 1000.0

    def hit(self, pos: QPointF) -> Hit:
        """What the item has at ``pos`` (item coordinates); boundaries win within GRAB_PX."""
        lane_name = self.lane_at(pos.y())
        if lane_name is None:
            return Hit("none")
        lane = self.annotation.lane(lane_name)
        t, tol = pos.x(), GRAB_PX * self.seconds_per_pixel()
        inside = lane.at(t)
        near = [
            (abs(edge - t), segment is not inside, segment, side)
            for segment in lane.in_range(t - tol, t + tol)
            for side, edge in (("start", segment.start), ("end", segment.end))
            if abs(edge - t) <= tol
        ]
        if near:
            # nearest edge; at a shared boundary, the segment the pointer is inside of
            _, _, segment, side = min(near, key=lambda c: (c[0], c[1]))
            return Hit("boundary", lane_name, segment, side)
        if inside is not None:
            return Hit("body", lane_name, inside)
        return Hit("empty", lane_name)

    # --- painting -----------------------------------------------------------------------------
    def paint(self, painter: QPainter, *args: object) -> None:
        view = self.viewRect()
        if view is None:
            return
        x0, x1 = view.left(), view.right()
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        # the view maps time and row by a scale and a shift (no rotation): rectangles are
        # mapped by hand, and pens and brushes come from a cache, since a full hour can put
        # thousands of segments on screen and Qt object churn would dominate the repaint
        scale = (transform.m11(), transform.m22(), transform.dx(), transform.dy())
        metrics = painter.fontMetrics()
        narrow = NARROW_PX / scale[0] if scale[0] > 0 else 0.0
        for row, lane in enumerate(self.annotation.lanes):
            back = QColor(style.LANE_BACKGROUND[row % 2])
            if lane.name == self.active:
                back = back.lighter(135)
            painter.fillRect(transform.mapRect(QRectF(x0, row, x1 - x0, 1)), back)
            slivers: dict[int, list[QRectF]] = {}
            for segment in lane.in_range(x0, x1):
                selected = (lane.name, segment) in self.selection
                if segment.end - segment.start < narrow and not selected:
                    # a few pixels wide: no room for a border or text; filled in one call
                    # per colour below (a zoomed-out hour has thousands of these)
                    key = self._style(lane.name, row, segment, False)[1].rgba()
                    slivers.setdefault(key, []).append(self._rect(scale, row, segment))
                else:
                    self._paint_segment(painter, scale, metrics, row, lane.name, segment, selected)
            painter.setPen(Qt.PenStyle.NoPen)
            for rgba, rects in slivers.items():
                painter.setBrush(QColor.fromRgba(rgba))
                painter.drawRects(rects)
        if self._rubber is not None:
            row, t0, t1 = self._rubber
            rect = transform.mapRect(QRectF(min(t0, t1), row + PAD, abs(t1 - t0), 1 - 2 * PAD))
            painter.setPen(QPen(QColor(style.SELECTION), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(255, 212, 59, 50))
            painter.drawRect(rect)
        if self._ghost is not None:
            row, segment = self._ghost
            rect = transform.mapRect(
                QRectF(segment.start, row + PAD, segment.duration, 1 - 2 * PAD)
            )
            painter.setPen(QPen(QColor(style.SELECTION), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(255, 255, 255, 40))
            painter.drawRect(rect)
        painter.restore()

    def _style(self, lane: str, row: int, segment: Segment, selected: bool) -> tuple[QPen, QColor]:
        """Pen and fill of a segment, cached by what decides them."""
        model = segment.source is Source.MODEL
        if model:
            # model guesses are paler the less sure the model was, and carry a dashed border
            confidence = 0.5 if segment.confidence is None else segment.confidence
            alpha = int(60 + 150 * confidence)
        else:
            alpha = 215
        key = (lane, row, model, alpha, selected)
        found = self._styles.get(key)
        if found is None:
            colour = style.lane_colour(lane, row)
            fill = QColor(colour)
            fill.setAlpha(alpha)
            if selected:
                pen = QPen(QColor(style.SELECTION), 2)
            elif model:
                pen = QPen(colour.lighter(150), 1, Qt.PenStyle.DashLine)
            else:
                pen = QPen(colour.lighter(160), 1)
            found = self._styles[key] = (pen, fill)
        return found

    @staticmethod
    def _rect(scale: tuple[float, float, float, float], row: int, segment: Segment) -> QRectF:
        """The segment's box in device pixels."""
        sx, sy, dx, dy = scale
        left, right = sx * segment.start + dx, sx * segment.end + dx
        top, bottom = sy * (row + PAD) + dy, sy * (row + 1 - PAD) + dy
        return QRectF(left, min(top, bottom), right - left, abs(bottom - top))

    def _paint_segment(
        self,
        painter: QPainter,
        scale: tuple[float, float, float, float],
        metrics,
        row: int,
        lane: str,
        segment: Segment,
        selected: bool,
    ) -> None:
        rect = self._rect(scale, row, segment)
        pen, fill = self._style(lane, row, segment, selected)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRect(rect)
        if rect.width() > 24:
            text = segment.label
            if segment.source is Source.MODEL and segment.confidence is not None:
                text = f"{text} {segment.confidence:.2f}"
            painter.setPen(QColor(style.TEXT))
            inner = rect.adjusted(4, 0, -3, 0)
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(inner.width()))
            painter.drawText(
                inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided
            )

    # --- mouse --------------------------------------------------------------------------------
    def hoverEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph's name)
        if ev.isExit():
            self.unsetCursor()
            return
        found = self.hit(ev.pos())
        if found.kind == "boundary":
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.unsetCursor()
        if found.kind in ("boundary", "empty", "body"):
            ev.acceptDrags(Qt.MouseButton.LeftButton)
            ev.acceptClicks(Qt.MouseButton.LeftButton)

    def mousePressEvent(self, ev) -> None:  # noqa: N802
        # remember the modifiers held at the press: a drag gesture is decided by them; the
        # press itself is left to pyqtgraph's scene, which turns it into click/drag events
        self._press_modifiers = ev.modifiers()
        ev.ignore()

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.RightButton:
            lane = self.lane_at(ev.pos().y())
            if lane is not None:
                ev.accept()
                self.sigContextMenu.emit(lane, ev.screenPos().toPoint())
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        found = self.hit(ev.pos())
        if found.kind == "none":
            return
        ev.accept()
        if ev.double() and found.segment is not None:
            self.sigDoubleClicked.emit(found.lane, found.segment)
            return
        segment = found.segment if found.kind == "body" else None
        self.sigClicked.emit(found.lane, segment, float(ev.pos().x()), ev.modifiers())

    def mouseDragEvent(self, ev) -> None:  # noqa: N802
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            found = self.hit(ev.buttonDownPos())
            if found.kind not in ("boundary", "empty", "body"):
                ev.ignore()
                return
            self._drag = found
        if self._drag is None:
            ev.ignore()
            return
        ev.accept()
        t = min(max(float(ev.pos().x()), 0.0), self.duration)
        drag = self._drag
        phase = "start" if ev.isStart() else "finish" if ev.isFinish() else "move"
        if drag.kind == "boundary":
            # Alt as in Praat and ELAN; Shift too, since many Linux desktops take Alt+drag
            held = ev.modifiers() | self._press_modifiers
            alt = bool(held & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier))
            self.sigBoundaryDrag.emit(drag.lane, drag.segment, drag.side, t, alt, phase)
        elif drag.kind == "empty":
            row = self.row_of(drag.lane)
            self._rubber = (row, float(ev.buttonDownPos().x()), t)
            if phase == "finish":
                self._rubber = None
                t0 = max(float(ev.buttonDownPos().x()), 0.0)
                if abs(t - t0) > 0:
                    self.sigCreate.emit(drag.lane, min(t0, t), max(t0, t))
        elif drag.kind == "body":
            target = self.lane_at(float(ev.pos().y()))
            self._ghost = (self.row_of(target), drag.segment) if target else None
            if phase == "finish":
                self._ghost = None
                if target is not None and target != drag.lane:
                    self.sigMoveToLane.emit(drag.lane, drag.segment, target)
        if phase == "finish":
            self._drag = None
        self.update()
