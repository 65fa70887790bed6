"""``annotator finetune PROJECT --out MODEL``: learn from a project's confirmed labels.

Prints the report of :mod:`annotator.learn.report` — data per class, held-out before/after,
the forgetting check on the shipped demo, threshold changes — and writes the new model unless
the forgetting check refuses it (exit code 1; ``--allow-forgetting`` saves it with a warning).
The starting model is never overwritten.
"""

from __future__ import annotations

import argparse
import sys

from annotator.commands.outcome import EXIT_FAILED, EXIT_OK, CliError


def _classes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(c.strip() for c in text.split(",") if c.strip())
    if not names:
        raise CliError("--classes: give at least one class, e.g. --classes sp,ov")
    return names


def run_finetune(args: argparse.Namespace) -> int:
    from annotator.commands.explain import model_or_default
    from annotator.core import Project, ProjectError
    from annotator.learn import FinetuneConfig, LearnError, finetune_project, format_report
    from segmenter.errors import Cancelled, SegmenterError

    model = model_or_default(args.model)
    if not model.is_file():
        raise CliError(f"{model}: no such model file")
    try:
        project = Project.open(args.project)
    except ProjectError as exc:
        raise CliError(str(exc)) from exc
    try:
        config = FinetuneConfig(
            steps=args.steps, lr=args.lr, train_psi=args.psi, held_out=args.held_out,
            tune_thresholds=not args.no_thresholds, include=args.include, seed=args.seed,
            device=args.device, classes=_classes(args.classes),
            allow_forgetting=args.allow_forgetting,
        )  # fmt: skip
    except LearnError as exc:
        raise CliError(str(exc)) from exc

    def show(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%} {message:<50}", end="", file=sys.stderr, flush=True)

    progress = None if args.quiet else show
    try:
        result = finetune_project(
            project, model, args.out, config, overwrite=args.force, progress=progress
        )
    except LearnError as exc:
        raise CliError(str(exc)) from exc
    except Cancelled as exc:
        raise CliError(f"{args.project}: {exc}") from exc
    except SegmenterError as exc:
        raise CliError(str(exc)) from exc
    finally:
        if progress is not None:
            print(file=sys.stderr)
    for warning in result.warnings:
        print(f"annotator: warning: {warning}", file=sys.stderr)
    print(
        f"trained {', '.join(result.report.trained)} on {len(result.train_files)} recording(s) "
        f"({result.frames} labelled frames), held out {len(result.held_out_files)}"
    )
    print("\n".join(format_report(result.report)))
    if not result.saved:
        for refusal in result.refusals:
            print(
                f"annotator: {refusal}; pass --allow-forgetting to save it anyway",
                file=sys.stderr,
            )
        return EXIT_FAILED
    print(f"wrote {result.output}")
    return EXIT_OK
