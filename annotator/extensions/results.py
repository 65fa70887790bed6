"""Whatever a pre-labeler returned, as an `Annotation` the host can save and edit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from annotator.core.annotation import CLASS_LANES, Annotation, Provenance, RecordingInfo
from annotator.core.errors import AnnotationError
from annotator.core.lane import Lane
from annotator.core.segment import Segment, Source
from annotator.extensions.discovery import PluginError, one_line

#: A segment may end this far past the recording (a plugin's frame rounding); it is clipped.
END_TOLERANCE = 0.05


def _segment(lane: str, item: Any) -> Segment:
    if isinstance(item, Segment):
        return item
    if isinstance(item, Mapping):
        start, end = item["start"], item["end"]
        label, confidence = item.get("label") or lane, item.get("confidence")
    else:
        values = tuple(item)
        if not 2 <= len(values) <= 4:
            raise PluginError(f"lane {lane!r}: a segment must be (start, end[, label[, conf]])")
        start, end = values[0], values[1]
        label = values[2] if len(values) > 2 and values[2] else lane
        confidence = values[3] if len(values) > 3 else None
    return Segment(float(start), float(end), str(label), confidence, Source.MODEL)


def _clip(segment: Segment, duration: float | None) -> Segment | None:
    if duration is None or segment.end <= duration:
        return segment
    if segment.end > duration + END_TOLERANCE:
        raise PluginError(
            f"segment {segment.start:g}-{segment.end:g} s ends past the recording ({duration:g} s)"
        )
    return segment.with_(end=duration) if segment.start < duration else None


def lanes_to_annotation(
    lanes: Mapping[str, Iterable[Any]], recording: RecordingInfo | None = None
) -> Annotation:
    """Plain lanes → `Annotation`; class lanes first in their usual order, segments as model's."""
    duration = recording.duration if recording else None
    order = [n for n in CLASS_LANES if n in lanes] + [n for n in lanes if n not in CLASS_LANES]
    built = []
    for name in order:
        try:
            kept = (_clip(_segment(name, item), duration) for item in lanes[name])
            built.append(Lane(str(name), [s for s in kept if s is not None]))
        except PluginError:
            raise
        except (AnnotationError, KeyError, TypeError, ValueError) as exc:
            raise PluginError(f"lane {name!r}: {one_line(exc)}") from None
    return Annotation(built, recording=recording)


def to_annotation(
    result: object, recording: RecordingInfo | None = None, provenance: Provenance | None = None
) -> Annotation:
    """Whatever a pre-labeler returned, as an `Annotation` for ``recording``.

    Recording facts the plugin left out are filled in from ``recording``; ``provenance`` is
    added when the plugin recorded none of its own.
    """
    found = getattr(result, "annotation", result)
    if isinstance(found, Annotation):
        annotation = found
        if recording is not None:
            have = annotation.recording
            annotation.recording = RecordingInfo(
                path=have.path or recording.path,
                duration=have.duration if have.duration is not None else recording.duration,
                sample_rate=have.sample_rate or recording.sample_rate,
                checksum=have.checksum or recording.checksum,
            )
    elif isinstance(found, Mapping):
        annotation = lanes_to_annotation(found, recording)
    else:
        raise PluginError(
            f"returned {type(result).__name__}; expected an Annotation or a mapping of lanes"
        )
    if provenance is not None and not annotation.provenance:
        lanes = provenance.lanes or annotation.lane_names
        annotation.provenance.append(
            Provenance(provenance.tool, tuple(lanes), provenance.model, provenance.parameters,
                       provenance.created)
        )  # fmt: skip
    return annotation
