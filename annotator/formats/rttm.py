"""NIST RTTM ↔ `Annotation`, with a strict reader of our own.

Why not pyannote's reader: ``pyannote.database.util.load_rttm`` goes through pandas, which
turns speaker labels such as ``NA`` or ``null`` into NaN and reports malformed lines as pandas
errors without the file's line. Ours checks every line and names it in the error.

Layout, one turn per line (10 whitespace-separated fields)::

    SPEAKER <file-id> <channel> <onset> <duration> <NA> <NA> <label> <confidence> <NA>

Rules (documented choices):
- Reading: blank lines and ``;;`` comment lines are skipped. ``SPEAKER`` lines become segments;
  other NIST types (``SPKR-INFO``, ``NON-SPEECH``, ``LEXEME``...) are kept verbatim in
  ``annotation.passthrough`` and written back after the turns; an unknown type is an error.
  Onset must be a finite number >= 0, duration a finite number > 0; the channel must be an
  integer (it is not kept: we write 1). The confidence field, when numeric, in [0, 1], becomes
  ``Segment.confidence``; the source of imported segments is ``Source.HUMAN``.
- Lanes on reading: one lane per label, in order of first appearance (lines are written
  sorted by time, so a model's lane order is not kept), each segment labelled with
  that label. Overlapping turns of the same label are merged into one segment (as pyannote's
  ``support()`` would); touching turns stay separate. The segment end is onset + duration
  computed in decimal, so ``1.234 + 0.5`` is exactly the float nearest 1.734.
- Writing: the label of a turn is the lane name for the class lanes (speech, music, noise,
  overlap), else the segment's label, or the lane name when that label is empty. So a label
  typed on a class lane is not written (scoring tools read the field as the class);
  `labels_rttm_drops` lists them so that the editor and ``convert`` warn first. Times are
  rounded to whole milliseconds (onset and end, so touching segments stay touching; a segment
  shorter than 1 ms is written as 1 ms), with 3 decimals. Hence RTTM → model → RTTM is lossless,
  and model → RTTM → model is lossless for times on a millisecond grid. Confidences are rounded
  to 3 decimals too, so that the same recording labelled with other thread counts (``--jobs``),
  whose posteriors differ in the last float bits, gives the same bytes. Whitespace inside a
  label becomes ``_`` (fields are whitespace-separated).
- File-id: a given ``uri``, else the name of ``annotation.recording.path`` without a known audio
  extension, else the stem of the RTTM file; whitespace in it becomes ``_``, and a byte of a
  file name that is not valid UTF-8 is written as messages show it (``\\xe9``), since RTTM is
  UTF-8 text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from annotator.core.annotation import CLASS_LANES, Annotation, RecordingInfo
from annotator.core.lane import Lane
from annotator.core.printable import printable
from annotator.core.segment import Segment
from annotator.formats._io import read_text, write_text
from annotator.formats.errors import FormatError

PASSTHROUGH_FORMAT = "rttm"
N_FIELDS = 10
#: NIST RT types other than SPEAKER: carried through, not interpreted.
OTHER_TYPES = frozenset(
    {
        "SEGMENT", "NOSCORE", "NO_RT_METADATA", "LEXEME", "NON-LEX", "NON-SPEECH", "FILLER",
        "EDIT", "IP", "SU", "CB", "A/P", "SPKR-INFO", "NOISE", "MUSIC",
    }
)  # fmt: skip
AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".aif", ".aiff", ".sph", ".wma",
     ".mp4", ".webm", ".caf", ".au", ".nist"}
)  # fmt: skip
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


# --- reading --------------------------------------------------------------------------------
def read_rttm(path: str | Path) -> dict[str, Annotation]:
    """Every recording of an RTTM file, by file-id, in order of first appearance."""
    return rttm_from_text(read_text(path), path)


def read_rttm_one(path: str | Path, file_id: str | None = None) -> Annotation:
    """One recording of an RTTM file.

    Without ``file_id`` the file must hold at most one recording (an empty file gives an empty
    annotation: diarization tools write nothing for a silent recording). A ``file_id`` absent
    from the file likewise gives an empty annotation for that recording.
    """
    annotations = read_rttm(path)
    if file_id is None:
        if len(annotations) > 1:
            ids = ", ".join(list(annotations)[:5])
            more = "..." if len(annotations) > 5 else ""
            raise FormatError(
                path, f"holds {len(annotations)} recordings ({ids}{more}); choose one file-id"
            )
        if annotations:
            return next(iter(annotations.values()))
        file_id = Path(path).stem
    return annotations.get(file_id) or Annotation(recording=RecordingInfo(path=file_id))


def _number(text: str, what: str, path: str | Path, line: int) -> Decimal:
    if not _NUMBER.fullmatch(text):
        lowered = text.lower().lstrip("+-")
        if lowered in ("nan", "inf", "infinity"):
            raise FormatError(path, f"{what} must be a finite number, got {text!r}", line)
        raise FormatError(path, f"{what} is not a number: {text!r}", line)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex lets only valid decimals through
        raise FormatError(path, f"{what} is not a number: {text!r}", line) from None
    if not math.isfinite(float(value)):
        raise FormatError(path, f"{what} is too large: {text!r}", line)
    return value


def _confidence(text: str, path: str | Path, line: int) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None  # "<NA>", "NA", "-": no confidence
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise FormatError(path, f"confidence must lie in [0, 1], got {text}", line)
    return value


def rttm_from_text(text: str, path: str | Path = "<text>") -> dict[str, Annotation]:
    """Parse RTTM text (see the module docstring for the rules); ``path`` names the source."""
    turns: dict[str, dict[str, list[tuple[Segment, int]]]] = {}
    others: dict[str, list[str]] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith(";;"):
            continue
        fields = line.split()
        if len(fields) != N_FIELDS:
            raise FormatError(
                path, f"expected {N_FIELDS} fields, found {len(fields)}: {line[:60]!r}", number
            )
        kind, file_id, channel = fields[0], fields[1], fields[2]
        if kind != "SPEAKER":
            if kind not in OTHER_TYPES:
                raise FormatError(path, f"unknown RTTM type {kind!r} (expected SPEAKER)", number)
            others.setdefault(file_id, []).append(" ".join(fields))
            turns.setdefault(file_id, {})
            continue
        if not re.fullmatch(r"[+-]?\d+", channel):
            raise FormatError(path, f"channel must be an integer, got {channel!r}", number)
        onset = _number(fields[3], "onset", path, number)
        duration = _number(fields[4], "duration", path, number)
        if onset < 0:
            raise FormatError(path, f"onset must be >= 0, got {fields[3]}", number)
        if duration <= 0:
            raise FormatError(path, f"duration must be > 0, got {fields[4]}", number)
        start, end = float(onset), float(onset + duration)
        if end <= start:
            raise FormatError(path, f"duration {fields[4]} is too small to be represented", number)
        label = fields[7]
        segment = Segment(start, end, label, confidence=_confidence(fields[8], path, number))
        turns.setdefault(file_id, {}).setdefault(label, []).append((segment, number))
    result: dict[str, Annotation] = {}
    for file_id, by_label in turns.items():
        lanes = [Lane(label, _merge(segments)) for label, segments in by_label.items()]
        passthrough = [
            {"format": PASSTHROUGH_FORMAT, "line": line} for line in others.get(file_id, [])
        ]
        result[file_id] = Annotation(
            lanes, recording=RecordingInfo(path=file_id), passthrough=passthrough
        )
    return result


def _merge(turns: list[tuple[Segment, int]]) -> list[Segment]:
    """Union of overlapping turns of one label; touching turns stay apart."""
    merged: list[Segment] = []
    for segment, _ in sorted(turns, key=lambda t: (t[0].start, t[0].end)):
        if merged and segment.start < merged[-1].end:
            last = merged[-1]
            confidence = last.confidence if last.confidence == segment.confidence else None
            merged[-1] = last.with_(end=max(last.end, segment.end), confidence=confidence)
        else:
            merged.append(segment)
    return merged


# --- writing --------------------------------------------------------------------------------
def default_uri(annotation: Annotation, fallback: str | Path = "") -> str:
    """The file-id we write: recording name without an audio extension, else ``fallback``'s stem."""
    name = Path(annotation.recording.path).name if annotation.recording.path else ""
    if name and Path(name).suffix.lower() in AUDIO_SUFFIXES:
        name = Path(name).stem
    if not name:
        name = Path(fallback).stem if str(fallback) else "recording"
    return "_".join(name.split()) or "recording"


def turn_label(lane: Lane, segment: Segment) -> str:
    """The RTTM label of a segment: lane name for class lanes, else its label (or lane name)."""
    label = lane.name if lane.name in CLASS_LANES or not segment.label else segment.label
    return "_".join(label.split())


def labels_rttm_drops(annotation: Annotation) -> dict[str, list[str]]:
    """Per class lane, the typed labels RTTM cannot carry (its label field holds the class), so
    an exporter can warn before they are lost; other lanes keep their labels."""
    dropped: dict[str, list[str]] = {}
    for lane in annotation:
        if lane.name in CLASS_LANES:
            typed = sorted({s.label for s in lane if s.label and s.label != lane.name})
            if typed:
                dropped[lane.name] = typed
    return dropped


def _ms(t: float) -> int:
    return round(t * 1000)


def rttm_lines(annotation: Annotation, uri: str) -> list[str]:
    """The lines of one recording, sorted by onset, then duration, then label."""
    uri = printable("_".join(uri.split()))  # RTTM is UTF-8 text: undecodable bytes as \xe9
    if not uri:
        raise ValueError("the RTTM file-id must not be empty")
    rows: list[tuple[int, int, str, str]] = []
    for lane in annotation:
        for segment in lane:
            label = turn_label(lane, segment)
            if not label:
                raise ValueError(f"a segment of lane {lane.name!r} has no usable RTTM label")
            start = _ms(segment.start)
            duration = max(_ms(segment.end) - start, 1)
            c = segment.confidence
            confidence = "<NA>" if c is None else repr(round(c, 3))
            rows.append((start, duration, label, confidence))
    rows.sort()
    lines = [
        f"SPEAKER {uri} 1 {start / 1000:.3f} {duration / 1000:.3f} <NA> <NA> {label} {conf} <NA>"
        for start, duration, label, conf in rows
    ]
    lines += [p["line"] for p in annotation.passthrough if p.get("format") == PASSTHROUGH_FORMAT]
    return lines


def rttm_text(annotations: Mapping[str, Annotation] | Iterable[tuple[str, Annotation]]) -> str:
    """RTTM text for several recordings, given as ``{file_id: annotation}``."""
    items: Iterable[tuple[str, Any]] = (
        annotations.items() if isinstance(annotations, Mapping) else annotations
    )
    lines: list[str] = []
    for uri, annotation in items:
        lines += rttm_lines(annotation, uri)
    return "".join(line + "\n" for line in lines)


def write_rttm(annotation: Annotation, path: str | Path, *, uri: str | None = None) -> None:
    """Write one recording's annotation as RTTM, atomically (file-id rule in the module doc)."""
    write_rttm_many({uri or default_uri(annotation, path): annotation}, path)


def write_rttm_many(annotations: Mapping[str, Annotation], path: str | Path) -> None:
    """Write several recordings into one RTTM file, atomically."""
    try:
        text = rttm_text(annotations)
    except ValueError as exc:
        raise FormatError(path, str(exc)) from None
    write_text(path, text)
