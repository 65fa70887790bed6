"""Import and export between the open document and annotation files (via annotator.formats).

Export writes the current labels as they are (unsaved edits included) through the format
writers, which replace files atomically. Import is an ordinary undoable edit: lanes missing in
the document are added, an empty lane of the same name is filled, and a lane that already holds
segments gets its imported twin ``<name> (imported)`` so nothing is overwritten silently. What
the file carries besides lanes (an ELAN file's dependent tiers, vocabularies and media links,
a TextGrid's point tiers) comes along in the same step, replacing what an earlier import of
that format brought, so that exporting back to the format gives those parts back untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.core import AddLane, AddSegment, Annotation, Edit, EditGroup
from annotator.core.carried import CarryLayers
from annotator.formats import FORMATS, annotation_of_recording, write_annotation
from annotator.formats.matching import Choose
from annotator.formats.rttm import labels_rttm_drops

EXPORT_FORMATS = ("textgrid", "rttm", "audacity", "json", "eaf", "csv")


def file_filter(format_name: str) -> str:
    fmt = FORMATS[format_name]
    patterns = " ".join(f"*{ext}" for ext in fmt.extensions)
    if format_name == "textgrid":
        patterns = "*.TextGrid *.textgrid"
    elif format_name == "eaf":
        patterns = "*.eaf *.EAF"
    return f"{fmt.description} ({patterns})"


def import_filter() -> str:
    return ";;".join([*(file_filter(name) for name in EXPORT_FORMATS), "All files (*)"])


def default_export_path(recording: Path, format_name: str) -> Path:
    suffix = ".TextGrid" if format_name == "textgrid" else FORMATS[format_name].extensions[0]
    return recording.with_suffix(suffix)


def export_annotation(annotation: Annotation, path: Path, format_name: str) -> None:
    """Write ``annotation`` as ``format_name``; raises `FormatError` with one line."""
    write_annotation(annotation, path, format_name)


def labels_lost_in(annotation: Annotation, format_name: str) -> str:
    """What exporting as ``format_name`` would lose of what the person typed, in words, or ''.
    Only RTTM drops anything: the label field of a class lane's turn holds the class."""
    if format_name != "rttm":
        return ""
    dropped = labels_rttm_drops(annotation)
    if not dropped:
        return ""
    listed = "; ".join(
        f"{lane}: {', '.join(repr(x) for x in labels[:4])}{', …' if len(labels) > 4 else ''}"
        for lane, labels in dropped.items()
    )
    return (
        f"RTTM writes the class, not the typed label, of class-lane segments ({listed}). "
        "TextGrid and JSON keep them."
    )


def import_edit(target: Annotation, path: Path, choose: Choose | None = None) -> Edit | None:
    """An undoable edit that brings the lanes of ``path`` into ``target``: from a file with
    several recordings, those of ``target``'s recording (``choose`` asks when none matches;
    None when the person declined)."""
    source = annotation_of_recording(path, target.recording.path or path, choose=choose)
    if source is None:
        return None
    edits: list[Edit] = []
    names = set(target.lane_names)
    renamed: dict[str, str] = {}
    for lane in source:
        if not len(lane):
            continue
        name = lane.name
        if name in names and len(target.lane(name)):
            name = f"{lane.name} (imported)"
            suffix = 2
            while name in names:
                name, suffix = f"{lane.name} (imported {suffix})", suffix + 1
            renamed[lane.name] = name
        if name not in names:
            edits.append(AddLane(name))
            names.add(name)
        edits.extend(AddSegment(name, segment) for segment in lane)
    for format_name in dict.fromkeys(str(p.get("format")) for p in source.passthrough):
        layers = [
            _renamed(p, renamed) for p in source.passthrough if p.get("format") == format_name
        ]
        edits.append(CarryLayers(format_name, layers, path.name))
    return EditGroup(edits, f"Import {path.name}")


def _renamed(layer: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    """A carried layer whose per-lane settings (ELAN's ``lanes``: tier attributes and
    annotation ids) follow the lanes renamed on import, so dependents stay attached."""
    lanes = layer.get("lanes")
    if not renamed or not isinstance(lanes, dict):
        return layer
    return {**layer, "lanes": {renamed.get(name, name): meta for name, meta in lanes.items()}}
