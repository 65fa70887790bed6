"""Edit commands: every change a person makes to an `Annotation`, each able to undo itself.

Why commands instead of methods on `Annotation`: the undo `History`, the GUI and scripts share one
vocabulary of edits (one class per verb, like Anchor-annotator's QUndoCommand subclasses), each
checked *before* anything changes and each with a sentence for the undo menu.

The rules every command keeps:

- ``apply`` validates fully first (segment exists, positive length, no overlap inside a lane,
  inside [0, duration] when the duration is known) and raises `InvalidEdit` with a one-line
  reason; a refused edit leaves the annotation exactly as it was.
- ``undo`` restores exactly the previous state (equal ``to_dict()``, the same `Lane` objects).
- The first ``apply`` works the change out from the arguments; a later ``apply`` (redo) replays
  that very change, still checked, so redo can never drift from what was undone.
- An edit that would change nothing is refused, so the history never holds empty steps.
- **A segment a human touched is the human's**: every segment an edit reshapes, relabels or moves
  (both halves of a split, a merge result, a neighbour whose shared boundary moved) comes out as
  ``Source.HUMAN`` with ``confidence=None``, because the model's score described the segment as
  the model drew it, not as corrected. Relabelling a model segment to its own label therefore
  *confirms* it. `AddSegment` stores its segment exactly as given.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable

from annotator.core.annotation import Annotation
from annotator.core.change import (
    Change,
    Placed,
    commit_change,
    describe_segment,
    describe_span,
    format_seconds,
)
from annotator.core.errors import InvalidEdit
from annotator.core.lane import Lane
from annotator.core.segment import Segment, Source

SIDES = ("start", "end")
MIN_SEGMENT_S = 0.01
"""The shortest segment an edit may leave. Exports write times to the millisecond, so a segment
of a few microseconds would be written as an empty ``2.994–2.994`` interval that no one can see
in a lane; ten milliseconds is under any phone and still visible when zoomed in."""


def touched(segment: Segment, **changes: object) -> Segment:
    """The segment after a human edit: the changed fields, ``Source.HUMAN``, no model confidence."""
    return segment.with_(source=Source.HUMAN, confidence=None, **changes)


class Edit(ABC):
    """One undoable step. Subclasses are named as verbs."""

    @property
    @abstractmethod
    def description(self) -> str:
        """A sentence for the undo menu ("Split speech segment 1.20–2.40 s at 1.80 s")."""

    @abstractmethod
    def apply(self, annotation: Annotation) -> None:
        """Make the edit, or raise `InvalidEdit` having changed nothing."""

    @abstractmethod
    def undo(self, annotation: Annotation) -> None:
        """Restore the state `apply` started from; call only right after `apply` (or redo)."""

    def merge_with(self, other: Edit) -> bool:
        """Fold the already applied `other` into this applied edit (QUndoCommand.mergeWith)."""
        return False

    @property
    def obsolete(self) -> bool:
        """True when merging left an edit with no net effect; the history then drops it."""
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.description}>"


class SegmentEdit(Edit):
    """An edit of segments only: works out a `Change`, then commits it."""

    def __init__(self) -> None:
        self._change: Change | None = None

    @property
    def change(self) -> Change | None:
        """The change this edit made (None before the first successful `apply`)."""
        return self._change

    @abstractmethod
    def _plan(self, annotation: Annotation) -> Change:
        """Validate the arguments against `annotation` and say what would change."""

    def apply(self, annotation: Annotation) -> None:
        change = self._change if self._change is not None else self._plan(annotation)
        if change.is_empty:
            raise InvalidEdit(f"{self.description}: nothing would change")
        commit_change(annotation, change)
        self._change = change

    def undo(self, annotation: Annotation) -> None:
        if self._change is None:
            raise InvalidEdit(f"{self.description}: cannot undo an edit that was never made")
        commit_change(annotation, self._change.inverse())

    @property
    def obsolete(self) -> bool:
        return self._change is not None and self._change.is_empty


def _require(annotation: Annotation, lane: str, segment: Segment) -> Lane:
    found = annotation.lane(lane)
    if segment not in found:
        raise InvalidEdit(f"{describe_segment(segment)} is not in lane {lane!r}")
    return found


class AddSegment(SegmentEdit):
    def __init__(self, lane: str, segment: Segment) -> None:
        super().__init__()
        self.lane, self.segment = lane, segment

    @property
    def description(self) -> str:
        return f"Add {describe_segment(self.segment)} to {self.lane}"

    def _plan(self, annotation: Annotation) -> Change:
        return Change((), ((self.lane, self.segment),))


class RemoveSegment(SegmentEdit):
    def __init__(self, lane: str, segment: Segment) -> None:
        super().__init__()
        self.lane, self.segment = lane, segment

    @property
    def description(self) -> str:
        return f"Remove {describe_segment(self.segment)} from {self.lane}"

    def _plan(self, annotation: Annotation) -> Change:
        return Change(((self.lane, self.segment),), ())


class MoveBoundary(SegmentEdit):
    """Move the start or end of a segment; ``with_neighbour`` drags a touching neighbour along.

    Without ``with_neighbour`` a boundary may move away from a touching neighbour (opening a gap)
    but never into it; with it, the shared boundary moves for both, as Praat and ELAN do when
    Alt is held. Consecutive moves of the same boundary merge into one undo step (a drag).
    """

    def __init__(
        self, lane: str, segment: Segment, side: str, new_time: float, with_neighbour: bool = False
    ) -> None:
        super().__init__()
        if side not in SIDES:
            raise InvalidEdit(f"boundary side must be 'start' or 'end', got {side!r}")
        self.lane, self.segment, self.side = lane, segment, side
        self.new_time = float(new_time)
        self.with_neighbour = with_neighbour
        self._result: Segment | None = None

    @property
    def description(self) -> str:
        return f"Move {self.side} boundary of {describe_segment(self.segment)}"

    @property
    def result(self) -> Segment | None:
        """The moved segment as it is after this (possibly merged) edit."""
        return self._result

    def _plan(self, annotation: Annotation) -> Change:
        lane = _require(annotation, self.lane, self.segment)
        seg, t, side = self.segment, self.new_time, self.side
        if not math.isfinite(t):
            raise InvalidEdit(f"a boundary needs a finite time, got {t!r}")
        if t < 0:
            raise InvalidEdit(
                f"a boundary cannot move before 0 s (asked for {format_seconds(t)} s)"
            )
        duration = annotation.duration
        if duration is not None and t > duration:
            raise InvalidEdit(
                f"a boundary cannot move past the end of the recording ({format_seconds(duration)} s)"
            )
        old = seg.start if side == "start" else seg.end
        if t == old:
            raise InvalidEdit(f"the {side} boundary is already at {format_seconds(t)} s")
        if side == "start" and t >= seg.end:
            raise InvalidEdit(
                f"the start boundary must stay before the end ({format_seconds(seg.end)} s)"
            )
        if side == "end" and t <= seg.start:
            raise InvalidEdit(
                f"the end boundary must stay after the start ({format_seconds(seg.start)} s)"
            )
        before, after = lane.neighbours(seg)
        moved = touched(seg, **{side: t})
        removed, added = [(self.lane, seg)], [(self.lane, moved)]
        if side == "start":
            neighbour = before if before is not None and before.end == seg.start else None
            blocker = before
        else:
            neighbour = after if after is not None and after.start == seg.end else None
            blocker = after
        if self.with_neighbour and neighbour is not None:
            if (side == "start" and t <= neighbour.start) or (side == "end" and t >= neighbour.end):
                raise InvalidEdit(
                    f"the shared boundary would swallow the neighbouring {describe_segment(neighbour)}"
                )
            other_side = "end" if side == "start" else "start"
            removed.append((self.lane, neighbour))
            added.append((self.lane, touched(neighbour, **{other_side: t})))
        elif blocker is not None and moved.overlaps(blocker):
            raise InvalidEdit(
                f"the {side} boundary would run into the neighbouring {describe_segment(blocker)}"
                + (" (move the shared boundary instead)" if blocker is neighbour else "")
            )
        for (_, was), (_, now) in zip(removed, added, strict=True):
            _keep_visible(was, now)
        self._result = moved
        return Change.of(removed, added)

    def merge_with(self, other: Edit) -> bool:
        """Fold a continued drag of the same boundary (same lane, side and neighbour mode)."""
        if not isinstance(other, MoveBoundary) or self._change is None or other._change is None:
            return False
        if (other.lane, other.side, other.with_neighbour) != (
            self.lane,
            self.side,
            self.with_neighbour,
        ):
            return False
        if other.segment != self._result:
            return False
        self._change = self._change.then(other._change)
        self._result = other._result
        self.new_time = other.new_time
        return True


def _keep_visible(before: Segment, after: Segment) -> None:
    """Refuse an edit that leaves ``after`` shorter than :data:`MIN_SEGMENT_S` (a segment that
    is already that short may still grow)."""
    length = after.end - after.start
    if length < MIN_SEGMENT_S and length < before.end - before.start:
        raise InvalidEdit(
            f"{describe_span(after)} would be shorter than {MIN_SEGMENT_S * 1000:.0f} ms"
        )


class SplitSegment(SegmentEdit):
    """Cut a segment in two at ``at``; both halves keep the label."""

    def __init__(self, lane: str, segment: Segment, at: float) -> None:
        super().__init__()
        self.lane, self.segment, self.at = lane, segment, float(at)

    @property
    def description(self) -> str:
        return f"Split {describe_segment(self.segment)} at {format_seconds(self.at)} s"

    def _plan(self, annotation: Annotation) -> Change:
        _require(annotation, self.lane, self.segment)
        seg = self.segment
        if not seg.start < self.at < seg.end:
            raise InvalidEdit(
                f"the split point {format_seconds(self.at)} s is not inside {describe_span(seg)}"
            )
        halves = (touched(seg, end=self.at), touched(seg, start=self.at))
        for half in halves:
            _keep_visible(seg, half)
        return Change(((self.lane, seg),), tuple((self.lane, h) for h in halves))


def merged_label(first: str, second: str, joiner: str = "+") -> str:
    """Label policy of a merge: equal labels stay, an empty one yields, else ``first+second``.

    The ``+`` keeps both class tags visible ("speech+music") so the merge asks to be reviewed;
    pass an explicit ``label`` to `MergeSegments` for transcription text.
    """
    if first == second or not second:
        return first
    if not first:
        return second
    return f"{first}{joiner}{second}"


class MergeSegments(SegmentEdit):
    """Join two neighbouring segments (touching, or with only a gap between) into one."""

    def __init__(
        self, lane: str, first: Segment, second: Segment, label: str | None = None
    ) -> None:
        super().__init__()
        self.lane, self.first, self.second, self.label = lane, first, second, label

    @property
    def description(self) -> str:
        first, second = sorted((self.first, self.second))
        return f"Merge {describe_segment(first)} with {describe_segment(second)}"

    def _plan(self, annotation: Annotation) -> Change:
        lane = _require(annotation, self.lane, self.first)
        _require(annotation, self.lane, self.second)
        if self.first == self.second:
            raise InvalidEdit("cannot merge a segment with itself")
        first, second = sorted((self.first, self.second))
        if lane.neighbours(first)[1] != second:
            raise InvalidEdit(
                f"{describe_span(first)} and {describe_span(second)} are not neighbours in lane {self.lane!r}"
            )
        label = self.label if self.label is not None else merged_label(first.label, second.label)
        joined = Segment(first.start, second.end, label, None, Source.HUMAN)
        return Change(((self.lane, first), (self.lane, second)), ((self.lane, joined),))


class RelabelSegments(SegmentEdit):
    """Give one label to many segments, possibly in several lanes (a multi-selection)."""

    def __init__(self, targets: Iterable[Placed], new_label: str) -> None:
        super().__init__()
        self.targets = tuple(targets)
        self.new_label = new_label

    @property
    def description(self) -> str:
        return f"Relabel {len(self.targets)} segments as {self.new_label!r}"

    def _plan(self, annotation: Annotation) -> Change:
        if not self.targets:
            raise InvalidEdit("no segments to relabel")
        if not isinstance(self.new_label, str):
            raise InvalidEdit(f"a label must be text, got {type(self.new_label).__name__}")
        for lane, segment in self.targets:
            _require(annotation, lane, segment)
        change = Change.of(
            self.targets, ((lane, touched(s, label=self.new_label)) for lane, s in self.targets)
        )
        if change.is_empty:
            raise InvalidEdit(f"already labelled {self.new_label!r} by a human")
        return change


class RelabelSegment(RelabelSegments):
    """Relabel one segment; relabelling a model segment to its own label confirms it."""

    def __init__(self, lane: str, segment: Segment, new_label: str) -> None:
        super().__init__([(lane, segment)], new_label)

    @property
    def description(self) -> str:
        return f"Relabel {describe_segment(self.targets[0][1])} as {self.new_label!r}"


class ChangeLane(SegmentEdit):
    """Move a segment to another lane (the model put speech where music was), keeping its times."""

    def __init__(
        self, segment: Segment, from_lane: str, to_lane: str, new_label: str | None = None
    ) -> None:
        super().__init__()
        self.segment, self.from_lane, self.to_lane = segment, from_lane, to_lane
        self.new_label = new_label

    @property
    def description(self) -> str:
        return f"Move {describe_segment(self.segment)} from {self.from_lane} to {self.to_lane}"

    def _plan(self, annotation: Annotation) -> Change:
        _require(annotation, self.from_lane, self.segment)
        annotation.lane(self.to_lane)
        if self.from_lane == self.to_lane:
            raise InvalidEdit(f"the segment is already in lane {self.to_lane!r}")
        label = self.segment.label if self.new_label is None else self.new_label
        moved = touched(self.segment, label=label)
        return Change(((self.from_lane, self.segment),), ((self.to_lane, moved),))
