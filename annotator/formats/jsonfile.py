"""Our own JSON: ``Annotation.to_dict()`` in a versioned envelope, validated strictly on read.

The file is ``{"format": "nmf-annotator", "version": 1, "recording": ..., "lanes": [...],
"provenance": [...], "passthrough": [...]}``. It is the only format that keeps everything
(confidence, source, provenance, carried tiers), so it is what the sidecar and tests rely on;
times and labels exactly, confidences to 3 decimals (so that outputs are reproducible).
Reading checks every field's type before building the model, and reports the JSON path of the
first bad value (``lanes[2].segments[5].end: expected a number``); syntax errors carry the
line. A higher ``version`` is refused with a message saying a newer release wrote it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from annotator.core.annotation import Annotation
from annotator.core.errors import AnnotationError
from annotator.core.json_text import escape_lone_surrogates
from annotator.core.segment import Source
from annotator.formats._io import read_text, write_text
from annotator.formats.errors import FormatError

FORMAT_NAME = "nmf-annotator"
VERSION = 1
#: Confidences are model posteriors: 3 decimals say all they mean (times and labels, what
#: people type, are written exactly).
CONFIDENCE_DECIMALS = 3


class _Bad(Exception):
    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a text",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)  # fmt: skip


def _check_object(value: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(where, f"expected an object, found {_kind(value)}")
    missing = required - value.keys()
    if missing:
        raise _Bad(where, f"missing field {sorted(missing)[0]!r}")
    unknown = value.keys() - required - optional
    if unknown:
        raise _Bad(where, f"unknown field {sorted(unknown)[0]!r}")
    return value


def _check(value: Any, where: str, *types: str) -> None:
    ok = {
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "text": isinstance(value, str),
        "null": value is None,
        "list": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    if not any(ok[t] for t in types):
        wanted = " or ".join(
            {"int": "a whole number", "null": "null"}.get(t, f"a {t}") for t in types
        )
        raise _Bad(where, f"expected {wanted}, found {_kind(value)}")
    if ok.get("number") and isinstance(value, float) and not math.isfinite(value):
        raise _Bad(where, "expected a finite number")


def validate(data: Any) -> None:
    """Raise ``_Bad`` naming the first value that does not fit the version-1 schema."""
    _check_object(
        data, "", {"format", "version", "lanes"}, {"recording", "provenance", "passthrough"}
    )
    if data["format"] != FORMAT_NAME:
        raise _Bad("format", f"expected {FORMAT_NAME!r}, found {data['format']!r}")
    _check(data["version"], "version", "int")
    if data["version"] > VERSION:
        raise _Bad("version", f"{data['version']} was written by a newer nmf-annotator")
    if data["version"] < 1:
        raise _Bad("version", f"unknown version {data['version']}")
    recording = data.get("recording", {})
    _check_object(recording, "recording", set(), {"path", "duration", "sample_rate", "checksum"})
    _check(recording.get("path", ""), "recording.path", "text")
    _check(recording.get("duration"), "recording.duration", "number", "null")
    _check(recording.get("sample_rate"), "recording.sample_rate", "int", "null")
    _check(recording.get("checksum"), "recording.checksum", "text", "null")
    _check(data["lanes"], "lanes", "list")
    for i, lane in enumerate(data["lanes"]):
        where = f"lanes[{i}]"
        _check_object(lane, where, {"name"}, {"segments"})
        _check(lane["name"], f"{where}.name", "text")
        _check(lane.get("segments", []), f"{where}.segments", "list")
        for j, segment in enumerate(lane.get("segments", [])):
            at = f"{where}.segments[{j}]"
            _check_object(segment, at, {"start", "end"}, {"label", "confidence", "source"})
            _check(segment["start"], f"{at}.start", "number")
            _check(segment["end"], f"{at}.end", "number")
            _check(segment.get("label", ""), f"{at}.label", "text")
            _check(segment.get("confidence"), f"{at}.confidence", "number", "null")
            source = segment.get("source", Source.HUMAN.value)
            if source not in {s.value for s in Source}:
                raise _Bad(f"{at}.source", f"expected 'model' or 'human', found {source!r}")
    _check(data.get("provenance", []), "provenance", "list")
    for i, item in enumerate(data.get("provenance", [])):
        where = f"provenance[{i}]"
        _check_object(item, where, {"tool"}, {"lanes", "model", "parameters", "created"})
        _check(item["tool"], f"{where}.tool", "text")
        _check(item.get("lanes", []), f"{where}.lanes", "list")
        for k, name in enumerate(item.get("lanes", [])):
            _check(name, f"{where}.lanes[{k}]", "text")
        _check(item.get("model"), f"{where}.model", "text", "null")
        _check(item.get("parameters", {}), f"{where}.parameters", "object")
        _check(item.get("created"), f"{where}.created", "text", "null")
    _check(data.get("passthrough", []), "passthrough", "list")
    for i, item in enumerate(data.get("passthrough", [])):
        _check(item, f"passthrough[{i}]", "object")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_from_text(text: str, path: str | Path = "<text>") -> Annotation:
    """Parse and validate our JSON; ``path`` only names the source in error messages."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise FormatError(path, f"not valid JSON: {exc}") from None
    try:
        validate(data)
        return Annotation.from_dict(data)
    except _Bad as exc:
        raise FormatError(path, str(exc)) from None
    except (AnnotationError, OverflowError) as exc:  # overlaps in a lane, end <= start, 1e400
        raise FormatError(path, f"invalid annotation: {exc}") from None


def read_json(path: str | Path) -> Annotation:
    """Read an annotation written by `write_json` (strictly validated)."""
    return json_from_text(read_text(path), path)


def json_text(annotation: Annotation) -> str:
    """The JSON text `write_json` writes (UTF-8, indented, non-ASCII kept readable).

    Segments hidden under a lane's confidence floor are left out, as from every export: what
    the person sees is what is exported (the sidecar keeps them). Confidences are rounded to 3
    decimals, as in RTTM: posteriors from other thread counts (``label --jobs``) differ in
    their last float bits, and the same labels should give the same bytes."""
    body = annotation.to_dict(keep_hidden=False)
    for lane in body["lanes"]:
        for segment in lane["segments"]:
            if segment.get("confidence") is not None:
                segment["confidence"] = round(segment["confidence"], CONFIDENCE_DECIMALS)
    envelope = {"format": FORMAT_NAME, "version": VERSION, **body}
    text = json.dumps(envelope, ensure_ascii=False, allow_nan=False, indent=1) + "\n"
    return escape_lone_surrogates(text)


def write_json(annotation: Annotation, path: str | Path) -> None:
    """Write ``annotation`` as our JSON, atomically."""
    try:
        text = json_text(annotation)
    except (TypeError, ValueError) as exc:  # passthrough holding something JSON cannot say
        raise FormatError(path, f"cannot be written as JSON: {exc}") from None
    write_text(path, text)
