"""``annotator explain FILE --out DIR``: why the model labels what it labels, as files.

For each class: the relevant components (paper rule, relevance >= --threshold over the frames
the model labels the class), each with its spectrum and activation as PNG, and a JSON summary
with every component's relevance, plain-words descriptions and the logit identity check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.commands.outcome import EXIT_OK, CliError


def model_or_default(given: str | None) -> Path:
    """``--model``, or the shipped default model; a `CliError` (one line) when neither."""
    from annotator.resources import ResourceMissing, default_model

    if given:
        return Path(given)
    try:
        return default_model()
    except ResourceMissing as exc:
        raise CliError(str(exc)) from None


def parse_classes(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise CliError("--classes: name at least one class (e.g. sp,mu or speech,music)")
    return names


def _progress(quiet: bool):
    if quiet:
        return None

    def show(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%} {message:<40}", end="", file=sys.stderr, flush=True)

    return show


def run_explain(args: argparse.Namespace) -> int:
    from annotator.review.evidence import ReviewError
    from annotator.review.export import explain_recording
    from segmenter.errors import SegmenterError

    audio = Path(args.file)
    if not audio.is_file():
        raise CliError(f"{audio}: no such recording")
    model = model_or_default(args.model)
    if not model.is_file():
        raise CliError(f"{model}: no such model file")
    if not 0.0 < args.threshold <= 1.0:
        raise CliError(f"--threshold {args.threshold:g}: must lie in (0, 1]")
    if args.max_figures < 0:
        raise CliError(f"--max-figures {args.max_figures}: must be 0 or more")
    progress = _progress(args.quiet)
    try:
        result = explain_recording(
            audio, model, args.out, classes=parse_classes(args.classes),
            threshold=args.threshold, device=args.device, max_figures=args.max_figures,
            progress=progress,
        )  # fmt: skip
    except ReviewError as exc:
        raise CliError(f"{audio}: {exc}") from exc
    except SegmenterError as exc:  # names the recording or the model file already
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"{exc.filename or args.out}: {exc.strerror or exc}") from exc
    finally:
        if progress is not None:
            print(file=sys.stderr)
    doc = result.document
    check = doc["logit_check"]
    for code, entry in doc["classes"].items():
        ks = ", ".join(str(c["k"]) for c in entry["relevant"][:8])
        more = " …" if len(entry["relevant"]) > 8 else ""
        print(f"{entry['lane']}: {len(entry['relevant'])} relevant component(s) [{ks}{more}] "
              f"over {entry['region']} ({code})")  # fmt: skip
    status = "ok" if check["ok"] else "MISMATCH"
    print(f"logit identity check: max error {check['max_abs_error']:.2e} ({status})")
    print(f"wrote {result.summary_path} and {len(result.figures)} figure(s)")
    return EXIT_OK
