"""Audacity label track text ↔ `Annotation`.

An Audacity label file is one track: ``start<TAB>end<TAB>label`` per line, optionally followed
by a spectral-selection line ``\\<TAB>low_hz<TAB>high_hz`` that belongs to the label above it.

Rules (documented choices):
- Lanes: Audacity has one track per file, so several lanes are written as ``lane:label`` and
  read back by splitting at the first ``:``, but only when *every* label of the file has a
  non-blank prefix before a ``:`` (point labels aside) (so an ordinary file with the odd "note: loud" label stays
  one lane). Otherwise, and whenever ``lane=`` is given, all labels go to one lane named
  ``lane`` (default ``"labels"``) untouched. Writing with ``lane=`` exports that lane alone
  with bare labels, which is what an Audacity user expects to import.
- Lines are grouped by lane, in lane order, so reading gives the lanes back in their order
  (a lane without segments has no line and is not written).
- Labels of one lane that overlap (Audacity allows it) are spread over extra lanes named
  ``lane (2)``, ``lane (3)``..., each label in the first one where it fits.
- Point labels (start == end) have no place in a lane: they and the spectral lines are kept in
  ``annotation.passthrough`` and written back (a spectral line after its label).
- Labels cannot hold tabs or line breaks and lane names cannot hold ``:`` in this format;
  writing such a one is refused with a `FormatError` instead of silently altering it.
- Times are written with ``repr`` (exact); Audacity's own 6-decimal output and decimal commas
  from localised Audacity versions are read. Confidence and source are not representable.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from annotator.core.annotation import Annotation, RecordingInfo
from annotator.core.errors import AnnotationError
from annotator.core.lane import Lane
from annotator.core.segment import Segment
from annotator.formats._io import read_text, write_text
from annotator.formats.errors import FormatError

PASSTHROUGH_FORMAT = "audacity"
DEFAULT_LANE = "labels"
_NUMBER = re.compile(r"[+-]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][+-]?\d+)?")


def _has_lane_prefix(text: str) -> bool:
    """True for ``lane:label`` where ``lane`` could be a lane name (non-blank)."""
    prefix, colon, _ = text.partition(":")
    return bool(colon) and bool(prefix.strip())


def _time(text: str, what: str, path: str | Path, line: int) -> float:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        raise FormatError(path, f"{what} is not a number: {text!r}", line)
    value = float(text.replace(",", "."))
    if not math.isfinite(value) or value < 0:
        raise FormatError(path, f"{what} must be a finite number >= 0, got {text!r}", line)
    return value


def read_audacity(path: str | Path, *, lane: str | None = None) -> Annotation:
    """Read an Audacity label file (lane rule in the module docstring)."""
    return audacity_from_text(read_text(path, legacy="cp1252"), path, lane=lane)


def audacity_from_text(
    text: str, path: str | Path = "<text>", *, lane: str | None = None
) -> Annotation:
    """Parse label-track text; ``path`` only names the source in error messages."""
    rows: list[tuple[int, float, float, str]] = []
    spectral: dict[int, str] = {}  # row index -> raw spectral line
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        if raw.startswith("\\"):
            if not rows:
                raise FormatError(path, "spectral-selection line before any label", number)
            fields = raw.split("\t")
            if len(fields) < 3:
                raise FormatError(
                    path, "spectral-selection line needs low and high frequency", number
                )
            for value in fields[1:3]:
                _time(value, "frequency", path, number)
            spectral[len(rows) - 1] = raw
            continue
        fields = raw.split("\t", 2)
        if len(fields) < 2:
            raise FormatError(path, f"expected start<TAB>end<TAB>label, found {raw[:60]!r}", number)
        start = _time(fields[0], "start time", path, number)
        end = _time(fields[1], "end time", path, number)
        if end < start:
            raise FormatError(path, f"label ends before it starts ({start:g} > {end:g})", number)
        rows.append((number, start, end, fields[2] if len(fields) == 3 else ""))
    # Point labels are kept raw, so they do not take part in deciding whether to split.
    intervals = [r for r in rows if r[2] > r[1]]
    split = lane is None and bool(intervals) and all(_has_lane_prefix(r[3]) for r in intervals)
    lanes: dict[str, list[Segment]] = {}
    passthrough: list[dict[str, Any]] = []
    for index, (_line, start, end, text_) in enumerate(rows):
        if split and end > start:
            lane_name, label = text_.split(":", 1)
        else:
            lane_name, label = lane or DEFAULT_LANE, text_
        if end == start:
            passthrough.append(
                {"format": PASSTHROUGH_FORMAT, "kind": "point", "time": start, "text": text_}
            )
        else:
            lanes.setdefault(lane_name, []).append(Segment(start, end, label))
        if index in spectral:
            passthrough.append(
                {"format": PASSTHROUGH_FORMAT, "kind": "spectral", "lane": lane_name,
                 "start": start, "end": end, "label": label, "line": spectral[index]}
            )  # fmt: skip
    return Annotation(_spread(lanes), recording=RecordingInfo(), passthrough=passthrough)


def _spread(lanes: dict[str, list[Segment]]) -> list[Lane]:
    """Lanes from labels; labels overlapping within one name go to extra lanes ``name (2)``...

    Audacity lets labels of one track overlap, our lanes do not: rather than refuse the file,
    each label goes to the first lane of its name where it fits.
    """
    taken = set(lanes)
    built: list[Lane] = []
    for name, segments in lanes.items():
        family = [Lane(name)]
        for segment in sorted(segments):
            for candidate in family:
                if not candidate.collisions(segment):
                    candidate.add(segment)
                    break
            else:
                k = len(family) + 1
                while f"{name} ({k})" in taken:
                    k += 1
                taken.add(f"{name} ({k})")
                family.append(Lane(f"{name} ({k})", [segment]))
        built += family
    return built


def audacity_text(annotation: Annotation, *, lane: str | None = None) -> str:
    """Label-track text; all lanes as ``lane:label``, or one ``lane`` with bare labels."""
    if lane is not None:
        lanes = [annotation.lane(lane)]
        prefix = False
    else:
        lanes = list(annotation)
        prefix = True
    rows: list[tuple[float, float, int, str, str | None]] = []
    spectral = {
        (p["lane"], p["start"], p["end"], p["label"]): p["line"]
        for p in annotation.passthrough
        if p.get("format") == PASSTHROUGH_FORMAT and p.get("kind") == "spectral"
    }
    for order, current in enumerate(lanes):
        if prefix and re.search(r"[:\t\n\r]", current.name):
            raise ValueError(
                f"lane name {current.name!r} contains ':', a tab or a line break; "
                "export that lane alone (lane=...)"
            )
        for segment in current:
            if re.search(r"[\t\n\r]", segment.label):
                raise ValueError(
                    f"label {segment.label!r} in lane {current.name!r} holds a tab or line break"
                )
            text = f"{current.name}:{segment.label}" if prefix else segment.label
            key = (current.name, segment.start, segment.end, segment.label)
            rows.append((segment.start, segment.end, order, text, spectral.get(key)))
    if lane is None:
        for p in annotation.passthrough:
            if p.get("format") == PASSTHROUGH_FORMAT and p.get("kind") == "point":
                rows.append((float(p["time"]), float(p["time"]), -1, str(p["text"]), None))
    # Grouped by lane (Audacity sorts on import anyway) so lane order survives a round trip.
    rows.sort(key=lambda r: (r[2] < 0, r[2], r[0], r[1]))
    out = []
    for start, end, _, text, spectral_line in rows:
        out.append(f"{start!r}\t{end!r}\t{text}\n")
        if spectral_line:
            out.append(spectral_line + "\n")
    return "".join(out)


def write_audacity(annotation: Annotation, path: str | Path, *, lane: str | None = None) -> None:
    """Write an Audacity label file, atomically (lane rule in the module docstring)."""
    try:
        text = audacity_text(annotation, lane=lane)
    except (ValueError, AnnotationError) as exc:
        raise FormatError(path, str(exc)) from None
    write_text(path, text)
