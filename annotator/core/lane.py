"""`Lane`: the sorted, non-overlapping segments of one layer (a TextGrid tier, an RTTM label)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator
from typing import Any

from annotator.core.errors import InvalidEdit
from annotator.core.segment import Segment


class Lane:
    """Segments of one layer, kept sorted and pairwise non-overlapping (touching is allowed).

    The lane is the unit of the invariants: every mutation goes through `add`/`remove`, which
    check before they change anything, so a refused edit leaves the lane exactly as it was.
    Edits with undo live in `annotator.core.edits`; this class is only the container.

    ``confidence_floor`` and ``hidden`` carry the lane's confidence floor (see
    `annotator.core.confidence_floor`): model segments under the floor are taken *out* of the
    lane, so every view, edit and export sees only what is shown, and are parked in ``hidden``
    so that lowering the floor can bring them back. They live on the lane rather than beside
    it so that renaming, removing and restoring a lane carries them along for free.
    """

    def __init__(
        self,
        name: str,
        segments: Iterable[Segment] = (),
        *,
        confidence_floor: float = 0.0,
        hidden: Iterable[Segment] = (),
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidEdit("a lane needs a non-empty name")
        self.name = name
        self._segments: list[Segment] = []
        self._starts: list[float] = []
        self.confidence_floor = check_floor(confidence_floor)
        #: model segments under ``confidence_floor``, sorted; not part of the lane's segments
        self.hidden: tuple[Segment, ...] = tuple(sorted(hidden))
        for segment in sorted(segments):
            self.add(segment)

    # --- builtin-like behaviour -------------------------------------------------------------
    def __iter__(self) -> Iterator[Segment]:
        return iter(self._segments)

    def __len__(self) -> int:
        return len(self._segments)

    def __getitem__(self, index: int) -> Segment:
        return self._segments[index]

    def __contains__(self, segment: object) -> bool:
        return isinstance(segment, Segment) and self.index(segment) is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lane):
            return NotImplemented
        return (
            self.name == other.name
            and self._segments == other._segments
            and self.confidence_floor == other.confidence_floor
            and self.hidden == other.hidden
        )

    def __repr__(self) -> str:
        return f"Lane({self.name!r}, {len(self)} segments)"

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(self._segments)

    # --- queries ----------------------------------------------------------------------------
    def index(self, segment: Segment) -> int | None:
        """Position of this exact segment (all fields equal), or None."""
        i = bisect.bisect_left(self._starts, segment.start)
        while i < len(self._segments) and self._segments[i].start == segment.start:
            if self._segments[i] == segment:
                return i
            i += 1
        return None

    def at(self, t: float) -> Segment | None:
        """The segment covering instant t (half-open), or None."""
        i = bisect.bisect_right(self._starts, t) - 1
        if i >= 0 and self._segments[i].contains(t):
            return self._segments[i]
        return None

    def in_range(self, start: float, end: float) -> list[Segment]:
        """Segments sharing a stretch of positive length with [start, end)."""
        if end <= start:  # an empty range shares no stretch with anything
            return []
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        found = []
        for segment in self._segments[i:]:
            if segment.start >= end:
                break
            if segment.end > start:
                found.append(segment)
        return found

    def gaps(self, start: float, end: float) -> list[tuple[float, float]]:
        """Unlabelled stretches of [start, end), in order: what a TextGrid fills with ''."""
        holes = []
        cursor = start
        for segment in self.in_range(start, end):
            if segment.start > cursor:
                holes.append((cursor, segment.start))
            cursor = max(cursor, segment.end)
        if cursor < end:
            holes.append((cursor, end))
        return holes

    def neighbours(self, segment: Segment) -> tuple[Segment | None, Segment | None]:
        """The segments just before and just after `segment` in this lane."""
        i = self.index(segment)
        if i is None:
            raise InvalidEdit(
                f"segment {segment.start:g}-{segment.end:g} s is not in lane {self.name!r}"
            )
        before = self._segments[i - 1] if i > 0 else None
        after = self._segments[i + 1] if i + 1 < len(self._segments) else None
        return before, after

    def collisions(self, segment: Segment, ignoring: Iterable[Segment] = ()) -> list[Segment]:
        """Segments that `segment` would overlap, leaving out those in `ignoring`."""
        skip = list(ignoring)
        return [s for s in self.in_range(segment.start, segment.end) if s not in skip]

    # --- mutation (checked) -----------------------------------------------------------------
    def add(self, segment: Segment) -> None:
        clash = self.collisions(segment)
        if clash:
            other = clash[0]
            raise InvalidEdit(
                f"{segment.start:g}-{segment.end:g} s would overlap "
                f"{other.start:g}-{other.end:g} s in lane {self.name!r}"
            )
        i = bisect.bisect_right(self._starts, segment.start)
        self._segments.insert(i, segment)
        self._starts.insert(i, segment.start)

    def remove(self, segment: Segment) -> None:
        i = self.index(segment)
        if i is None:
            raise InvalidEdit(
                f"segment {segment.start:g}-{segment.end:g} s is not in lane {self.name!r}"
            )
        del self._segments[i]
        del self._starts[i]

    def clear(self) -> None:
        """Take out every shown segment (the floor and the hidden ones stay)."""
        self._segments.clear()
        self._starts.clear()

    def copy(self) -> Lane:
        return Lane(
            self.name, self._segments, confidence_floor=self.confidence_floor, hidden=self.hidden
        )

    def to_dict(self, *, keep_hidden: bool = True) -> dict[str, Any]:
        """The lane as JSON-able data; the floor and hidden segments only when set.

        Leaving them out when unset keeps files without a floor exactly as they were before the
        floor existed; ``keep_hidden=False`` leaves them out always (exports show what is seen).
        """
        data: dict[str, Any] = {"name": self.name, "segments": [s.to_dict() for s in self]}
        if keep_hidden and self.confidence_floor:
            data["confidence_floor"] = self.confidence_floor
        if keep_hidden and self.hidden:
            data["hidden"] = [s.to_dict() for s in self.hidden]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lane:
        return cls(
            data["name"],
            (Segment.from_dict(s) for s in data.get("segments", [])),
            confidence_floor=data.get("confidence_floor", 0.0),
            hidden=(Segment.from_dict(s) for s in data.get("hidden", [])),
        )


def check_floor(floor: object) -> float:
    """A confidence floor as a float in [0, 1], or `InvalidEdit` naming the bad value."""
    if isinstance(floor, bool) or not isinstance(floor, (int, float)):
        raise InvalidEdit(f"a confidence floor must be a number, got {floor!r}")
    value = float(floor)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidEdit(f"a confidence floor must lie in [0, 1], got {value:g}")
    return value
