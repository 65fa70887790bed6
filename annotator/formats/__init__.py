"""Reading and writing annotations: Praat TextGrid, NIST RTTM, Audacity labels, our JSON,
ELAN EAF and CSV tables.

Public API (everything else is an implementation detail)::

    read_annotation(path, format=None, **options) -> Annotation
    read_annotations(path, format=None) -> {recording_id: Annotation}   # all file-ids of an RTTM
    write_annotation(annotation, path, format=None, *, options=None) -> None
    FORMATS: dict[str, Format]            # name -> Format(name, extensions, reader, writer, ...)
    FormatError(path, reason, line=None)  # str(): "<path>:<line>: <reason>", one line

    read_textgrid(path) / write_textgrid(a, path, *, format="long"|"short", encoding="utf-8")
    read_rttm(path) -> {file_id: Annotation} / read_rttm_one(path, file_id=None)
    write_rttm(a, path, *, uri=None) / write_rttm_many({file_id: a}, path)
    read_audacity(path, *, lane=None) / write_audacity(a, path, *, lane=None)
    read_json(path) / write_json(a, path)
    read_eaf(path) / write_eaf(a, path)
    read_csv(path) / write_csv(a, path)

The format is chosen by name or by extension (``.TextGrid``, ``.rttm``, ``.txt`` = Audacity,
``.json``, ``.eaf``, ``.csv``). Every malformed input, missing file, folder or permission problem raises
`FormatError`; every writer replaces its file atomically, so a failed export leaves no partial
file and keeps the previous one. What each format cannot represent (confidence and source in
TextGrid, per-segment labels of class lanes in RTTM, ...) is listed in its module docstring;
only JSON keeps everything. Layers a format carries that are not lanes (Praat point tiers,
RTTM ``SPKR-INFO`` lines, Audacity point labels, ELAN dependent tiers and vocabularies) survive
in ``Annotation.passthrough``, tagged with ``"format"``, and are written back only to their own
format. An entry with ``"kind": "document"`` holds settings of the whole file (ELAN's header,
types and vocabularies), not a tier.
"""

from __future__ import annotations

from annotator.formats.audacity import read_audacity, write_audacity
from annotator.formats.csvfile import read_csv, write_csv
from annotator.formats.eaf import read_eaf, write_eaf
from annotator.formats.errors import FormatError
from annotator.formats.jsonfile import read_json, write_json
from annotator.formats.matching import annotation_of_recording
from annotator.formats.registry import (
    FORMATS,
    Format,
    format_for,
    read_annotation,
    read_annotations,
    write_annotation,
)
from annotator.formats.rttm import read_rttm, read_rttm_one, write_rttm, write_rttm_many
from annotator.formats.textgrid import read_textgrid, write_textgrid

__all__ = [
    "FORMATS",
    "Format",
    "FormatError",
    "annotation_of_recording",
    "format_for",
    "read_annotation",
    "read_annotations",
    "read_audacity",
    "read_csv",
    "read_eaf",
    "read_json",
    "read_rttm",
    "read_rttm_one",
    "read_textgrid",
    "write_annotation",
    "write_audacity",
    "write_csv",
    "write_eaf",
    "write_json",
    "write_rttm",
    "write_rttm_many",
    "write_textgrid",
]
