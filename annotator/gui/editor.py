"""`EditorController`: turns gestures and keys into core edit commands on the undo stack.

The views only report what the hand did (a boundary dragged to t, a span dragged on a lane);
this controller owns the selection, snaps times, picks the command and pushes it. Keeping that
here means the keyboard and the mouse reach the very same code paths, and the tests can drive
both through the real widgets.
"""

from __future__ import annotations

from collections.abc import Iterable

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from annotator.core import (
    CLASS_LANES,
    AddSegment,
    ChangeLane,
    Edit,
    EditGroup,
    MergeSegments,
    MoveBoundary,
    RelabelSegment,
    RelabelSegments,
    RemoveSegment,
    Segment,
    SegmentEdit,
    Source,
    SplitSegment,
)
from annotator.core.edits import MIN_SEGMENT_S
from annotator.gui.document import Document
from annotator.gui.segment_clipboard import SegmentClipboard
from annotator.gui.timeline_view import TimelineView
from annotator.gui.undo import new_merge_key

Placed = tuple[str, Segment]
SNAP_PX = 6.0


def added_by(edit: Edit) -> list[Placed]:
    """Segments an applied edit put in (and did not take out again): the new selection."""
    if isinstance(edit, MoveBoundary) and edit.result is not None:
        return [(edit.lane, edit.result)]
    if isinstance(edit, SegmentEdit) and edit.change is not None:
        return list(edit.change.added)
    if isinstance(edit, EditGroup):
        found: list[Placed] = []
        for part in edit.edits:
            if isinstance(part, SegmentEdit) and part.change is not None:
                found = [p for p in found if p not in part.change.removed]
            found.extend(added_by(part))
        return found
    return []


class EditorController(QObject):
    """Selection, snapping and the edit verbs of the open document."""

    message = pyqtSignal(str)
    selectionChanged = pyqtSignal()  # noqa: N815 (Qt naming)
    labelEditRequested = pyqtSignal(str, object)  # noqa: N815  lane, segment

    def __init__(self, view: TimelineView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.document: Document | None = None
        self.selection: list[Placed] = []
        self.time_span: tuple[float, float] | None = None
        self.span_anchor = 0.0  # where a keyboard-made span started (Shift+arrows)
        #: (lane, time) where Ctrl+Enter in a gap started a segment, until it is closed
        self.segment_start_mark: tuple[str, float] | None = None
        self._current_lane: str | None = None
        self.snap_px = SNAP_PX  # the Settings dialog may change it
        self.clipboard = SegmentClipboard(self)
        self._drag: dict | None = None
        view.cursorClicked.connect(self.set_cursor)
        view.spanSelected.connect(self._on_span_drag)

    # --- wiring -------------------------------------------------------------------------------
    def set_document(self, document: Document | None) -> None:
        self.document = document
        self.selection, self.time_span, self._drag = [], None, None
        if document is None:
            return
        self.current_lane = document.annotation.lane_names[0] if len(document.annotation) else None
        lanes = self.view.lanes
        assert lanes is not None, "set the document on the view first"
        if not getattr(lanes, "_controller_connected", False):
            lanes.sigClicked.connect(self._on_click)
            lanes.sigDoubleClicked.connect(self._on_double_click)
            lanes.sigBoundaryDrag.connect(self._on_boundary_drag)
            lanes.sigCreate.connect(self._on_create)
            lanes.sigMoveToLane.connect(self._on_move_to_lane)
            lanes._controller_connected = True
        document.stack.edited.connect(self._after_stack_change)
        self._publish_selection()

    @property
    def current_lane(self) -> str | None:
        """The lane keyboard verbs act on (Praat's selected tier), highlighted in the view."""
        return self._current_lane

    @current_lane.setter
    def current_lane(self, name: str | None) -> None:
        self._current_lane = name
        lanes = self.view.lanes
        if lanes is not None and lanes.active != name:
            lanes.active = name
            lanes.update()

    def select_span(self, start: float, end: float, anchor: float) -> None:
        """A time span chosen with the keys (no segment selected)."""
        self.selection, self.span_anchor = [], anchor
        self.time_span = (max(start, 0.0), min(end, self.view.duration)) if end > start else None
        self._publish_selection()

    def clear(self) -> None:
        """Escape: no selection, no span, no half-made segment."""
        self.selection, self.time_span, self.segment_start_mark = [], None, None
        self._publish_selection()

    @property
    def annotation(self):
        return self.document.annotation if self.document else None

    @property
    def cursor(self) -> float:
        return self.view.cursor_time

    def push(self, edit: Edit, merge_key: int | None = None, select: bool = True) -> bool:
        if self.document is None:
            return False
        if not self.document.stack.push_edit(edit, merge_key):
            return False
        if select:
            self.set_selection(added_by(edit))
        self.message.emit(edit.description)
        return True

    def _after_stack_change(self) -> None:
        """Undo/redo replace segments: keep only selected segments that still exist."""
        annotation = self.annotation
        if annotation is None:
            return
        kept = [(n, s) for n, s in self.selection if n in annotation and s in annotation.lane(n)]
        if kept != self.selection:
            self.selection = kept
            self._publish_selection()
        self.view.refresh_lanes()

    # --- selection and cursor -----------------------------------------------------------------
    def set_selection(self, placed: Iterable[Placed]) -> None:
        self.selection = list(dict.fromkeys(placed))
        if self.selection:
            self.current_lane = self.selection[0][0]
            self.time_span = None
        self._publish_selection()

    def _publish_selection(self) -> None:
        if self.view.lanes is not None:
            self.view.lanes.selection = set(self.selection)
            self.view.lanes.update()
        self.view.set_span(self.span)
        self.selectionChanged.emit()

    @property
    def span(self) -> tuple[float, float] | None:
        """The time span the span commands act on: a dragged span, else the selection's extent."""
        if self.time_span is not None:
            return self.time_span
        if self.selection:
            return (min(s.start for _, s in self.selection), max(s.end for _, s in self.selection))
        return None

    def zoom_to_selection(self) -> bool:
        """Show exactly the selected span or segments (Praat's Ctrl+N); Ctrl+B goes back."""
        span = self.span
        if span is None:
            self.message.emit("Select segments or drag a span to zoom to")
            return False
        self.view.zoom_to(*span)
        return True

    def zoom_back(self) -> bool:
        if not self.view.zoom_back():
            self.message.emit("No earlier view to go back to")
            return False
        return True

    def set_cursor(self, t: float) -> None:
        self.view.set_cursor(t)
        self.selectionChanged.emit()

    def move_cursor(self, fraction: float) -> None:
        """Move the cursor by a fraction of the visible span (arrow keys)."""
        x0, x1 = self.view.visible_range()
        self.set_cursor(self.cursor + fraction * (x1 - x0))
        self.view.ensure_visible(self.cursor)

    def _on_click(self, lane: str, segment: Segment | None, t: float, modifiers) -> None:
        self.current_lane = lane
        self.set_cursor(t)
        additive = bool(
            modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        if segment is None:
            if not additive:
                self.time_span = None
                self.set_selection([])
            return
        placed = (lane, segment)
        if additive:
            chosen = [p for p in self.selection if p != placed]
            if placed not in self.selection:
                chosen.append(placed)
            self.set_selection(chosen)
        else:
            self.set_selection([placed])

    def _on_double_click(self, lane: str, segment: Segment) -> None:
        self.set_selection([(lane, segment)])
        self.labelEditRequested.emit(lane, segment)

    def _on_span_drag(self, t0: float, t1: float, phase: str) -> None:
        self.time_span = (max(t0, 0.0), min(t1, self.view.duration)) if t1 > t0 else None
        if phase == "finish":
            self.selection = []
            self.set_cursor(t0)
        self._publish_selection()

    # --- snapping -----------------------------------------------------------------------------
    def snap(self, t: float, ignore: Iterable[Placed] = ()) -> float:
        """The nearest boundary of any lane (or the cursor) within `snap_px` pixels, else t.

        ``ignore`` names segments whose edges do not count (the one being dragged).
        """
        lanes, annotation = self.view.lanes, self.annotation
        if lanes is None or annotation is None:
            return t
        tol = self.snap_px * lanes.seconds_per_pixel()
        skip = set(ignore)
        candidates = [self.cursor]
        for lane in annotation:
            for segment in lane.in_range(t - tol, t + tol + 1e-12):
                if (lane.name, segment) not in skip:
                    candidates += [segment.start, segment.end]
        near = [c for c in candidates if abs(c - t) <= tol]
        return min(near, key=lambda c: abs(c - t)) if near else t

    # --- gestures -----------------------------------------------------------------------------
    def _on_boundary_drag(
        self, lane: str, segment: Segment, side: str, t: float, alt: bool, phase: str
    ) -> None:
        if phase == "start" or self._drag is None:
            self._drag = {
                "lane": lane,
                "segment": segment,
                "side": side,
                "alt": alt,
                "key": new_merge_key(),
            }
            self.current_lane = lane
        drag = self._drag
        current: Segment = drag["segment"]
        target = self._clamp(
            drag["lane"], current, drag["side"], self.snap(t, self._dragged(drag)), drag["alt"]
        )
        old = current.start if drag["side"] == "start" else current.end
        if target != old:
            edit = MoveBoundary(
                drag["lane"], current, drag["side"], target, with_neighbour=drag["alt"]
            )
            if self.push(edit, drag["key"], select=False):
                drag["segment"] = edit.result
                self.set_selection([(drag["lane"], edit.result)])
        if phase == "finish":
            self._drag = None

    def _dragged(self, drag: dict) -> list[Placed]:
        """The dragged segment and, with Alt, the neighbour sharing the boundary."""
        lane, segment = drag["lane"], drag["segment"]
        before, after = self.annotation.lane(lane).neighbours(segment)
        neighbour = before if drag["side"] == "start" else after
        return [(lane, segment)] + ([(lane, neighbour)] if drag["alt"] and neighbour else [])

    def _clamp(self, lane_name: str, segment: Segment, side: str, t: float, alt: bool) -> float:
        """Keep a dragged boundary inside what the edit allows, so the drag stops at a wall:
        a segment (and, with Alt, its neighbour) keeps at least :meth:`shortest` seconds."""
        lane = self.annotation.lane(lane_name)
        before, after = lane.neighbours(segment)
        gap = self.shortest()
        if side == "start":
            low = 0.0
            if before is not None:
                shared = alt and before.end == segment.start
                low = min(before.start + gap, segment.start) if shared else before.end
            return min(max(t, low), max(segment.end - gap, segment.start))
        high = self.view.duration
        if after is not None:
            shared = alt and after.start == segment.end
            high = max(after.end - gap, segment.end) if shared else after.start
        return max(min(t, high), min(segment.start + gap, segment.end))

    def shortest(self) -> float:
        """The shortest segment a gesture may leave: 10 ms, or one pixel when zoomed out, so a
        segment never shrinks to something the lane cannot show."""
        lanes = self.view.lanes
        pixel = lanes.seconds_per_pixel() if lanes is not None else 0.0
        return max(MIN_SEGMENT_S, pixel)

    def _on_create(self, lane: str, t0: float, t1: float) -> None:
        t0, t1 = self.snap(t0), self.snap(t1)
        if t1 - t0 < self.shortest():
            return
        label = lane if lane in CLASS_LANES else ""
        self.current_lane = lane
        if self.push(AddSegment(lane, Segment(t0, t1, label, None, Source.HUMAN))) and not label:
            self.labelEditRequested.emit(lane, self.selection[0][1])

    def _on_move_to_lane(self, from_lane: str, segment: Segment, to_lane: str) -> None:
        label = to_lane if (segment.label == from_lane and to_lane in CLASS_LANES) else None
        self.push(ChangeLane(segment, from_lane, to_lane, new_label=label))

    # --- verbs (keyboard and menus) -----------------------------------------------------------
    def delete_selected(self) -> bool:
        if not self.selection:
            self.message.emit("Nothing selected to delete")
            return False
        edits = [RemoveSegment(lane, s) for lane, s in self.selection]
        edit = edits[0] if len(edits) == 1 else EditGroup(edits, f"Delete {len(edits)} segments")
        return self.push(edit)

    def split_at_cursor(self) -> bool:
        t = self.cursor
        targets = [(n, s) for n, s in self.selection if s.start < t < s.end]
        if not targets and self.current_lane is not None and self.annotation is not None:
            under = self.annotation.lane(self.current_lane).at(t)
            targets = [(self.current_lane, under)] if under is not None and under.start < t else []
        if not targets:
            self.message.emit(f"No segment to split at {t:.3f} s")
            return False
        edits = [SplitSegment(lane, s, t) for lane, s in targets]
        return self.push(
            edits[0]
            if len(edits) == 1
            else EditGroup(edits, f"Split {len(edits)} segments at {t:.3f} s")
        )

    def merge_with_next(self) -> bool:
        if not self.selection:
            self.message.emit("Select a segment to merge with the next one")
            return False
        lane, segment = min(self.selection, key=lambda p: p[1])
        after = self.annotation.lane(lane).neighbours(segment)[1]
        if after is None:
            self.message.emit("The selected segment is the last of its lane")
            return False
        return self.push(MergeSegments(lane, segment, after))

    def relabel(self, label: str, targets: list[Placed] | None = None) -> bool:
        targets = self.selection if targets is None else targets
        if not targets:
            return False
        if len(targets) == 1:
            return self.push(RelabelSegment(targets[0][0], targets[0][1], label))
        return self.push(RelabelSegments(targets, label))

    def accept_and_next(self) -> bool:
        """Confirm the selected segment (a model guess becomes human) and select the next one."""
        lane = self.selection[0][0] if self.selection else self.current_lane
        if lane is None or self.annotation is None:
            return False
        if self.selection:
            segment = self.selection[0][1]
            if segment.source is Source.MODEL:
                edit = RelabelSegment(lane, segment, segment.label)
                if self.push(edit):
                    segment = added_by(edit)[0][1]
            after = self.annotation.lane(lane).neighbours(segment)[1]
        else:
            after = next((s for s in self.annotation.lane(lane) if s.end > self.cursor), None)
        if after is None:
            self.message.emit(f"No further segment in {lane}")
            return False
        self.go_to_segment(lane, after)
        return True

    def go_to_segment(self, lane: str, segment: Segment) -> None:
        """Select ``segment`` alone and bring the cursor (and the view) to its start."""
        self.set_selection([(lane, segment)])
        self.set_cursor(segment.start)
        self.view.ensure_visible(segment.start)

    def toggle_class(self, index: int) -> bool:
        """Keys 1–4: put the span into class lane ``index`` (0-based), or take it out again."""
        span, annotation = self.span, self.annotation
        if span is None or annotation is None or index >= len(CLASS_LANES):
            self.message.emit("Select a segment or drag a span first")
            return False
        name = CLASS_LANES[index]
        if name not in annotation:
            self.message.emit(f"There is no {name} lane")
            return False
        lane = annotation.lane(name)
        inside = lane.in_range(*span)
        keep_span = self.time_span
        if inside and all(span[0] <= s.start and s.end <= span[1] for s in inside):
            edits = [RemoveSegment(name, s) for s in inside]
            done = self.push(
                edits[0] if len(edits) == 1 else EditGroup(edits, f"Remove {name} from span"),
                select=False,
            )
        elif inside:
            self.message.emit(f"The span overlaps {name} segments only partly; edit them directly")
            return False
        else:
            done = self.push(
                AddSegment(name, Segment(span[0], span[1], name, None, Source.HUMAN)), select=False
            )
        if done and keep_span is not None:
            self.time_span = keep_span
            self._publish_selection()
        return done
