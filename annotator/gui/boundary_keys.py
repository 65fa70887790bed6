"""Keyboard boundary moves: put the boundary nearest the cursor onto the cursor (key B).

Praat users place the cursor by ear (play, stop, listen again) and then snap a boundary to it,
rather than dragging with the mouse; this is that habit, as one undoable `MoveBoundary`.
A boundary shared by two touching segments moves for both, as a Praat boundary would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core import MoveBoundary, Segment

if TYPE_CHECKING:
    from annotator.gui.editor import EditorController


def nearest_boundary(segments: list[Segment], t: float) -> tuple[Segment, str, bool] | None:
    """(segment, side, shared) of the boundary closest to ``t``; a shared one is named by the
    segment it ends, so the move drags the following segment's start along."""
    best: tuple[float, Segment, str] | None = None
    for segment in segments:
        for side, at in (("end", segment.end), ("start", segment.start)):
            if best is None or abs(at - t) < best[0]:
                best = (abs(at - t), segment, side)
    if best is None:
        return None
    _, segment, side = best
    at = segment.start if side == "start" else segment.end
    ends_here = next((s for s in segments if s.end == at), None)
    starts_here = next((s for s in segments if s.start == at), None)
    if ends_here is not None and starts_here is not None:
        return ends_here, "end", True
    return segment, side, False


def move_nearest_boundary(controller: EditorController) -> bool:
    """Move the nearest boundary of the selected segment's lane (else the current lane)."""
    annotation = controller.annotation
    lane = controller.selection[0][0] if controller.selection else controller.current_lane
    if annotation is None or lane is None or lane not in annotation:
        controller.message.emit("No lane to move a boundary in")
        return False
    t = controller.cursor
    found = nearest_boundary(list(annotation.lane(lane)), t)
    if found is None:
        controller.message.emit(f"No boundary in {lane} to move")
        return False
    segment, side, shared = found
    if (segment.start if side == "start" else segment.end) == t:
        controller.message.emit(f"The nearest boundary is at the cursor already ({t:.3f} s)")
        return False
    edit = MoveBoundary(lane, segment, side, t, with_neighbour=shared)
    if not controller.push(edit, select=False):
        return False
    controller.set_selection([(lane, edit.result)])
    return True
