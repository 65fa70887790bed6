"""`Segment`: the immutable value every lane, format and edit command trades in."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum
from functools import total_ordering
from typing import Any

from annotator.core.errors import InvalidEdit


class Source(str, Enum):
    """Who produced a segment: the model's guesses are drawn apart from human-confirmed labels."""

    MODEL = "model"
    HUMAN = "human"


@total_ordering
@dataclass(frozen=True)
class Segment:
    """A labelled time interval [start, end) in seconds.

    Frozen so that a segment can be shared between lanes, undo history and views without anyone
    mutating it behind the others' back; an edit replaces a segment instead of changing it.
    Ordering is by (start, end, label) so sorted lanes and round-trip comparisons are stable.
    """

    start: float
    end: float
    label: str = ""
    confidence: float | None = None
    source: Source = Source.HUMAN

    def __post_init__(self) -> None:
        start, end = float(self.start), float(self.end)
        if not (math.isfinite(start) and math.isfinite(end)):
            raise InvalidEdit(
                f"segment times must be finite numbers, got {self.start!r}..{self.end!r}"
            )
        if start < 0:
            raise InvalidEdit(f"segment starts before 0 s ({start:g} s)")
        if end <= start:
            raise InvalidEdit(f"segment must end after it starts ({start:g} s .. {end:g} s)")
        if not isinstance(self.label, str):
            raise InvalidEdit(f"segment label must be text, got {type(self.label).__name__}")
        if self.confidence is not None:
            confidence = float(self.confidence)
            if not (0.0 <= confidence <= 1.0):
                raise InvalidEdit(f"confidence must lie in [0, 1], got {confidence:g}")
            object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "source", Source(self.source))

    @property
    def duration(self) -> float:
        return self.end - self.start

    def _key(self) -> tuple[float, float, str]:
        return (self.start, self.end, self.label)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return self._key() < other._key()

    def contains(self, t: float) -> bool:
        """Half-open membership, so that touching segments never both claim a boundary instant."""
        return self.start <= t < self.end

    def overlaps(self, other: Segment) -> bool:
        """True when the two share a stretch of positive length (touching is not overlapping)."""
        return self.start < other.end and other.start < self.end

    def with_(self, **changes: Any) -> Segment:
        """A copy with some fields changed (validated like any new segment)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "confidence": self.confidence,
            "source": self.source.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            start=data["start"],
            end=data["end"],
            label=data.get("label", ""),
            confidence=data.get("confidence"),
            source=Source(data.get("source", Source.HUMAN.value)),
        )
