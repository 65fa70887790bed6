"""`Annotation`: the named lanes of one recording, with what the recording is and who labelled it."""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.errors import InvalidEdit
from annotator.core.lane import Lane
from annotator.core.segment import Segment

#: The lanes a pre-labelled recording starts with, in display order (one per segmenter class).
CLASS_LANES: tuple[str, ...] = ("speech", "music", "noise", "overlap")


@dataclass(frozen=True)
class RecordingInfo:
    """What recording an annotation belongs to; checksum lets us notice a swapped audio file."""

    path: str = ""
    duration: float | None = None
    sample_rate: int | None = None
    checksum: str | None = None

    def __post_init__(self) -> None:
        if self.duration is not None:
            duration = float(self.duration)
            if not math.isfinite(duration) or duration < 0:
                raise InvalidEdit(
                    f"recording duration must be a finite number >= 0, got {self.duration!r}"
                )
            object.__setattr__(self, "duration", duration)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "duration": self.duration,
            "sample_rate": self.sample_rate,
            "checksum": self.checksum,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordingInfo:
        return cls(
            path=data.get("path", ""),
            duration=data.get("duration"),
            sample_rate=data.get("sample_rate"),
            checksum=data.get("checksum"),
        )


@dataclass(frozen=True)
class Provenance:
    """One labelling run: which tool/model with which parameters produced which lanes, and when."""

    tool: str
    lanes: tuple[str, ...] = ()
    model: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    created: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "lanes": list(self.lanes),
            "model": self.model,
            "parameters": copy.deepcopy(self.parameters),
            "created": self.created,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        return cls(
            tool=data["tool"],
            lanes=tuple(data.get("lanes", ())),
            model=data.get("model"),
            parameters=dict(data.get("parameters", {})),
            created=data.get("created"),
        )


def file_checksum(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file, streamed so that multi-GB recordings do not need to fit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


class Annotation:
    """Ordered named lanes plus recording metadata, provenance and tiers we carry but do not edit.

    ``passthrough`` keeps layers imported from a file that have no lane meaning (Praat point
    tiers, say) as plain JSON-able dicts, so that a TextGrid survives a round trip untouched.
    """

    def __init__(
        self,
        lanes: Iterable[Lane] = (),
        recording: RecordingInfo | None = None,
        provenance: Iterable[Provenance] = (),
        passthrough: Iterable[dict[str, Any]] = (),
    ) -> None:
        self._lanes: dict[str, Lane] = {}
        self.recording = recording or RecordingInfo()
        self.provenance: list[Provenance] = list(provenance)
        self.passthrough: list[dict[str, Any]] = [copy.deepcopy(p) for p in passthrough]
        for lane in lanes:
            self.add_lane(lane)

    @classmethod
    def with_class_lanes(cls, recording: RecordingInfo | None = None) -> Annotation:
        return cls([Lane(name) for name in CLASS_LANES], recording=recording)

    # --- lanes ------------------------------------------------------------------------------
    @property
    def lanes(self) -> tuple[Lane, ...]:
        return tuple(self._lanes.values())

    @property
    def lane_names(self) -> tuple[str, ...]:
        return tuple(self._lanes)

    def __iter__(self) -> Iterator[Lane]:
        return iter(self._lanes.values())

    def __len__(self) -> int:
        return len(self._lanes)

    def __contains__(self, name: object) -> bool:
        return name in self._lanes

    def lane(self, name: str) -> Lane:
        try:
            return self._lanes[name]
        except KeyError:
            raise InvalidEdit(f"there is no lane named {name!r}") from None

    def add_lane(self, lane: Lane | str, position: int | None = None) -> Lane:
        lane = Lane(lane) if isinstance(lane, str) else lane
        if lane.name in self._lanes:
            raise InvalidEdit(f"a lane named {lane.name!r} exists already")
        self._check_inside_recording(lane)
        items = list(self._lanes.items())
        position = len(items) if position is None else position
        items.insert(position, (lane.name, lane))
        self._lanes = dict(items)
        return lane

    def remove_lane(self, name: str) -> Lane:
        lane = self.lane(name)
        del self._lanes[name]
        return lane

    def lane_position(self, name: str) -> int:
        self.lane(name)
        return list(self._lanes).index(name)

    @property
    def duration(self) -> float | None:
        return self.recording.duration

    @property
    def end_time(self) -> float:
        """The recording duration when known, else the end of the last segment (0 if none)."""
        if self.recording.duration is not None:
            return self.recording.duration
        ends = [lane[-1].end for lane in self if len(lane)]
        return max(ends, default=0.0)

    def segments(self) -> Iterator[tuple[str, Segment]]:
        """Every (lane name, segment) pair, lane by lane."""
        for lane in self:
            for segment in lane:
                yield lane.name, segment

    def check_inside(self, segment: Segment) -> None:
        """Refuse a segment that runs past the end of the recording (when its duration is known)."""
        duration = self.recording.duration
        if duration is not None and segment.end > duration + 1e-9:
            raise InvalidEdit(
                f"{segment.start:g}-{segment.end:g} s runs past the end of the recording ({duration:g} s)"
            )

    def _check_inside_recording(self, lane: Lane) -> None:
        for segment in lane:
            self.check_inside(segment)

    # --- value semantics --------------------------------------------------------------------
    def copy(self) -> Annotation:
        return Annotation(
            (lane.copy() for lane in self),
            recording=self.recording,
            provenance=self.provenance,
            passthrough=self.passthrough,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Annotation):
            return NotImplemented
        return (
            self.lanes == other.lanes
            and self.recording == other.recording
            and self.provenance == other.provenance
            and self.passthrough == other.passthrough
        )

    def __repr__(self) -> str:
        inner = ", ".join(f"{lane.name}:{len(lane)}" for lane in self)
        return f"Annotation({inner})"

    def to_dict(self, *, keep_hidden: bool = True) -> dict[str, Any]:
        """Everything, as JSON-able data; ``keep_hidden=False`` drops the lanes' confidence
        floors and the model segments hidden under them (what an export should hold)."""
        return {
            "recording": self.recording.to_dict(),
            "lanes": [lane.to_dict(keep_hidden=keep_hidden) for lane in self],
            "provenance": [p.to_dict() for p in self.provenance],
            "passthrough": copy.deepcopy(self.passthrough),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Annotation:
        return cls(
            (Lane.from_dict(lane) for lane in data.get("lanes", [])),
            recording=RecordingInfo.from_dict(data.get("recording", {})),
            provenance=(Provenance.from_dict(p) for p in data.get("provenance", [])),
            passthrough=data.get("passthrough", []),
        )
