"""Copy and paste segments between lanes (ELAN's Ctrl+C / Ctrl+V).

Copied segments keep their times; Ctrl+V puts them into the active lane at the same times (the
usual move: a model's speech segment copied into a transcription lane, or a corrected lane
into another), Ctrl+Shift+V at the cursor (the first copied segment starts there). A pasted
segment is the person's (solid, no confidence); on a class lane it takes the lane's name as
label, elsewhere it keeps its own. The system clipboard gets the segments as tab-separated
``start  end  label`` lines too, so they paste into a spreadsheet.
"""

from __future__ import annotations

from typing import Any, Protocol

from PyQt6.QtWidgets import QApplication

from annotator.core import (
    CLASS_LANES,
    AddSegment,
    Annotation,
    Edit,
    EditGroup,
    InvalidEdit,
    Segment,
    Source,
)


class Editing(Protocol):
    """What the clipboard needs of the editor controller (named here, not imported: the
    controller owns the clipboard, and an import back would make a cycle)."""

    selection: list[tuple[str, Segment]]
    current_lane: str | None
    message: Any  # a Qt signal of one str

    @property
    def annotation(self) -> Annotation | None: ...

    @property
    def cursor(self) -> float: ...

    def push(self, edit: Edit, merge_key: int | None = None, select: bool = True) -> bool: ...


class SegmentClipboard:
    """What was copied last, in this window."""

    def __init__(self, controller: Editing) -> None:
        self.controller = controller
        self.segments: list[Segment] = []

    def copy(self) -> bool:
        chosen = sorted(s for _, s in self.controller.selection)
        if not chosen:
            self.controller.message.emit("Select segments to copy")
            return False
        self.segments = chosen
        text = "".join(f"{s.start:.3f}\t{s.end:.3f}\t{s.label}\n" for s in chosen)
        clipboard = QApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)
        self.controller.message.emit(f"Copied {len(chosen)} segment{'s' * (len(chosen) != 1)}")
        return True

    def paste(self, at_cursor: bool = False) -> bool:
        c = self.controller
        lane = c.current_lane
        if not self.segments:
            c.message.emit("Nothing copied yet (Ctrl+C on selected segments)")
            return False
        if c.annotation is None or lane is None or lane not in c.annotation:
            c.message.emit("No active lane to paste into")
            return False
        shift = c.cursor - self.segments[0].start if at_cursor else 0.0
        try:
            pasted = [
                Segment(
                    s.start + shift,
                    s.end + shift,
                    lane if lane in CLASS_LANES else s.label,
                    None,
                    Source.HUMAN,
                )  # fmt: skip
                for s in self.segments
            ]
        except InvalidEdit as exc:  # shifted before 0 s
            c.message.emit(f"Cannot paste there: {exc.reason}")
            return False
        edits = [AddSegment(lane, s) for s in pasted]
        plural = "s" * (len(edits) != 1)
        return c.push(
            edits[0] if len(edits) == 1 else EditGroup(edits, f"Paste {len(edits)} segment{plural}")
        )
