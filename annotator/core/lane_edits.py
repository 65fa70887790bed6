"""Edits of the lane layout (add, remove, rename a lane) and `EditGroup`, several edits as one.

Kept apart from the segment edits in `annotator.core.edits`; the same rules hold: each checks
before it changes anything, undoes itself exactly, and describes itself for an undo menu.
"""

from __future__ import annotations

from collections.abc import Iterable

from annotator.core.annotation import Annotation
from annotator.core.edits import Edit
from annotator.core.errors import InvalidEdit
from annotator.core.lane import Lane


class AddLane(Edit):
    def __init__(self, name: str, position: int | None = None) -> None:
        self.name, self.position = name, position
        self._lane: Lane | None = None

    @property
    def description(self) -> str:
        return f"Add lane {self.name!r}"

    def apply(self, annotation: Annotation) -> None:
        count = len(annotation)
        if self.position is not None and not 0 <= self.position <= count:
            raise InvalidEdit(f"lane position {self.position} is outside 0..{count}")
        lane = self._lane if self._lane is not None else Lane(self.name)
        annotation.add_lane(lane, self.position)
        self._lane = lane

    def undo(self, annotation: Annotation) -> None:
        if len(annotation.lane(self.name)):
            raise InvalidEdit(f"{self.description}: cannot undo, the lane holds segments now")
        annotation.remove_lane(self.name)


class RemoveLane(Edit):
    """Remove a lane with all its segments; undo puts the same lane back where it was."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._removed: tuple[Lane, int] | None = None

    @property
    def description(self) -> str:
        return f"Remove lane {self.name!r}"

    def apply(self, annotation: Annotation) -> None:
        position = annotation.lane_position(self.name)
        self._removed = (annotation.remove_lane(self.name), position)

    def undo(self, annotation: Annotation) -> None:
        if self._removed is None:
            raise InvalidEdit(f"{self.description}: cannot undo an edit that was never made")
        annotation.add_lane(*self._removed)


class RenameLane(Edit):
    """Rename a lane in place; the `Lane` object (which views may hold) stays the same."""

    def __init__(self, old_name: str, new_name: str) -> None:
        self.old_name, self.new_name = old_name, new_name

    @property
    def description(self) -> str:
        return f"Rename lane {self.old_name!r} to {self.new_name!r}"

    @staticmethod
    def _rename(annotation: Annotation, old: str, new: str) -> None:
        position = annotation.lane_position(old)
        if not isinstance(new, str) or not new.strip():
            raise InvalidEdit("a lane needs a non-empty name")
        if new == old:
            raise InvalidEdit(f"the lane is already named {new!r}")
        if new in annotation:
            raise InvalidEdit(f"a lane named {new!r} exists already")
        lane = annotation.remove_lane(old)
        lane.name = new
        annotation.add_lane(lane, position)

    def apply(self, annotation: Annotation) -> None:
        self._rename(annotation, self.old_name, self.new_name)

    def undo(self, annotation: Annotation) -> None:
        self._rename(annotation, self.new_name, self.old_name)


class EditGroup(Edit):
    """Several edits as one undo step (a macro): all of them happen, or none does."""

    def __init__(self, edits: Iterable[Edit], description: str) -> None:
        self.edits = tuple(edits)
        self._description = description

    @property
    def description(self) -> str:
        return self._description

    def apply(self, annotation: Annotation) -> None:
        if not self.edits:
            raise InvalidEdit(f"{self._description}: nothing would change")
        done: list[Edit] = []
        try:
            for edit in self.edits:
                edit.apply(annotation)
                done.append(edit)
        except BaseException:
            for edit in reversed(done):
                edit.undo(annotation)
            raise

    def undo(self, annotation: Annotation) -> None:
        for edit in reversed(self.edits):
            edit.undo(annotation)
