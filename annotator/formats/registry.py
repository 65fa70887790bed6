"""Choosing a format by name or file extension, and the two entry points the CLI and GUI use.

`FORMATS` is the table of built-in formats; `read_annotation` / `write_annotation` pick one by
``format`` name or by the file's extension and always fail with a one-line `FormatError` (also
for a missing file, a folder, or no permission), never with another exception type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.annotation import Annotation
from annotator.formats.audacity import read_audacity, write_audacity
from annotator.formats.csvfile import read_csv, write_csv
from annotator.formats.eaf import read_eaf, write_eaf
from annotator.formats.errors import FormatError
from annotator.formats.jsonfile import read_json, write_json
from annotator.formats.rttm import read_rttm, read_rttm_one, write_rttm
from annotator.formats.textgrid import read_textgrid, write_textgrid


@dataclass(frozen=True)
class Format:
    """One file format: its name, the extensions that select it, and its reader and writer."""

    name: str
    #: Matched case-insensitively; the first one is what we write (Praat spells ``.TextGrid``).
    extensions: tuple[str, ...]
    reader: Callable[..., Annotation]
    writer: Callable[..., None]
    description: str
    #: For formats that hold several recordings per file (RTTM): path -> {file_id: annotation}.
    read_all: Callable[..., dict[str, Annotation]] | None = None


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("textgrid", (".TextGrid",), read_textgrid, write_textgrid, "Praat TextGrid"),
        Format(
            "rttm", (".rttm",), read_rttm_one, write_rttm, "NIST RTTM (speaker turns)", read_rttm
        ),
        Format("audacity", (".txt",), read_audacity, write_audacity, "Audacity label track"),
        Format("json", (".json",), read_json, write_json, "nmf-annotator JSON (lossless)"),
        Format("eaf", (".eaf",), read_eaf, write_eaf, "ELAN annotation file"),
        Format("csv", (".csv",), read_csv, write_csv, "CSV table (onset, offset, lane, label)"),
    )
}


def format_for(path: str | Path, format: str | None = None) -> Format:
    """The format named ``format``, else the one whose extension ``path`` has (any case)."""
    if format is not None:
        try:
            return FORMATS[format.lower()]
        except KeyError:
            names = ", ".join(FORMATS)
            raise FormatError(path, f"unknown format {format!r} (known: {names})") from None
    suffix = Path(path).suffix.lower()
    for candidate in FORMATS.values():
        if suffix in (ext.lower() for ext in candidate.extensions):
            return candidate
    known = ", ".join(ext for f in FORMATS.values() for ext in f.extensions)
    shown = f"extension {suffix!r}" if suffix else "no extension"
    raise FormatError(path, f"cannot tell the format from {shown} (known: {known})")


def read_annotation(path: str | Path, format: str | None = None, **options: Any) -> Annotation:
    """Read one annotation; ``options`` go to the reader (e.g. ``file_id=`` for RTTM)."""
    chosen = format_for(path, format)
    try:
        return chosen.reader(path, **options)
    except FormatError:
        raise
    except (TypeError, ValueError, OSError) as exc:  # bad options, or an OS failure we missed
        raise FormatError(path, f"cannot read as {chosen.description}: {exc}") from None


def read_annotations(path: str | Path, format: str | None = None) -> dict[str, Annotation]:
    """Every annotation a file holds, by recording id: all file-ids of an RTTM file, else one
    entry named after the file's stem (an empty RTTM gives one empty annotation too)."""
    chosen = format_for(path, format)
    try:
        if chosen.read_all is not None:
            found = chosen.read_all(path)
            if found:
                return found
        return {Path(path).stem: chosen.reader(path)}
    except FormatError:
        raise
    except (TypeError, ValueError, OSError) as exc:
        raise FormatError(path, f"cannot read as {chosen.description}: {exc}") from None


def write_annotation(
    annotation: Annotation,
    path: str | Path,
    format: str | None = None,
    *,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Write atomically (an old file stays intact on failure); ``options`` go to the writer,
    e.g. ``{"format": "short"}`` for TextGrid, ``{"uri": ...}`` for RTTM, ``{"lane": ...}``
    for Audacity."""
    chosen = format_for(path, format)
    try:
        chosen.writer(annotation, path, **dict(options or {}))
    except FormatError:
        raise
    except (TypeError, ValueError, OSError) as exc:
        raise FormatError(path, f"cannot write as {chosen.description}: {exc}") from None
