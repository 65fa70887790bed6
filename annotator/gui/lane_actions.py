"""The Lanes menu: add, rename and remove user lanes, each one undoable core edit.

The lane acted on is the current lane (the one last clicked, or the selected segment's). The
questions (a name, "remove 12 segments?") go through two methods a test can replace, as the
window's `Prompts` do for files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QInputDialog, QMessageBox

from annotator.core.lane_edits import AddLane, RemoveLane, RenameLane

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QWidget

    from annotator.gui.context import EditorContext
    from annotator.gui.editor import EditorController


class LaneActions:
    def __init__(self, context: EditorContext, controller: EditorController, host: QWidget) -> None:
        self.context = context
        self.controller = controller
        self.host = host  # the questions' parent window
        self.actions = {
            "lane_add": QAction("Add lane…", host, triggered=lambda: self.add_lane()),
            "lane_rename": QAction("Rename lane…", host, triggered=lambda: self.rename_lane()),
            "lane_remove": QAction("Remove lane…", host, triggered=lambda: self.remove_lane()),
        }
        context.actions.update(self.actions)

    # --- questions (replaced in tests) --------------------------------------------------------
    def ask_name(self, title: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self.host, title, "Lane name:", text=default)
        return text.strip() if ok and text.strip() else None

    def confirm_remove(self, lane: str, count: int) -> bool:
        answer = QMessageBox.question(
            self.host,
            "Remove lane",
            f"Remove lane {lane!r} with its {count} segment{'s' * (count != 1)}? (Undo restores)",
        )
        return answer == QMessageBox.StandardButton.Yes

    # --- verbs --------------------------------------------------------------------------------
    def _current(self) -> str | None:
        controller = self.controller
        annotation = controller.annotation
        lane = controller.selection[0][0] if controller.selection else controller.current_lane
        if annotation is None or lane is None or lane not in annotation:
            self.context.say("Click a lane first", 4000)
            return None
        return lane

    def add_lane(self, name: str | None = None) -> bool:
        """A new empty lane below the current one (at the bottom when there is none)."""
        controller = self.controller
        annotation = controller.annotation
        if annotation is None:
            return False
        name = name or self.ask_name("Add lane", "")
        if name is None:
            return False
        current = controller.current_lane
        position = (
            annotation.lane_position(current) + 1 if current in annotation else len(annotation)
        )
        if not controller.push(AddLane(name, position), select=False):
            return False
        controller.current_lane = name
        return True

    def rename_lane(self, new_name: str | None = None) -> bool:
        lane = self._current()
        if lane is None:
            return False
        new_name = new_name or self.ask_name(f"Rename lane {lane!r}", lane)
        if new_name is None or new_name == lane:
            return False
        if not self.controller.push(RenameLane(lane, new_name), select=False):
            return False
        self.controller.current_lane = new_name
        return True

    def remove_lane(self) -> bool:
        lane = self._current()
        if lane is None:
            return False
        controller = self.controller
        count = len(controller.annotation.lane(lane))
        if count and not self.confirm_remove(lane, count):
            return False
        if not controller.push(RemoveLane(lane), select=False):
            return False
        names = controller.annotation.lane_names
        controller.current_lane = names[0] if names else None
        return True
