"""`FloorActions`: the confidence-floor edits from the slider row, the Lanes menu and a lane's
right-click menu, all through the editor's undo stack.

It talks to the `EditorController` (push, current lane, status messages) and the lanes item's
right-click signal only, not to the window: the edit is `SetConfidenceFloor` (Qt-free, in
`annotator.core.confidence_floor`), one undo step per change, a slider drag folded into one.
After each change the status bar says what the floor hides ("music: 12 model segments below
0.60 hidden"); the panel keeps the count beside the slider.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, QPoint
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QInputDialog, QMenu, QWidget

from annotator.core import InvalidEdit
from annotator.core.confidence_floor import SetConfidenceFloor, hidden_summary
from annotator.gui.document import Document
from annotator.gui.editor import EditorController
from annotator.gui.floor_panel import FloorPanel
from annotator.gui.timeline_view import TimelineView

HIDE_TEXT = "Hide model segments below confidence…"


class FloorActions(QObject):
    """Owns the floor slider row, the "Hide model segments below confidence…" action and the
    lanes' right-click menu."""

    def __init__(
        self, controller: EditorController, timeline: TimelineView, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.timeline = timeline
        self.parent_widget = parent
        self.panel = FloorPanel()
        self.panel.floorMoved.connect(lambda lane, floor, key: self.set_floor(lane, floor, key))
        self.action = QAction(HIDE_TEXT, parent, triggered=lambda: self.ask_and_set())
        self.action.setToolTip("Hide the current lane's model segments below a confidence")
        self.menu: QMenu | None = None  # the last right-click menu (tests look at it)
        self._lanes_item = None

    # --- wiring -------------------------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        """Follow a newly shown recording (call after the timeline and the controller have it)."""
        document.changed.connect(self.refresh)
        lanes = self.timeline.lanes
        if lanes is not None and lanes is not self._lanes_item:
            lanes.sigContextMenu.connect(self.show_lane_menu)
            self._lanes_item = lanes
        self.refresh()

    def refresh(self) -> None:
        """The labels changed (an edit, undo, redo): the sliders and counts follow."""
        self.panel.show_annotation(self.controller.annotation)
        self.action.setEnabled(self.controller.annotation is not None)

    # --- questions (replaced in tests) --------------------------------------------------------
    def ask_floor(self, lane: str, current: float) -> float | None:
        value, ok = QInputDialog.getDouble(
            self.parent_widget,
            HIDE_TEXT.rstrip("…"),
            f"Hide {lane} model segments whose confidence is below (0 shows all):",
            current,
            0.0,
            1.0,
            2,
            step=0.05,
        )
        return value if ok else None

    # --- verbs --------------------------------------------------------------------------------
    def set_floor(self, lane: str, floor: float, merge_key: int | None = None) -> bool:
        """Set ``lane``'s floor as one undo step (``merge_key`` folds the steps of one drag)."""
        annotation = self.controller.annotation
        if annotation is None:
            return False
        try:
            edit = SetConfidenceFloor(annotation, lane, floor)
        except InvalidEdit as exc:
            self.controller.message.emit(exc.reason)
            return False
        if not self.controller.push(edit, merge_key, select=False):
            return False
        self.controller.message.emit(hidden_summary(annotation.lane(lane)))
        return True

    def ask_and_set(self, lane: str | None = None) -> bool:
        """Ask for ``lane``'s floor (the current lane by default) and set it."""
        controller = self.controller
        annotation = controller.annotation
        if lane is None:
            lane = controller.selection[0][0] if controller.selection else controller.current_lane
        if annotation is None or lane is None or lane not in annotation:
            controller.message.emit("Click a lane first")
            return False
        current = annotation.lane(lane).confidence_floor
        floor = self.ask_floor(lane, current)
        if floor is None or floor == current:
            return False
        return self.set_floor(lane, floor)

    def lane_menu(self, lane: str) -> QMenu:
        """The right-click menu of ``lane``: hide below a confidence, or show all again."""
        menu = QMenu(self.parent_widget)
        annotation = self.controller.annotation
        hide = menu.addAction(HIDE_TEXT)
        hide.triggered.connect(lambda: self.ask_and_set(lane))
        show = menu.addAction("Show all model segments")
        show.triggered.connect(lambda: self.set_floor(lane, 0.0))
        floor = annotation.lane(lane).confidence_floor if annotation and lane in annotation else 0
        show.setEnabled(bool(floor))
        if floor:
            note = menu.addAction(hidden_summary(annotation.lane(lane)))
            note.setEnabled(False)
        return menu

    def show_lane_menu(self, lane: str, screen_pos: QPoint) -> None:
        self.controller.current_lane = lane
        self.menu = self.lane_menu(lane)
        self.menu.popup(screen_pos)
