"""``annotator finetune PROJECT --out MODEL``: learn from a project's confirmed labels.

Prints a before/after table of F1 per class on the held-out recordings; the new model file
carries both in its metrics, and the starting model is never overwritten.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from annotator.commands.outcome import EXIT_OK, CliError


def _f1(scores: dict[str, Any] | None, cls: str) -> str:
    if not scores or cls not in scores["classes"]:
        return "  –  "
    return f"{scores['classes'][cls]['f1']:.3f}"


def format_scores(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    if before is None or after is None:
        return ["no held-out recordings: F1 before/after not measured"]
    lines = ["held-out F1   before   after"]
    for cls in after["classes"]:
        lines.append(f"  {cls:<10}  {_f1(before, cls):>6}   {_f1(after, cls):>6}")
    b, a = before["summary_f1"], after["summary_f1"]
    if not (math.isnan(b) or math.isnan(a)):
        lines.append(f"  {'summary':<10}  {b:>6.3f}   {a:>6.3f}")
    return lines


def run_finetune(args: argparse.Namespace) -> int:
    from annotator.commands.explain import default_model
    from annotator.core import Project, ProjectError
    from annotator.learn import FinetuneConfig, LearnError, finetune_project
    from segmenter.errors import Cancelled, SegmenterError

    model = Path(args.model) if args.model else default_model()
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
            device=args.device,
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
        f"trained on {len(result.train_files)} recording(s) ({result.frames} labelled frames), "
        f"held out {len(result.held_out_files)}"
    )
    print("\n".join(format_scores(result.before, result.after)))
    print(f"wrote {result.output}")
    return EXIT_OK
