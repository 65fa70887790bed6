"""Mouse helpers for the GUI tests: real events on the real viewport."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtTest import QTest


def lanes_viewport_pos(window, lane: str, t: float, y_frac: float = 0.5) -> QPoint:
    """Viewport pixel of time ``t`` in the middle of lane ``lane`` (via scene -> view)."""
    item = window.timeline.lanes
    scene = item.mapToScene(QPointF(t, item.row_of(lane) + y_frac))
    widget = window.timeline.rows["lanes"]
    return widget.mapFromScene(scene)


def drag(
    qtbot,
    widget,
    start: QPoint,
    end: QPoint,
    modifier=Qt.KeyboardModifier.NoModifier,
    steps: int = 6,
):
    """Press, move in steps (with real button state), release: what a hand does."""
    viewport = widget.viewport()
    QTest.mouseMove(viewport, start)
    qtbot.wait(20)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        QTest.mouseMove(viewport, QPoint(int(p.x()), int(p.y())))
        qtbot.wait(20)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)
    qtbot.wait(20)
