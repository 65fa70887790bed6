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

Human segments in *other* lanes never block anything: lanes are independent layers.

The result is one `ReplaceModelSegments` edit, so a whole pre-labelling run (or one slider
release) is one undo step. It works lane by lane with sets and a single rebuild of each lane
rather than segment by segment, so replacing thousands of segments costs milliseconds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from annotator.core.annotation import Annotation
from annotator.core.edits import Change, Edit
from annotator.core.errors import InvalidEdit
from annotator.core.lane import Lane
from annotator.core.segment import Segment, Source

Placed = tuple[str, Segment]

#: Pieces of a clipped model segment shorter than this (seconds) are dropped: one model frame.
MIN_PIECE_S = 0.02


@dataclass(frozen=True)
class MergePlan:
    """What merging a proposal changes: lanes to add, segments out, segments in, and counts."""

    new_lanes: tuple[str, ...] = ()
    removed: tuple[Placed, ...] = ()
    added: tuple[Placed, ...] = ()
    #: proposed segments cut around human segments (kept in pieces)
    clipped: int = 0
    #: proposed segments left out entirely (covered by human segments, or only short pieces left)
    dropped: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.new_lanes or self.removed or self.added)

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
        )

    def summary(self) -> str:
        """One line for the status bar."""
        text = f"{len(self.added)} model segments in, {len(self.removed)} out"
        if self.clipped or self.dropped:
            text += f"; {self.clipped} clipped and {self.dropped} dropped around human segments"
        return text


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
    clipped = dropped = 0
    for name in names:
        old = current.lane(name).segments if name in current else ()
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
        keep = old_model.intersection(new_model)
        removed.extend((name, s) for s in sorted(old_model - keep))
        added.extend((name, s) for s in new_model if s not in keep)
    return MergePlan(new_lanes, tuple(removed), tuple(added), clipped, dropped)


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
    """One undo step that applies a `MergePlan`: lanes added, model segments swapped.

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
            _swap(annotation, self.plan.removed, self.plan.added)
        except InvalidEdit:
            for lane in created:
                annotation.remove_lane(lane.name)
            raise

    def undo(self, annotation: Annotation) -> None:
        _swap(annotation, self.plan.added, self.plan.removed)
        for name in reversed(self.plan.new_lanes):
            annotation.remove_lane(name)


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
