"""ELAN local recognizer: label ELAN's linked recording and hand back one tier per class.

ELAN (``LocalRecognizer``) starts the launcher named in ``nmf-annotator.cmdi`` in the
recognizer's folder, writes the parameters to its standard input as XML::

    <?xml version="1.0" encoding="UTF-8"?>
    <PARAM xmlns:xsi="..." xsi:noNamespaceSchemaLocation="file:avatech-call.xsd">
    <param name="InvocationContext">nmf_annotator_segmenter 2024-01-01 12:00:00+0100</param>
    <param name="source">/data/rec.wav</param>
    <param name="speech_onset">0.0</param>
    <param name="tiers">/data/rec_tiers.xml</param>
    </PARAM>

and reads the merged stdout/stderr line by line: ``PROGRESS: <fraction> <message>`` moves its
progress bar, ``RESULT: DONE.`` makes it import the output files, ``RESULT: FAILED.`` reports
an error; every line also goes to the recognizer's report, so errors are printed as one plain
line just before ``RESULT: FAILED.``. The output is AVATecH tier XML as ELAN's ``XmlTierIO``
reads it: ``<TIERS>`` holding one ``<TIER columns="NAME">`` per tier, each annotation a
``<span start=".." end=".."><v>value</v></span>``. Times must contain a decimal point
(ELAN reads a time without one as milliseconds) and tier names no whitespace (``columns`` is
split on it).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from annotator.core import Annotation
from annotator.core.errors import AnnotatorError

ONSET_PARAMS = {"speech": "speech_onset", "music": "music_onset", "noise": "noise_onset",
                "overlap": "overlap_onset"}  # fmt: skip
DEFAULT_CLASSES = ("speech", "music", "noise", "overlap")


class RecognizerError(AnnotatorError):
    """A problem to report to the ELAN user in one line."""


def read_parameters(text: str) -> dict[str, str]:
    """``{name: value}`` from ELAN's ``<PARAM>`` document (values unescaped, stripped)."""
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as exc:
        raise RecognizerError(f"cannot read the parameters ELAN sent ({exc})") from exc
    return {
        el.get("name", ""): (el.text or "").strip()
        for el in root.iter()
        if el.tag.rsplit("}", 1)[-1] == "param" and el.get("name")
    }


def _number(params: Mapping[str, str], name: str) -> float:
    raw = params.get(name, "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise RecognizerError(f"parameter {name}: {raw!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise RecognizerError(f"parameter {name}: {value} is not between 0 and 1")
    return value


def _file_path(value: str) -> Path:
    """ELAN strips ``file:`` from most paths; strip what is left of a URL form too."""
    if value.startswith("file://"):
        value = value[len("file://") :]
    elif value.startswith("file:"):
        value = value[len("file:") :]
    return Path(value)


def prelabeler_options(params: Mapping[str, str]) -> dict[str, Any]:
    """The NMF pre-labeler's options from ELAN's parameters (0 onsets keep the model's)."""
    from annotator.integrations.thresholds import (
        ThresholdError,
        model_thresholds,
        resolve_thresholds,
    )
    from annotator.resources import ResourceMissing

    options: dict[str, Any] = {}
    model = params.get("model", "").strip()
    if model:
        path = _file_path(model)
        if not path.is_file():
            raise RecognizerError(f"{path}: no such model file")
        options["model"] = str(path)
    device = params.get("device", "").strip() or "auto"
    if device != "auto":
        options["device"] = device
    requests = [
        (lane, onset, None)
        for lane, name in ONSET_PARAMS.items()
        if (onset := _number(params, name)) > 0
    ]
    if requests:
        from annotator.integrations.thresholds import class_code

        try:
            stored = model_thresholds(options.get("model"))
            coded = [(class_code(lane), onset, off) for lane, onset, off in requests]
            options["thresholds"] = resolve_thresholds(coded, stored)
        except (ThresholdError, ResourceMissing) as exc:
            raise RecognizerError(str(exc)) from exc
    return options


def wanted_classes(params: Mapping[str, str]) -> list[str]:
    text = params.get("classes", "").replace(",", " ")
    return [c.strip().lower() for c in text.split()] or list(DEFAULT_CLASSES)


def tiers_xml(annotation: Annotation, lanes: Iterable[str]) -> str:
    """AVATecH multi-tier XML: one ``TIER`` per lane, in the order given."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<TIERS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:noNamespaceSchemaLocation="file:avatech-tiers.xsd">']  # fmt: skip
    for name in lanes:
        tier_name = "_".join(name.split())
        lines.append(f"    <TIER columns={quoteattr(tier_name)}>")
        for segment in annotation.lane(name):
            value = escape(segment.label or name)
            lines.append(
                f'        <span start="{segment.start:.3f}" end="{segment.end:.3f}">'
                f"<v>{value}</v></span>"
            )
        lines.append("    </TIER>")
    lines.append("</TIERS>")
    return "\n".join(lines) + "\n"


def recognize(
    params: Mapping[str, str], report: Callable[[float, str], None] = lambda f, m: None
) -> Path:
    """Label ``source`` and write the ``tiers`` output; returns the output path."""
    from annotator.extensions import PluginError, create_prelabeler, to_annotation

    source = _file_path(params.get("source", "").strip())
    if not str(source) or not source.is_file():
        raise RecognizerError(f"{source}: the recording is missing (link a WAV file in ELAN)")
    target = params.get("tiers", "").strip()
    if not target:
        raise RecognizerError("no output file for the tiers (parameter 'tiers')")
    output = _file_path(target)
    classes = wanted_classes(params)
    report(0.02, "loading the model")
    try:
        prelabeler = create_prelabeler("nmf", prelabeler_options(params),
                                       optional={"device": "auto"})  # fmt: skip
    except PluginError as exc:
        raise RecognizerError(str(exc)) from exc
    report(0.1, f"labelling {source.name}")
    result = prelabeler(source, progress=lambda f, m: report(0.1 + 0.85 * float(f), m or ""))
    annotation = to_annotation(result)
    unknown = [c for c in classes if c not in annotation]
    if unknown:
        raise RecognizerError(
            f"classes {', '.join(unknown)} are not produced by this model "
            f"(it gives {', '.join(annotation.lane_names)})"
        )
    report(0.97, "writing the tiers")
    try:
        output.write_text(tiers_xml(annotation, classes), encoding="utf-8")
    except OSError as exc:
        raise RecognizerError(f"{output}: cannot write the tiers ({exc.strerror})") from exc
    return output


def _read_all(stream: TextIO) -> str:
    """ELAN declares UTF-8 but writes in the platform's charset (cp1252 on many Windows
    machines): try UTF-8, then the locale's encoding."""
    raw = getattr(stream, "buffer", None)
    if raw is None:
        return stream.read()
    data = raw.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        import locale

        return data.decode(locale.getpreferredencoding(False), errors="replace")


def main(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Entry point of the launcher: parameters from stdin, ELAN's protocol on stdout."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        fraction = min(1.0, max(last[0], fraction))  # ELAN ignores a step back anyway
        last[0] = fraction
        text = " ".join(str(message).split())
        print(f"PROGRESS: {fraction:.3f} {text}".rstrip(), file=out, flush=True)

    try:
        path = recognize(read_parameters(_read_all(stdin)), report)
    except RecognizerError as exc:
        print(f"ERROR: {exc}", file=out, flush=True)
        print("RESULT: FAILED.", file=out, flush=True)
        return 1
    except Exception as exc:  # a model or audio error from the segmenter, said in one line
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"ERROR: {type(exc).__name__}: {message}", file=out, flush=True)
        print("RESULT: FAILED.", file=out, flush=True)
        return 1
    print(f"INFO: tiers written to {path}", file=out, flush=True)
    print("RESULT: DONE.", file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
