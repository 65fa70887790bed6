"""``annotator teach PROJECT --lane NAME --out MODEL``: teach the model a lane, headless.

With ``--labels PATH`` the inputs are recordings (files, folders, list files, as for ``label``)
and the lane is read from annotation files in any format the annotator reads (TextGrid, ELAN,
JSON, CSV, Audacity, RTTM), matched to the recordings by name; those files are taken as a
person's full labels (a gap in the lane is an absence).

The command-line twin of the editor's "Teach a new lane from this lane" (:mod:`annotator.teach`):
the lane as a person labelled it on the project's recordings marked done becomes one more class
of a new model file (the starting model is never overwritten); ``annotator label --model MODEL``
then writes it into every output format.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotator.commands.outcome import EXIT_OK, CliError


def run_teach(args: argparse.Namespace) -> int:
    from annotator.commands.explain import model_or_default
    from annotator.teach import TeachError

    model = model_or_default(args.model)
    if not model.is_file():
        raise CliError(f"{model}: no such model file")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out}: exists already; use --force to overwrite")

    def show(fraction: float, message: str = "") -> None:
        print(f"\r{fraction:4.0%} {message[:50]:<50}", end="", file=sys.stderr, flush=True)

    progress = None if args.quiet else show
    try:
        if args.labels is None:
            result = _from_project(args, model, out, progress)
        else:
            result = _from_files(args, model, out, progress)
    except TeachError as exc:
        raise CliError(str(exc)) from exc
    finally:
        if not args.quiet:
            print(file=sys.stderr)
    print(result.summary())
    for warning in result.warnings:
        print(f"warning: {warning}")
    return EXIT_OK


def _from_project(args: argparse.Namespace, model: Path, out: Path, progress: Any) -> Any:
    from annotator.core import Project, ProjectError
    from annotator.teach import teach_lane

    if len(args.inputs) != 1:
        raise CliError("without --labels give one project folder (its recordings marked done)")
    try:
        project = Project.open(args.inputs[0])
    except ProjectError as exc:
        raise CliError(str(exc)) from exc
    try:
        return teach_lane(project, model, args.lane, out, progress=progress)
    finally:
        project.close()


def _from_files(args: argparse.Namespace, model: Path, out: Path, progress: Any) -> Any:
    """Recordings named on the command line, labels from annotation files (any format)."""
    from annotator.batch import CorpusError, list_corpus
    from annotator.teach import annotations_for, teach_from_annotations
    from segmenter.probe.cli import default_cache_dir

    try:
        corpus = list_corpus(args.inputs, None)
    except CorpusError as exc:
        raise CliError(str(exc)) from exc
    if not corpus:
        raise CliError(f"{' '.join(args.inputs)}: no recordings found")
    labelled, missing = annotations_for([(i.key, i.path) for i in corpus], args.labels)
    if missing:
        print(f"note: {len(missing)} recording(s) have no labels in {args.labels} "
              f"(e.g. {missing[0]}); left out", file=sys.stderr)  # fmt: skip
    return teach_from_annotations(
        labelled, model, args.lane, out, cache_dir=default_cache_dir(), progress=progress,
        where="labelled recordings",
    )  # fmt: skip
