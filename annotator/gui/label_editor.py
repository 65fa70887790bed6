"""`InlineLabelEditor`: a line edit laid over a segment to relabel it in place (F2, double-click).

Enter commits through the controller (one undo step, all selected segments), Escape or leaving
the field cancels; the keyboard map's single-letter keys are not triggered while typing because
a focused line edit claims printable keys first.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QRectF, Qt, pyqtSignal
from PyQt6.QtWidgets import QLineEdit, QWidget

from annotator.core import Segment
from annotator.gui.lanes_item import PAD


class InlineLabelEditor(QLineEdit):
    committed = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("inline-label-editor")
        self.hide()
        self._open = False
        self.returnPressed.connect(self._commit)

    def open_over(self, plot_widget, lanes_item, lane: str, segment: Segment) -> None:
        """Show over ``segment`` of ``lane`` in the lanes plot, pre-filled with its label."""
        row = lanes_item.row_of(lane)
        scene_rect = lanes_item.mapRectToScene(
            QRectF(segment.start, row + PAD, segment.duration, 1 - 2 * PAD)
        )
        view_rect = plot_widget.mapFromScene(scene_rect).boundingRect()
        top_left = plot_widget.mapTo(self.parentWidget(), view_rect.topLeft())
        width = max(view_rect.width(), 120)
        self.setGeometry(top_left.x(), top_left.y(), int(width), max(view_rect.height(), 22))
        self.setText(segment.label)
        self.selectAll()
        self._open = True
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _commit(self) -> None:
        if self._open:
            self._open = False
            self.hide()
            self.committed.emit(self.text())

    def event(self, event) -> bool:
        # claim Enter/Escape before the window's shortcuts (Enter = accept and next) see them
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Escape,
            Qt.Key.Key_Delete,
            Qt.Key.Key_Backspace,
            Qt.Key.Key_Home,
            Qt.Key.Key_End,
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self._cancel()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self._cancel()

    def _cancel(self) -> None:
        if self._open:
            self._open = False
            self.hide()
            self.cancelled.emit()
