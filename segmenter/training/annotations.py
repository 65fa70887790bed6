"""Strict readers for the two annotation files training needs: RTTM turns and UEM regions.

The segmenter must not import the annotator, so these are deliberately tiny: plain data out,
one :class:`ReferenceFileError` line naming the file and line for anything malformed. A corpus
with a typo in one line should fail loudly before hours of training, not train on half its
labels.

RTTM (NIST): ``SPEAKER <file-id> <channel> <onset> <duration> <ortho> <stype> <name> <conf>
[<slat>]`` — 9 or 10 fields, onset and duration in seconds. Only ``SPEAKER`` lines carry turns;
the other NIST record types are skipped; anything else is an error. Blank lines and lines
starting with ``;`` or ``#`` are comments.

UEM: ``<file-id> <channel> <start> <end>`` per line.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from segmenter.errors import SegmenterError

__all__ = ["ReferenceFileError", "Turn", "read_rttm", "read_uem"]

_OTHER_RTTM_TYPES = frozenset(
    {"SPKR-INFO", "SEGMENT", "NOSCORE", "NO_RT_METADATA", "LEXEME", "NON-LEX", "NON-SPEECH",
     "FILLER", "EDIT", "IP", "CB", "SU", "A/P"}
)  # fmt: skip


class ReferenceFileError(SegmenterError, ValueError):
    """An RTTM or UEM file that cannot be read as training labels. (Not named
    AnnotationError: that is the annotator's root for its own annotation model.)"""


class Turn(NamedTuple):
    """One labelled span of an RTTM file: ``[start, end)`` seconds and its name field."""

    start: float
    end: float
    label: str


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReferenceFileError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceFileError(f"{path}: cannot read ({exc})") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith((";", "#")):
            yield number, stripped.split()


def _seconds(value: str, where: str, what: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ReferenceFileError(f"{where}: {what} {value!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise ReferenceFileError(f"{where}: {what} must be a finite number >= 0, got {value}")
    return number


def read_rttm(path: str | Path) -> dict[str, list[Turn]]:
    """Turns per file-id, in file order (an RTTM may hold many file-ids)."""
    p = Path(path)
    out: dict[str, list[Turn]] = {}
    for number, fields in _lines(p):
        where = f"{p}:{number}"
        kind = fields[0].upper()
        if kind != "SPEAKER":
            if kind in _OTHER_RTTM_TYPES:
                continue
            raise ReferenceFileError(f"{where}: unknown RTTM record type {fields[0]!r}")
        if len(fields) not in (9, 10):
            raise ReferenceFileError(
                f"{where}: SPEAKER line needs 9 or 10 fields, got {len(fields)}"
            )
        onset = _seconds(fields[3], where, "onset")
        duration = _seconds(fields[4], where, "duration")
        label = fields[7]
        if label in ("<NA>", ""):
            raise ReferenceFileError(f"{where}: SPEAKER line without a speaker name")
        out.setdefault(fields[1], []).append(Turn(onset, onset + duration, label))
    return out


def read_uem(path: str | Path) -> dict[str, list[tuple[float, float]]]:
    """Annotated regions per file-id, sorted."""
    p = Path(path)
    out: dict[str, list[tuple[float, float]]] = {}
    for number, fields in _lines(p):
        where = f"{p}:{number}"
        if len(fields) != 4:
            raise ReferenceFileError(f"{where}: UEM line needs 4 fields, got {len(fields)}")
        start = _seconds(fields[2], where, "start")
        end = _seconds(fields[3], where, "end")
        if end < start:
            raise ReferenceFileError(f"{where}: region ends ({end}) before it starts ({start})")
        out.setdefault(fields[0], []).append((start, end))
    return {uri: sorted(spans) for uri, spans in out.items()}
