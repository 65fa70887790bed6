"""`History`: the undo/redo stack of edit commands, with a clean marker and drag merging.

Modelled on QUndoStack but free of Qt, so the core stays testable headless and the GUI only
subscribes: listeners are plain callables told about every change, the way napari's layers emit
events that its Qt views listen to.

Behaviour worth knowing:

- ``do`` applies the command first; if it raises, the history (and the annotation) is unchanged.
- Doing a new command discards whatever could have been redone.
- Consecutive commands merge (``Edit.merge_with``) while the merge is open: ``do`` opens it,
  `close_merge` (mouse released), `undo`, `redo` and `mark_clean` close it. As in QUndoStack a
  command never merges into the clean state, so undo after a save mid-drag returns to the
  saved state. A merge that cancels out (a drag back to where it started) drops the step.
- The clean marker says whether the annotation equals what was last saved; when the saved state
  falls off the stack (a redo discarded, the limit reached, `clear` while dirty) it can no
  longer be reached and the history stays dirty until the next `mark_clean`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from annotator.core.annotation import Annotation
from annotator.core.edits import Edit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HistoryEvent:
    """What happened: kind is "do", "merge", "undo", "redo", "clean" or "clear".

    ``command`` and ``annotation`` name the edit concerned (None for "clean" and "clear"), so a
    view can redraw only what changed.
    """

    kind: str
    command: Edit | None = None
    annotation: Annotation | None = None


Listener = Callable[[HistoryEvent], None]


class History:
    """Undo stack over one or more annotations; each step remembers which annotation it edited."""

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"undo limit must be at least 1, got {limit}")
        self._limit = limit
        self._steps: list[tuple[Edit, Annotation]] = []
        self._index = 0  # number of steps currently applied
        self._clean: int | None = 0  # index of the saved state; None when unreachable
        self._merge_open = False
        self._listeners: list[Listener] = []

    # --- state ------------------------------------------------------------------------------
    @property
    def limit(self) -> int | None:
        return self._limit

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def index(self) -> int:
        """How many steps are applied (the position between the undo and the redo part)."""
        return self._index

    @property
    def commands(self) -> tuple[Edit, ...]:
        return tuple(command for command, _ in self._steps)

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._steps)

    @property
    def undo_text(self) -> str:
        """Description of the step `undo` would revert, or "" (for "Undo …" menu items)."""
        return self._steps[self._index - 1][0].description if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._steps[self._index][0].description if self.can_redo else ""

    @property
    def is_clean(self) -> bool:
        """False while there are unsaved changes."""
        return self._clean == self._index

    # --- changing it --------------------------------------------------------------------------
    def do(self, command: Edit, annotation: Annotation) -> Edit:
        """Apply `command` and record it; returns the step it became (the top one if merged)."""
        command.apply(annotation)  # raises InvalidEdit with nothing changed
        del self._steps[self._index :]
        if self._clean is not None and self._clean > self._index:
            self._clean = None
        merged = self._try_merge(command, annotation)
        if merged is not None:
            return merged
        self._steps.append((command, annotation))
        self._index += 1
        if self._limit is not None and len(self._steps) > self._limit:
            del self._steps[0]
            self._index -= 1
            if self._clean is not None:
                self._clean = self._clean - 1 if self._clean > 0 else None
        self._merge_open = True
        self._notify(HistoryEvent("do", command, annotation))
        return command

    def _try_merge(self, command: Edit, annotation: Annotation) -> Edit | None:
        """Fold `command` into the top step if allowed; returns that step, or None.

        No separate "never into the clean state" test is needed (QUndoStack has one): every way
        of reaching the clean index (`mark_clean`, `undo`, `redo`, a cancelled merge) closes
        the merge.
        """
        if not (self._merge_open and self._steps):
            return None
        top, target = self._steps[-1]
        if target is not annotation or not top.merge_with(command):
            return None
        if top.obsolete:  # the drag came back to where it started: no step at all
            del self._steps[-1]
            self._index -= 1
            self._merge_open = False
        self._notify(HistoryEvent("merge", top, annotation))
        return top

    def close_merge(self) -> None:
        """End the current drag: the next command starts a new undo step."""
        self._merge_open = False

    def undo(self) -> Edit | None:
        """Revert the last applied step; returns it, or None when there is nothing to undo."""
        if not self.can_undo:
            return None
        command, annotation = self._steps[self._index - 1]
        command.undo(annotation)
        self._index -= 1
        self._merge_open = False
        self._notify(HistoryEvent("undo", command, annotation))
        return command

    def redo(self) -> Edit | None:
        """Re-apply the next undone step; returns it, or None when there is nothing to redo."""
        if not self.can_redo:
            return None
        command, annotation = self._steps[self._index]
        command.apply(annotation)
        self._index += 1
        self._merge_open = False
        self._notify(HistoryEvent("redo", command, annotation))
        return command

    def mark_clean(self) -> None:
        """Call after saving: the current state is what is on disk."""
        self._clean = self._index
        self._merge_open = False
        self._notify(HistoryEvent("clean"))

    def clear(self) -> None:
        """Forget all steps (e.g. after loading another file); cleanliness is kept as it was."""
        self._clean = 0 if self.is_clean else None
        self._steps.clear()
        self._index = 0
        self._merge_open = False
        self._notify(HistoryEvent("clear"))

    # --- listeners ----------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> Listener:
        """Call `listener(event)` after every change; returns it, so it can decorate a function."""
        self._listeners.append(listener)
        return listener

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _notify(self, event: HistoryEvent) -> None:
        # A broken view must not break undo: the step has happened, so log and carry on.
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("history listener %r failed on %s", listener, event.kind)
