"""CSV ↔ `Annotation`: one row per segment, ``onset,offset,lane,label``, for spreadsheets.

Layout: a header row naming the four columns, then one row per segment, times in seconds::

    onset,offset,lane,label
    0.5,1.25,speech,speech
    2.0,3.5,notes,"laughs, then says ""hi"" twice"

Rules (documented choices):
- Writing: UTF-8 with a byte-order mark, because that is how Excel recognises UTF-8 (without
  one it reads the file as the Windows code page and garbles "é"); LibreOffice, pandas and
  Python's ``utf-8-sig`` skip it. Comma-separated, fields quoted only when needed (RFC 4180,
  ``\\r\\n`` line ends, which is what the csv module and spreadsheets write). Rows are grouped
  by lane, in lane order, then by time, so that reading gives the lanes back in their order.
  Times are written with ``repr`` (shortest exact form): the round trip is lossless (but for
  a carriage return inside a label, which reads back as a line break, as in every text
  format here).
- Reading: UTF-8 with or without the byte-order mark. The header row decides the column
  order (any order; names compared ignoring case and surrounding spaces) and the delimiter:
  ``,``, or ``;`` / tab as spreadsheets in locales with a decimal comma write them, in which
  case ``1,5`` is read as 1.5. Missing or unknown columns are refused (an extra column would be
  lost on the next export). Blank rows are skipped. Onset and offset must be finite numbers
  >= 0 with offset > onset, the lane non-blank, and segments of one lane must not overlap;
  every problem is one line naming the file and the row's line.
- Not representable, hence lost: lanes without segments, confidence and source (imported
  segments are ``Source.HUMAN``), the recording, provenance. A spreadsheet may take a label
  starting with ``=`` for a formula: we write labels as they are.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from pathlib import Path

from annotator.core.annotation import Annotation, RecordingInfo
from annotator.core.errors import AnnotationError
from annotator.core.lane import Lane
from annotator.core.segment import Segment
from annotator.formats._io import read_text, write_text
from annotator.formats.errors import FormatError

COLUMNS = ("onset", "offset", "lane", "label")
_DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


# --- reading --------------------------------------------------------------------------------
def read_csv(path: str | Path) -> Annotation:
    """Read a segment table (rules in the module docstring)."""
    return csv_from_text(read_text(path), path)


def _header(text: str, path: str | Path) -> tuple[str, list[str]]:
    """The delimiter and the column names of the first non-blank line."""
    first = next((line for line in text.split("\n") if line.strip()), None)
    if first is None:
        raise FormatError(path, f"empty file: expected a header row {','.join(COLUMNS)}")
    line = text.split("\n").index(first) + 1
    for delimiter in _DELIMITERS:
        names = [n.strip().lower() for n in next(csv.reader([first], delimiter=delimiter))]
        if set(COLUMNS) <= set(names):
            unknown = [n for n in names if n not in COLUMNS]
            if unknown or len(names) != len(set(names)):
                extra = ", ".join(repr(n) for n in unknown) or "a repeated column"
                raise FormatError(
                    path, f"unknown column {extra} (expected {', '.join(COLUMNS)})", line
                )
            return delimiter, names
    missing = [c for c in COLUMNS if c not in first.lower()]
    raise FormatError(
        path,
        f"missing column(s) {', '.join(missing) or 'in the header'}: the first row must name "
        f"{','.join(COLUMNS)}",
        line,
    )


def _time(text: str, what: str, decimal_comma: bool, path: str | Path, line: int) -> float:
    raw = text.strip()
    candidate = raw.replace(",", ".") if decimal_comma else raw
    if not _NUMBER.fullmatch(candidate):
        if candidate.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise FormatError(path, f"{what} must be a finite number, got {raw!r}", line)
        raise FormatError(path, f"{what} is not a number: {raw!r}", line)
    value = float(candidate)
    if not math.isfinite(value):
        raise FormatError(path, f"{what} is too large: {raw!r}", line)
    if value < 0:
        raise FormatError(path, f"{what} must be >= 0, got {raw}", line)
    return value


def csv_from_text(text: str, path: str | Path = "<text>") -> Annotation:
    """Parse CSV text; ``path`` only names the source in error messages."""
    text = text.removeprefix("\ufeff")
    delimiter, names = _header(text, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lanes: dict[str, list[tuple[Segment, int]]] = {}
    seen_header = False
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if not seen_header:
                seen_header = True
                continue
            if len(row) != len(names):
                raise FormatError(
                    path,
                    f"expected {len(names)} fields ({','.join(names)}), found {len(row)}",
                    line,
                )
            cells = dict(zip(names, row, strict=True))
            comma = delimiter != ","
            onset = _time(cells["onset"], "onset", comma, path, line)
            offset = _time(cells["offset"], "offset", comma, path, line)
            if offset <= onset:
                what = "equals" if offset == onset else "is before"
                raise FormatError(
                    path, f"offset {cells['offset'].strip()} {what} onset {cells['onset'].strip()}",
                    line,
                )  # fmt: skip
            lane = cells["lane"]
            if not lane.strip():
                raise FormatError(path, "the lane is empty", line)
            lanes.setdefault(lane, []).append((Segment(onset, offset, cells["label"]), line))
    except csv.Error as exc:
        raise FormatError(path, f"not valid CSV ({exc})", reader.line_num) from None
    return Annotation([_lane(name, rows, path) for name, rows in lanes.items()],
                      recording=RecordingInfo())  # fmt: skip


def _lane(name: str, rows: list[tuple[Segment, int]], path: str | Path) -> Lane:
    lane = Lane(name)
    for segment, line in sorted(rows, key=lambda r: r[0]):
        try:
            lane.add(segment)
        except AnnotationError as exc:
            raise FormatError(path, str(exc), line) from None
    return lane


# --- writing --------------------------------------------------------------------------------
def csv_text(annotation: Annotation) -> str:
    """The table as text, without the byte-order mark `write_csv` puts in front."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for lane in annotation:
        for segment in lane:
            writer.writerow((repr(segment.start), repr(segment.end), lane.name, segment.label))
    return out.getvalue()


def write_csv(annotation: Annotation, path: str | Path) -> None:
    """Write the segment table as UTF-8 with a byte-order mark, atomically."""
    write_text(path, codecs.BOM_UTF8.decode("utf-8") + csv_text(annotation))
