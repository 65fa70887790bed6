"""Praat TextGrid ↔ `Annotation`: one IntervalTier per lane, other tiers carried untouched.

The seam is praatio's: file ↔ plain dictionary ↔ model. Writing builds praatio's dictionary and
serialises it with ``praatio.utilities.textgrid_io.getTextgridAsStr`` (long or short text
format); reading parses with `annotator.formats._praat_text` (see there why not praatio's
parser) into the same dictionary shape.

Mapping and its limits:
- Each lane becomes an IntervalTier tiling [0, xmax] (empty intervals fill the gaps, as Praat
  expects); xmax is the recording duration when known, else the end of the last segment.
- On reading, every IntervalTier whose name can be a lane (non-blank, not already taken)
  becomes one, its intervals with non-empty text its segments (text kept byte for byte: spaces
  and quotes included). Point tiers and the remaining interval tiers go into
  ``annotation.passthrough`` with their position and are written back in place.
- Not representable, hence lost: segment confidence and source (imported segments are
  ``Source.HUMAN``), segments whose label is the empty string (Praat's "unlabelled"), the
  TextGrid's own xmin when it is not 0 (we write from 0; carried tiers get the TextGrid's
  domain), provenance and the recording's path/checksum.
- Times are written with ``repr`` (shortest exact form), so a round trip is lossless. praatio's
  default removal of intervals shorter than 1e-8 s is switched off.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, Literal

from praatio.utilities import textgrid_io

from annotator.core.annotation import Annotation, RecordingInfo
from annotator.core.errors import AnnotationError
from annotator.core.lane import Lane
from annotator.core.segment import Segment
from annotator.formats._io import read_text, write_text
from annotator.formats._praat_text import INTERVAL_TIER, parse_textgrid
from annotator.formats.errors import FormatError

PASSTHROUGH_FORMAT = "textgrid"
#: Praat's own fallback for BOM-less files that are not UTF-8 ("Windows Latin-1").
LEGACY_ENCODING = "cp1252"

_LAYOUTS = {"long": "long_textgrid", "short": "short_textgrid"}
_BINARY = {b"ooBinaryFile": "binary TextGrid; save it from Praat as a text file"}


# --- reading --------------------------------------------------------------------------------
def read_textgrid(path: str | Path) -> Annotation:
    """Read a Praat text TextGrid (long or short; UTF-8 with or without BOM, or UTF-16)."""
    text = read_text(path, legacy=LEGACY_ENCODING, refuse=_BINARY)
    return textgrid_from_text(text, path)


def textgrid_from_text(text: str, path: str | Path = "<text>") -> Annotation:
    """Parse TextGrid text; ``path`` only names the source in error messages."""
    return annotation_from_dict(parse_textgrid(text, path), path)


def annotation_from_dict(tg: dict[str, Any], path: str | Path = "<text>") -> Annotation:
    """praatio's plain TextGrid dictionary → `Annotation` (see the module docstring)."""
    annotation = Annotation(recording=RecordingInfo(duration=max(tg["xmax"], 0.0)))
    for position, tier in enumerate(tg["tiers"]):
        name = tier["name"]
        is_lane = tier["class"] == INTERVAL_TIER and name.strip() and name not in annotation
        if not is_lane:
            annotation.passthrough.append(_passthrough(tier, position))
            continue
        labelled = [entry for entry in tier["entries"] if entry[2] != ""]
        if labelled and labelled[0][0] < 0:
            raise FormatError(
                path,
                f"tier {name!r} has a labelled interval at {labelled[0][0]:g} s: "
                "negative times are not supported",
                tier.get("line"),
            )
        try:
            segments = [Segment(s, e, label) for s, e, label in labelled]
            annotation.add_lane(Lane(name, segments))
        except AnnotationError as exc:  # e.g. a segment running past the TextGrid end
            raise FormatError(
                path, f"tier {name!r} cannot be a lane: {exc}", tier.get("line")
            ) from None
    return annotation


def _passthrough(tier: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "format": PASSTHROUGH_FORMAT,
        "position": position,
        "class": tier["class"],
        "name": tier["name"],
        "xmin": tier["xmin"],
        "xmax": tier["xmax"],
        "entries": [list(entry) for entry in tier["entries"]],
    }


# --- writing --------------------------------------------------------------------------------
def textgrid_dict(annotation: Annotation) -> dict[str, Any]:
    """`Annotation` → praatio's plain dictionary, passthrough tiers back at their positions."""
    carried = sorted(
        (p for p in annotation.passthrough if p.get("format") == PASSTHROUGH_FORMAT),
        key=lambda p: p.get("position", 0),
    )
    xmin = min([0.0, *(float(p["xmin"]) for p in carried)])
    xmax = annotation.end_time
    xmax = max([xmax, *(float(p["xmax"]) for p in carried)])
    if xmax <= xmin:
        raise ValueError(
            "nothing to write: a TextGrid needs a positive duration "
            "(set the recording duration or add a segment)"
        )
    tiers: list[dict[str, Any]] = [
        {
            "class": INTERVAL_TIER,
            "name": lane.name,
            "xmin": xmin,
            "xmax": xmax,
            "entries": [(s.start, s.end, s.label) for s in lane],
        }
        for lane in annotation
    ]
    for item in carried:
        tier = {  # on the TextGrid's domain: praatio fills interval tiers up to it anyway
            "class": item["class"],
            "name": item["name"],
            "xmin": xmin,
            "xmax": xmax,
            "entries": [tuple(entry) for entry in item["entries"]],
        }
        tiers.insert(min(int(item.get("position", len(tiers))), len(tiers)), tier)
    return {"xmin": xmin, "xmax": xmax, "tiers": tiers}


def textgrid_text(annotation: Annotation, *, format: Literal["long", "short"] = "long") -> str:
    """The TextGrid as text (what `write_textgrid` puts in the file)."""
    if format not in _LAYOUTS:
        raise ValueError(f"TextGrid format must be 'long' or 'short', not {format!r}")
    tg = textgrid_dict(annotation)
    # Interval tiers must tile their range for Praat; point tiers pass through as they are.
    text: str = textgrid_io.getTextgridAsStr(
        tg, _LAYOUTS[format], includeBlankSpaces=True, minimumIntervalLength=None
    )
    return text


def write_textgrid(
    annotation: Annotation,
    path: str | Path,
    *,
    format: Literal["long", "short"] = "long",
    encoding: Literal["utf-8", "utf-16"] = "utf-8",
) -> None:
    """Write ``annotation`` as a Praat text TextGrid, atomically.

    ``encoding="utf-16"`` writes big-endian UTF-16 with a byte-order mark, as Praat itself does
    for non-ASCII text; UTF-8 (no BOM) is the default and is read by Praat 6 and every tool.
    """
    if encoding not in ("utf-8", "utf-16"):
        raise FormatError(path, f"TextGrid encoding must be 'utf-8' or 'utf-16', not {encoding!r}")
    try:
        text = textgrid_text(annotation, format=format)
    except (ValueError, AnnotationError) as exc:
        raise FormatError(path, str(exc)) from None
    if encoding == "utf-16":
        text = codecs.BOM_UTF16_BE.decode("utf-16-be") + text
        write_text(path, text, encoding="utf-16-be")
    else:
        write_text(path, text)
