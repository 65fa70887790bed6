"""`Lane`: the sorted, non-overlapping segments of one layer (a TextGrid tier, an RTTM label)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import Any

from annotator.core.errors import InvalidEdit
from annotator.core.segment import Segment


class Lane:
    """Segments of one layer, kept sorted and pairwise non-overlapping (touching is allowed).

    The lane is the unit of the invariants: every mutation goes through `add`/`remove`, which
    check before they change anything, so a refused edit leaves the lane exactly as it was.
    Edits with undo live in `annotator.core.edits`; this class is only the container.
    """

    def __init__(self, name: str, segments: Iterable[Segment] = ()) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidEdit("a lane needs a non-empty name")
        self.name = name
        self._segments: list[Segment] = []
        self._starts: list[float] = []
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
        return self.name == other.name and self._segments == other._segments

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
        self._segments.clear()
        self._starts.clear()

    def copy(self) -> Lane:
        return Lane(self.name, self._segments)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "segments": [s.to_dict() for s in self._segments]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lane:
        return cls(data["name"], (Segment.from_dict(s) for s in data.get("segments", [])))
