"""NIST UEM files: the scored regions of each recording (``<file-id> <channel> <start> <end>``).

Read here rather than through `segmenter.training` because the formats package stays free of
the segmenter (and of torch, which importing that package would load); only the standard-library
interval algebra `segmenter.spans` is shared. The rules are the same: blank lines and ``;;``
comments skipped, four fields, finite non-negative times, end ≥ start; regions of one file
sorted and joined where they overlap or touch (an empty region scores nothing and is dropped).
"""

from __future__ import annotations

import math
from pathlib import Path

from annotator.formats._io import read_text
from annotator.formats.errors import FormatError
from segmenter.spans import union

Spans = list[tuple[float, float]]


def read_uem(path: str | Path) -> dict[str, Spans]:
    """Scored regions per file-id; a malformed line is a `FormatError` naming it."""
    out: dict[str, Spans] = {}
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith(";;"):
            continue
        if len(fields) != 4:
            raise FormatError(path, f"line {number}: a UEM line has 4 fields, found {len(fields)}")
        try:
            start, end = float(fields[2]), float(fields[3])
        except ValueError:
            raise FormatError(path, f"line {number}: start and end must be numbers") from None
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            raise FormatError(path, f"line {number}: region {fields[2]}–{fields[3]} is not valid")
        out.setdefault(fields[0], []).append((start, end))
    return {uri: union(spans) for uri, spans in out.items()}
