"""Keyboard habits of Praat and ELAN users: the active lane, segment to segment, a selection
made with the keys, boundaries put in and taken out at the cursor.

Why a module of its own: these verbs only combine the controller's selection, cursor and
edits (nothing new in the core), and they make the keyboard alone enough to correct a
recording — the habit of people who place boundaries by ear rather than with the mouse.

Rules, following Praat where the models differ:
- *Insert boundary* (Ctrl+Enter) on the active lane: over a time span, a segment covering it
  (Praat puts boundaries at both edges); inside a segment, a split at the cursor; in a gap, the
  first press marks where a segment starts and the second, later, closes it at the cursor.
- *Remove boundary* (Alt+Backspace): the boundary of the active lane nearest the cursor goes;
  between two touching segments they merge (Praat joins the intervals), at the edge of a gap
  the segment takes in the gap up to the next boundary (the empty interval joins it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core import CLASS_LANES, AddSegment, MergeSegments, MoveBoundary, Segment, Source
from annotator.gui.boundary_keys import nearest_boundary

if TYPE_CHECKING:
    from annotator.gui.editor import EditorController


def step_lane(controller: EditorController, step: int) -> bool:
    """Make the lane above (-1) or below (+1) the active one; the selection stays with its lane
    only if that is the new active lane."""
    annotation = controller.annotation
    if annotation is None or not len(annotation):
        return False
    names = annotation.lane_names
    current = controller.current_lane if controller.current_lane in names else names[0]
    index = min(max(names.index(current) + step, 0), len(names) - 1)
    if names[index] == current:
        return False
    controller.current_lane = names[index]
    if any(lane != names[index] for lane, _ in controller.selection):
        controller.set_selection([])
    controller.message.emit(f"Active lane: {names[index]}")
    return True


def step_segment(controller: EditorController, step: int) -> bool:
    """Select the previous (-1) or next (+1) segment of the active lane, from the selection (or
    the cursor), and bring the cursor to its start (ELAN's Alt+Left/Right)."""
    annotation, lane = controller.annotation, controller.current_lane
    if annotation is None or lane is None or lane not in annotation:
        return False
    segments = list(annotation.lane(lane))
    mine = [s for name, s in controller.selection if name == lane]
    here = mine[0].start if mine else controller.cursor
    if step > 0:
        found = next((s for s in segments if s.start > here + 1e-9), None)
    else:
        found = next((s for s in reversed(segments) if s.start < here - 1e-9), None)
    if found is None:
        controller.message.emit(f"No {'next' if step > 0 else 'previous'} segment in {lane}")
        return False
    controller.go_to_segment(lane, found)
    return True


def extend_span(controller: EditorController, fraction: float) -> None:
    """Move the cursor by ``fraction`` of the view and stretch the time span from where it was
    anchored (the cursor when no span is selected) to the cursor."""
    anchor = controller.span_anchor if controller.time_span is not None else controller.cursor
    controller.move_cursor(fraction)
    t = controller.cursor
    controller.select_span(min(anchor, t), max(anchor, t), anchor)


def insert_boundary(controller: EditorController) -> bool:
    """Ctrl+Enter on the active lane (module docstring)."""
    annotation, lane = controller.annotation, controller.current_lane
    if annotation is None or lane is None or lane not in annotation:
        controller.message.emit("No active lane")
        return False
    if controller.time_span is not None:
        start, end = controller.time_span
        controller.time_span = None
        return _add(controller, lane, start, end)
    t = controller.cursor
    under = annotation.lane(lane).at(t)
    if under is not None and under.start < t:
        controller.set_selection([(lane, under)])
        return controller.split_at_cursor()
    started = controller.segment_start_mark
    if started is None or started[0] != lane or started[1] >= t:
        controller.segment_start_mark = (lane, t)
        controller.message.emit(
            f"Segment starts at {t:.3f} s in {lane}: move to its end and press Ctrl+Enter again"
        )
        return True
    controller.segment_start_mark = None
    return _add(controller, lane, started[1], t)


def _add(controller: EditorController, lane: str, start: float, end: float) -> bool:
    label = lane if lane in CLASS_LANES else ""
    if end - start < controller.shortest():
        controller.message.emit("The span is too short for a segment")
        return False
    if not controller.push(AddSegment(lane, Segment(start, end, label, None, Source.HUMAN))):
        return False
    if not label:
        controller.labelEditRequested.emit(lane, controller.selection[0][1])
    return True


def remove_boundary(controller: EditorController) -> bool:
    """Alt+Backspace on the active lane (module docstring)."""
    annotation, lane = controller.annotation, controller.current_lane
    if annotation is None or lane is None or lane not in annotation:
        controller.message.emit("No active lane")
        return False
    found = nearest_boundary(list(annotation.lane(lane)), controller.cursor)
    if found is None:
        controller.message.emit(f"No boundary in {lane} to remove")
        return False
    segment, side, shared = found
    before, after = annotation.lane(lane).neighbours(segment)
    if shared and after is not None:
        return controller.push(MergeSegments(lane, segment, after))
    if side == "start":
        target = before.end if before is not None else 0.0
    else:
        target = after.start if after is not None else controller.view.duration
    if target == getattr(segment, side):
        controller.message.emit("That boundary is the edge of the recording")
        return False
    return controller.push(MoveBoundary(lane, segment, side, target))
