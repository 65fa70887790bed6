"""The Qt undo stack over core edit commands.

Why a wrapper rather than the core `History`: Qt's QUndoStack gives the Edit menu's undo/redo
actions with live texts, the clean state that drives the unsaved marker, and a ready-made
QUndoView, while the core commands keep all the checking and undo logic. Every edit is applied
*before* it is pushed, so a refused edit (`InvalidEdit`) never reaches the stack and never raises
inside a Qt virtual call; the refusal is emitted as one line for the status bar instead.

A drag pushes one command per mouse move, all with the same ``merge_key``; QUndoStack folds them
through `Edit.merge_with` into one step, and drops the step when the drag ends where it began.
"""

from __future__ import annotations

import itertools
import logging

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QUndoCommand, QUndoStack

from annotator.core import Annotation, Edit, InvalidEdit

log = logging.getLogger(__name__)

_MERGE_ID = 0x4E4D46  # any id but -1: commands with a merge key may merge
_keys = itertools.count(1)


def new_merge_key() -> int:
    """A fresh key for one gesture (a drag, a run of nudges of one boundary)."""
    return next(_keys)


class EditCommand(QUndoCommand):
    """One core edit on the Qt stack; ``merge_key`` groups the commands of one gesture."""

    def __init__(self, edit: Edit, annotation: Annotation, merge_key: int | None = None) -> None:
        super().__init__(edit.description)
        self.edit = edit
        self.annotation = annotation
        self.merge_key = merge_key
        self._skip_first_redo = True  # pushed already applied

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        try:
            self.edit.apply(self.annotation)
        except InvalidEdit:  # cannot happen if every change goes through the stack
            log.exception("redo of %r failed", self.edit)

    def undo(self) -> None:
        try:
            self.edit.undo(self.annotation)
        except InvalidEdit:
            log.exception("undo of %r failed", self.edit)

    def id(self) -> int:
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt's name)
        if not isinstance(other, EditCommand) or other.merge_key != self.merge_key:
            return False
        if other.annotation is not self.annotation or not self.edit.merge_with(other.edit):
            return False
        self.setText(self.edit.description)
        if self.edit.obsolete:
            self.setObsolete(True)
        return True


class UndoStack(QUndoStack):
    """QUndoStack of one recording's edits; `push_edit` is the only way the GUI changes labels."""

    #: one-line reason an edit was refused
    refused = pyqtSignal(str)
    #: an edit was made, merged, undone or redone (the annotation changed)
    edited = pyqtSignal()

    def __init__(self, annotation: Annotation, parent=None) -> None:
        super().__init__(parent)
        self.annotation = annotation
        self.last_edit: Edit | None = None
        self.indexChanged.connect(self._on_index_changed)

    def _on_index_changed(self, _index: int) -> None:
        self.edited.emit()

    def push_edit(self, edit: Edit, merge_key: int | None = None) -> bool:
        """Apply ``edit`` and record it; False (and `refused` emitted) when it is refused."""
        try:
            edit.apply(self.annotation)
        except InvalidEdit as exc:
            self.refused.emit(exc.reason)
            return False
        self.last_edit = edit
        before = self.index()
        self.push(EditCommand(edit, self.annotation, merge_key))
        if self.index() == before:  # merged into the top command: indexChanged did not fire
            self.edited.emit()
        return True
