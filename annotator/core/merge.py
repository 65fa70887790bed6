"""Merging a pre-labeler's proposal into labels a person is working on, without losing their work.

The policy, per lane the proposal has (lanes it does not have are never touched):

1. **Human segments stay** exactly as they are (``Source.HUMAN``: drawn, corrected or accepted
   by a person; see `annotator.core.edits.touched`).
2. **Model segments are replaced**: every ``Source.MODEL`` segment of the lane goes, and the
   proposal's segments come in. Re-running a model, or moving a threshold, therefore updates
   the model's earlier guesses instead of piling new ones on top of them.
3. **A proposed segment never overlaps a human one in the same lane**: it is clipped to the parts
   outside the human segments; parts shorter than ``min_piece`` (one 20 ms frame by default) are
   dropped, as is a proposed segment that a human segment covers entirely. The pieces keep the
   proposed label, confidence and ``Source.MODEL``.
4. A proposed lane the annotation lacks is added (after the existing lanes).
5. **A lane's confidence floor keeps applying**: proposed pieces whose confidence is under the
   lane's floor (`annotator.core.confidence_floor`) are not shown but parked in the lane's
   ``hidden`` segments, which they replace, so lowering the floor later shows the new guesses.

Human segments in *other* lanes never block anything: lanes are independent layers.

The result is one `ReplaceModelSegments` edit, so a whole pre-labelling run (or one slider
release) is one undo step. It works lane by lane with sets and a single rebuild of each lane
rather than segment by segment, so replacing thousands of segments costs milliseconds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from annotator.core.annotation import Annotation
from annotator.core.change import Change
from annotator.core.edits import Edit
from annotator.core.errors import InvalidEdit
from annotator.core.lane import Lane
from annotator.core.segment import Segment, Source

Placed = tuple[str, Segment]
#: a lane's hidden segments before and after a plan: (lane, before, after)
HiddenSwap = tuple[str, tuple[Segment, ...], tuple[Segment, ...]]
#: a lane's confidence floor before and after a plan: (lane, before, after)
FloorSwap = tuple[str, float, float]
_T = TypeVar("_T")

#: Pieces of a clipped model segment shorter than this (seconds) are dropped: one model frame.
MIN_PIECE_S = 0.02


@dataclass(frozen=True)
class MergePlan:
    """What merging a proposal changes: lanes to add, segments out, segments in, and counts.

    ``hidden`` and ``floors`` swap whole values per lane (the hidden segments, the confidence
    floor) rather than listing differences: they change together with the shown segments, and
    a swap undoes exactly by putting the ``before`` value back.
    """

    new_lanes: tuple[str, ...] = ()
    removed: tuple[Placed, ...] = ()
    added: tuple[Placed, ...] = ()
    #: proposed segments cut around human segments (kept in pieces)
    clipped: int = 0
    #: proposed segments left out entirely (covered by human segments, or only short pieces left)
    dropped: int = 0
    hidden: tuple[HiddenSwap, ...] = ()
    floors: tuple[FloorSwap, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.new_lanes or self.removed or self.added or self.hidden or self.floors)

    @property
    def change(self) -> Change:
        return Change(self.removed, self.added)

    def then(self, later: MergePlan) -> MergePlan:
        """One plan with the effect of this one followed by ``later`` (a slider drag's steps).

        Set arithmetic rather than `Change.then`'s list scans: a drag over an hour of segments
        folds hundreds of steps of thousands of segments each.
        """
        later_removed, first_added = set(later.removed), set(self.added)
        removed = [*self.removed, *(p for p in later.removed if p not in first_added)]
        added = [*(p for p in self.added if p not in later_removed), *later.added]
        both = set(removed).intersection(added)
        return MergePlan(
            self.new_lanes + tuple(n for n in later.new_lanes if n not in self.new_lanes),
            tuple(p for p in removed if p not in both),
            tuple(p for p in added if p not in both),
            later.clipped,
            later.dropped,
            _fold_swaps(self.hidden, later.hidden),
            _fold_swaps(self.floors, later.floors),
        )

    def summary(self) -> str:
        """One line for the status bar."""
        text = f"{len(self.added)} model segments in, {len(self.removed)} out"
        if self.clipped or self.dropped:
            text += f"; {self.clipped} clipped and {self.dropped} dropped around human segments"
        hidden = sum(len(after) for _, _, after in self.hidden)
        if hidden:
            text += f"; {hidden} under a lane's confidence floor hidden"
        return text


def _fold_swaps(
    first: tuple[tuple[str, _T, _T], ...], later: tuple[tuple[str, _T, _T], ...]
) -> tuple[tuple[str, _T, _T], ...]:
    """Per lane, the ``before`` of the first swap and the ``after`` of the last; no-ops dropped."""
    folded: dict[str, list[_T]] = {}
    for name, before, after in (*first, *later):
        folded.setdefault(name, [before, after])[1] = after
    return tuple((n, b, a) for n, (b, a) in folded.items() if b != a)


def swaps(items: Iterable[tuple[str, _T, _T]]) -> tuple[tuple[str, _T, _T], ...]:
    """The swaps that change something (``before != after``), as a tuple."""
    return tuple((name, before, after) for name, before, after in items if before != after)


def below_floor(segment: Segment, floor: float) -> bool:
    """Whether a lane with ``floor`` hides ``segment``: model segments with a confidence under
    it. A human segment, or a model one without a confidence, is never hidden."""
    return (
        segment.source is Source.MODEL
        and segment.confidence is not None
        and segment.confidence < floor
    )


def subtract(
    segment: Segment, blockers: Iterable[Segment], min_piece: float = 0.0
) -> list[Segment]:
    """The parts of ``segment`` outside ``blockers`` (sorted by start), each at least ``min_piece``
    long (pieces touching a blocker are fine: touching is not overlapping)."""
    pieces: list[Segment] = []
    cursor = segment.start
    for block in blockers:
        if block.end <= cursor or not block.overlaps(segment):
            continue
        if block.start - cursor >= max(min_piece, 1e-9):
            pieces.append(segment.with_(start=cursor, end=block.start))
        cursor = max(cursor, block.end)
        if cursor >= segment.end:
            break
    if segment.end - cursor >= max(min_piece, 1e-9):
        pieces.append(segment.with_(start=cursor))
    return pieces


def plan_merge(
    current: Annotation,
    proposal: Annotation,
    *,
    lanes: Iterable[str] | None = None,
    min_piece: float = MIN_PIECE_S,
) -> MergePlan:
    """How to bring ``proposal``'s model segments into ``current`` by the policy above.

    ``lanes`` limits the merge to some of the proposal's lanes (all of them by default). Every
    proposed segment is treated as a model segment whatever its ``source`` says, so a plugin
    that forgets to mark its output cannot pass it off as a person's work.
    """
    names = proposal.lane_names if lanes is None else tuple(n for n in lanes if n in proposal)
    new_lanes = tuple(n for n in names if n not in current)
    removed: list[Placed] = []
    added: list[Placed] = []
    hidden: list[HiddenSwap] = []
    clipped = dropped = 0
    for name in names:
        lane = current.lane(name) if name in current else Lane(name)
        old = lane.segments
        human = [s for s in old if s.source is not Source.MODEL]
        starts = [h.start for h in human]
        old_model = {s for s in old if s.source is Source.MODEL}
        new_model: list[Segment] = []
        for proposed in proposal.lane(name):
            if proposed.source is not Source.MODEL:
                proposed = proposed.with_(source=Source.MODEL)
            blockers = _overlapping(human, starts, proposed)
            if not blockers:
                new_model.append(proposed)
                continue
            pieces = subtract(proposed, blockers, min_piece)
            if pieces:
                clipped += 1
                new_model.extend(pieces)
            else:
                dropped += 1
        parked = tuple(s for s in new_model if below_floor(s, lane.confidence_floor))
        if parked:
            new_model = [s for s in new_model if not below_floor(s, lane.confidence_floor)]
        hidden.append((name, lane.hidden, tuple(sorted(parked))))
        keep = old_model.intersection(new_model)
        removed.extend((name, s) for s in sorted(old_model - keep))
        added.extend((name, s) for s in new_model if s not in keep)
    return MergePlan(
        new_lanes, tuple(removed), tuple(added), clipped, dropped, hidden=swaps(hidden)
    )


def _overlapping(human: list[Segment], starts: list[float], segment: Segment) -> list[Segment]:
    """Human segments (sorted, ``starts`` their starts) overlapping ``segment``, by bisection."""
    i = max(bisect.bisect_right(starts, segment.start) - 1, 0)
    found = []
    for h in human[i:]:
        if h.start >= segment.end:
            break
        if h.overlaps(segment):
            found.append(h)
    return found


class ReplaceModelSegments(Edit):
    """One undo step that applies a `MergePlan`: lanes added, model segments swapped, hidden
    segments and confidence floors set.

    Checked before anything changes (every removed segment present, nothing overlapping, all
    inside the recording), so a refused edit leaves the annotation as it was. Undo takes the
    added lanes out again and rebuilds each touched lane as it was (the same `Lane` objects).
    """

    def __init__(self, plan: MergePlan, description: str = "Pre-label") -> None:
        self.plan = plan
        self._description = description

    @property
    def description(self) -> str:
        return self._description

    @property
    def change(self) -> Change:
        return self.plan.change

    def apply(self, annotation: Annotation) -> None:
        if self.plan.is_empty:
            raise InvalidEdit(f"{self._description}: nothing would change")
        for name in self.plan.new_lanes:
            if name in annotation:
                raise InvalidEdit(f"a lane named {name!r} exists already")
        created = [annotation.add_lane(Lane(name)) for name in self.plan.new_lanes]
        try:
            for name, _, _ in (*self.plan.hidden, *self.plan.floors):
                annotation.lane(name)  # the lane must exist: checked before anything changes
            _swap(annotation, self.plan.removed, self.plan.added)
        except InvalidEdit:
            for lane in created:
                annotation.remove_lane(lane.name)
            raise
        _set_lane_state(annotation, self.plan, after=True)

    def undo(self, annotation: Annotation) -> None:
        _swap(annotation, self.plan.added, self.plan.removed)
        _set_lane_state(annotation, self.plan, after=False)
        for name in reversed(self.plan.new_lanes):
            annotation.remove_lane(name)


def _set_lane_state(annotation: Annotation, plan: MergePlan, *, after: bool) -> None:
    """Put each swapped lane's hidden segments and floor to their ``after`` (or ``before``)."""
    for name, before, later in plan.hidden:
        annotation.lane(name).hidden = later if after else before
    for name, old, new in plan.floors:
        annotation.lane(name).confidence_floor = new if after else old


def _by_lane(placed: Iterable[Placed]) -> dict[str, list[Segment]]:
    grouped: dict[str, list[Segment]] = {}
    for name, segment in placed:
        grouped.setdefault(name, []).append(segment)
    return grouped


def _swap(annotation: Annotation, take: Iterable[Placed], put: Iterable[Placed]) -> None:
    """Take ``take`` out and put ``put`` in, lane by lane, all checked before any lane changes."""
    out, into = _by_lane(take), _by_lane(put)
    rebuilt: dict[str, list[Segment]] = {}
    for name in dict.fromkeys([*out, *into]):
        lane = annotation.lane(name)
        gone = set(out.get(name, ()))
        missing = [s for s in gone if s not in lane]
        if missing:
            s = missing[0]
            raise InvalidEdit(
                f"{s.label or 'unlabelled'} segment {s.start:g}-{s.end:g} s is not in lane {name!r}"
            )
        segments = sorted([s for s in lane if s not in gone] + into.get(name, []))
        for segment in into.get(name, ()):
            annotation.check_inside(segment)
        for before, after in zip(segments, segments[1:], strict=False):
            if before.overlaps(after):
                raise InvalidEdit(
                    f"{after.start:g}-{after.end:g} s would overlap "
                    f"{before.start:g}-{before.end:g} s in lane {name!r}"
                )
        rebuilt[name] = segments
    for name, segments in rebuilt.items():
        lane = annotation.lane(name)
        lane.clear()
        for segment in segments:  # sorted and checked: each add appends
            lane.add(segment)
