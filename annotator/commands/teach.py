"""``annotator teach PROJECT --lane NAME --out MODEL``: teach the model a lane, headless.

The command-line twin of the editor's "Teach a new lane from this lane" (:mod:`annotator.teach`):
the lane as a person labelled it on the project's recordings marked done becomes one more class
of a new model file (the starting model is never overwritten); ``annotator label --model MODEL``
then writes it into every output format.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.commands.outcome import EXIT_OK, CliError


def run_teach(args: argparse.Namespace) -> int:
    from annotator.commands.explain import default_model
    from annotator.core import Project, ProjectError
    from annotator.teach import TeachError, teach_lane
    from segmenter.errors import Cancelled, SegmenterError

    model = Path(args.model) if args.model else default_model()
    if not model.is_file():
        raise CliError(f"{model}: no such model file")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out}: exists already; use --force to overwrite")
    try:
        project = Project.open(args.project)
    except ProjectError as exc:
        raise CliError(str(exc)) from exc

    def show(fraction: float, message: str = "") -> None:
        print(f"\r{fraction:4.0%} {message[:50]:<50}", end="", file=sys.stderr, flush=True)

    try:
        result = teach_lane(project, model, args.lane, out, progress=None if args.quiet else show)
    except (TeachError, SegmenterError) as exc:
        raise CliError(str(exc)) from exc
    except Cancelled as exc:  # pragma: no cover - no cancel event on the command line
        raise CliError(str(exc)) from exc
    finally:
        if not args.quiet:
            print(file=sys.stderr)
        project.close()
    print(result.summary())
    for warning in result.warnings:
        print(f"warning: {warning}")
    return EXIT_OK
