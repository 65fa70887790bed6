"""A lane's confidence floor: hide the model's least sure segments, undoably, and bring them back.

Why: a person correcting a pre-label chooses between recall (keep every model guess, delete the
false ones) and clean-up work (fewer guesses to delete, more misses to draw). A floor per lane
lets them make that choice and change their mind: model segments of the lane whose confidence
is under the floor leave the lane, so the views, the edit commands, the sidecar's segments and
every export see exactly what is shown, and wait in ``Lane.hidden`` until the floor is lowered.

The rules:

- Only ``Source.MODEL`` segments with a confidence are ever hidden (`merge.below_floor`); a
  segment a person touched is theirs and always stays.
- Lowering the floor shows the hidden segments at or above it again, clipped around what the
  lane holds now (a person may have drawn a segment there meanwhile: human work wins, as in
  `annotator.core.merge`); a hidden segment covered entirely is dropped.
- Re-running the pre-labeler or moving a threshold keeps applying the floor (`plan_merge`).
- One `SetConfidenceFloor` is one undo step; consecutive changes of the same lane's floor fold
  into one (a slider drag), and undo restores the segments, the hidden ones and the floor.
"""

from __future__ import annotations

import bisect

from annotator.core.annotation import Annotation
from annotator.core.edits import Edit
from annotator.core.lane import Lane, check_floor
from annotator.core.merge import (
    MIN_PIECE_S,
    MergePlan,
    ReplaceModelSegments,
    below_floor,
    subtract,
    swaps,
)
from annotator.core.segment import Segment


def plan_floor(
    annotation: Annotation, lane_name: str, floor: float, min_piece: float = MIN_PIECE_S
) -> MergePlan:
    """What setting ``lane_name``'s confidence floor to ``floor`` changes (see the rules above)."""
    floor = check_floor(floor)
    lane = annotation.lane(lane_name)
    hide = [s for s in lane if below_floor(s, floor)]
    still_hidden = [s for s in lane.hidden if below_floor(s, floor)]
    show = _restorable(lane, hide, [s for s in lane.hidden if not below_floor(s, floor)], min_piece)
    return MergePlan(
        removed=tuple((lane_name, s) for s in hide),
        added=tuple((lane_name, s) for s in show),
        hidden=swaps([(lane_name, lane.hidden, tuple(sorted(still_hidden + hide)))]),
        floors=swaps([(lane_name, lane.confidence_floor, floor)]),
    )


def _restorable(
    lane: Lane, leaving: list[Segment], candidates: list[Segment], min_piece: float
) -> list[Segment]:
    """``candidates`` clipped to the room the lane leaves them once ``leaving`` is out.

    Sorted by start, each candidate is cut around the segments that stay (found by bisection)
    and starts no earlier than the end of the pieces already placed, so the result never
    overlaps anything, even if an odd plugin left overlapping guesses behind.
    """
    gone = set(leaving)
    staying = [s for s in lane if s not in gone]
    starts = [s.start for s in staying]
    placed: list[Segment] = []
    reach = 0.0
    for candidate in sorted(candidates):
        i = max(bisect.bisect_right(starts, candidate.start) - 1, 0)
        blockers: list[Segment] = []
        for other in staying[i:]:
            if other.start >= candidate.end:
                break
            if other.overlaps(candidate):
                blockers.append(other)
        if reach > candidate.start:
            blockers.insert(0, Segment(0.0, min(reach, candidate.end)))
        for piece in subtract(candidate, blockers, min_piece):
            placed.append(piece)
            reach = max(reach, piece.end)
    return placed


class SetConfidenceFloor(ReplaceModelSegments):
    """Set one lane's confidence floor: hide the model segments under it, show those above."""

    def __init__(self, annotation: Annotation, lane: str, floor: float) -> None:
        self.lane = lane
        super().__init__(plan_floor(annotation, lane, floor), describe_floor(lane, floor))

    def merge_with(self, other: Edit) -> bool:
        """Fold a continued change of the same lane's floor (a slider drag) into this step."""
        if not isinstance(other, SetConfidenceFloor) or other.lane != self.lane:
            return False
        self.plan = self.plan.then(other.plan)
        self._description = other.description
        return True

    @property
    def obsolete(self) -> bool:
        """A drag back to where it started changes nothing: the history drops the step."""
        return self.plan.is_empty


def describe_floor(lane: str, floor: float) -> str:
    """The undo menu's sentence for setting ``lane``'s floor to ``floor``."""
    if floor <= 0.0:
        return f"Show all {lane} model segments"
    return f"Hide {lane} model segments below confidence {floor:.2f}"


def hidden_summary(lane: Lane) -> str:
    """One line for the status bar: "music: 12 model segments below 0.60 hidden"."""
    count = len(lane.hidden)
    if not lane.confidence_floor:
        return f"{lane.name}: all model segments shown"
    noun = "segment" if count == 1 else "segments"
    return f"{lane.name}: {count} model {noun} below {lane.confidence_floor:.2f} hidden"
