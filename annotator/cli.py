"""The ``annotator`` command.

``annotator [FILES|FOLDER]`` and ``annotator --demo`` open the desktop editor; the subcommands
work headless. Every failure the user can cause (a missing file, a malformed TextGrid) ends in one
line on stderr, ``annotator: <file>: <problem>``, and a non-zero exit code; tracebacks are kept
for programming errors.

Exit codes: 0 success, 1 the input could not be processed, 2 bad command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from annotator import __version__
from annotator.commands.outcome import EXIT_FAILED, EXIT_USAGE, CliError, one_line_warnings
from annotator.core.printable import printable


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Pre-label recordings with the NMF segmenter, correct them, export TextGrid/RTTM.",
        epilog="Without a subcommand, opens the editor on the given files or folder.",
    )
    parser.add_argument("--version", action="version", version=f"nmf-annotator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    convert = sub.add_parser(
        "convert",
        help="convert between TextGrid, RTTM, Audacity labels and JSON",
        description="Convert an annotation file to another format (chosen by extension or --to).",
    )
    convert.add_argument("input", help="TextGrid, RTTM, Audacity label .txt or .json file")
    convert.add_argument(
        "output", help="output file, or a folder when an RTTM holds several recordings"
    )
    convert.add_argument("--from", dest="from_format", help="input format (default: by extension)")
    convert.add_argument("--to", dest="to_format", help="output format (default: by extension)")
    convert.add_argument("--file-id", help="which recording of a multi-recording RTTM to convert")
    convert.add_argument("--force", action="store_true", help="overwrite an existing output file")

    info = sub.add_parser("info", help="describe an audio, annotation or model file")
    info.add_argument("file")
    _add_label(sub)
    _add_plugins(sub)
    _add_explain(sub)
    _add_finetune(sub)
    _add_compare(sub)
    _add_teach(sub)
    return parser


def _add_label(sub: argparse._SubParsersAction) -> None:
    label = sub.add_parser(
        "label",
        help="pre-label a corpus headless (resumable, sharded for SLURM arrays)",
        description="Pre-label recordings and write one annotation file per recording and format.",
        epilog="Exit code: 0 when every recording was labelled (or skipped as up to date), else "
        "the number of recordings that failed (at most 100); 1 also for a setup error, "
        "2 for a bad command line. Outputs mirror the input folders under --out.",
    )
    label.add_argument(
        "inputs", nargs="+", metavar="INPUT",
        help="recording, folder (searched recursively), or list file (.txt/.lst/.list, "
        "one path per line; - reads the list from standard input)",
    )  # fmt: skip
    label.add_argument("--out", required=True, metavar="DIR", help="folder for the outputs")
    label.add_argument(
        "--format", default="textgrid", metavar="NAMES",
        help="comma-separated output formats (default: textgrid; see `annotator plugins list`)",
    )  # fmt: skip
    label.add_argument("--model", metavar="FILE", help="model file (default: the shipped model)")
    label.add_argument(
        "--probe", action="append", metavar="FILE",
        help="probe file (segmenter probe train) whose lanes are added to every output, "
        "repeatable; it must have been trained on the model used",
    )  # fmt: skip
    label.add_argument(
        "--prelabeler", default="nmf", metavar="NAME", help="pre-labeler plugin (default: nmf)"
    )
    label.add_argument(
        "--option", action="append", metavar="KEY=VALUE",
        help="pre-labeler setting, repeatable (value read as JSON when it parses)",
    )  # fmt: skip
    label.add_argument(
        "--threshold", action="append", metavar="CLASS=ONSET[:OFFSET]",
        help="decision threshold of one class (speech, music, noise, overlap or its code), "
        "repeatable; a lone onset keeps the model's offset unless that lies above it",
    )  # fmt: skip
    label.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    label.add_argument(
        "--jobs", type=int, default=None, metavar="N",
        help="worker processes (default 1; 0 = one per CPU core; with --backend ray, "
        "default and 0 = as many as the cluster holds)",
    )  # fmt: skip
    label.add_argument(
        "--shard", metavar="I/N",
        help="label only shard I of N (1-based) of the sorted corpus, for job arrays",
    )  # fmt: skip
    again = label.add_mutually_exclusive_group()
    again.add_argument(
        "--resume", action="store_true",
        help="skip recordings whose outputs exist and are newer than the recording and model",
    )  # fmt: skip
    again.add_argument("--force", action="store_true", help="overwrite existing outputs")
    label.add_argument(
        "--extensions", metavar="EXTS",
        help="audio extensions to look for in folders, e.g. .wav,.flac (default: all readable)",
    )  # fmt: skip
    label.add_argument(
        "--quiet", action="store_true", help="no progress; errors and the summary only"
    )
    from annotator.commands.label import add_backend_arguments

    add_backend_arguments(label)


def _add_plugins(sub: argparse._SubParsersAction) -> None:
    plugins = sub.add_parser(
        "plugins",
        help="list the pre-labeler and format plugins found",
        description="Show installed plugins, where they come from, and why a broken one fails.",
    )
    actions = plugins.add_subparsers(dest="plugins_command", metavar="ACTION")
    listing = actions.add_parser("list", help="list plugins (the default action)")
    listing.add_argument(
        "group", nargs="?", choices=("pre-labelers", "formats"), help="only this kind"
    )
    for action, verb in (("install", "copy"), ("uninstall", "remove")):
        sub_action = actions.add_parser(
            action,
            help=f"{verb} the Praat plugin or the ELAN local recognizer",
            description=f"{verb.capitalize()} the Praat plugin (menu commands on Sounds) or "
            "the ELAN local recognizer; the program sees the change at its next start.",
        )
        sub_action.add_argument("target", choices=("praat", "elan"), help="which program")
        sub_action.add_argument(
            "--praat-dir", metavar="DIR",
            help="Praat's preferences folder (default: ~/.praat-dir on Linux, "
            "~/Library/Preferences/Praat Prefs on macOS, %%USERPROFILE%%\\Praat on Windows)",
        )  # fmt: skip
        sub_action.add_argument(
            "--elan-dir", metavar="DIR",
            help="ELAN's installation folder or its extensions folder (default: search the "
            "usual install places)",
        )  # fmt: skip


def _add_explain(sub: argparse._SubParsersAction) -> None:
    explain = sub.add_parser(
        "explain",
        help="export why the model labels a recording: relevant components as PNG + JSON",
        description="For each class, the relevant NMF components (relevance >= threshold over "
        "the frames the model labels the class) with their spectra and activations as PNG "
        "figures, and a JSON summary with the logit identity check.",
    )
    explain.add_argument("file", help="recording to explain")
    explain.add_argument("--out", required=True, metavar="DIR", help="folder for the outputs")
    explain.add_argument("--model", metavar="FILE", help="model file (default: the shipped model)")
    explain.add_argument(
        "--classes", metavar="NAMES",
        help="comma-separated classes, codes or lane names (default: all), e.g. sp,music",
    )  # fmt: skip
    explain.add_argument(
        "--threshold", type=float, default=0.5,
        help="relevance at or above which a component is relevant (default 0.5)",
    )  # fmt: skip
    explain.add_argument(
        "--max-figures", type=int, default=20, metavar="N",
        help="component figures per class, most relevant first (default 20)",
    )  # fmt: skip
    explain.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    explain.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _add_finetune(sub: argparse._SubParsersAction) -> None:
    tune = sub.add_parser(
        "finetune",
        help="fine-tune the model's class layer on a project's human-confirmed labels",
        description="Fine-tune the rows of Θ (and the bias; optionally Ψ) of the classes the "
        "recordings of a project marked done have positive time for, anchored to the starting "
        "model; report the data used, F1 before/after on held-out recordings and a forgetting "
        "check on the shipped demo; save a new model file unless a class is forgotten.",
        epilog="Exit code 1 when the model is not saved (a failure, or the forgetting check).",
    )
    tune.add_argument("project", help="project folder (corpus folder or its project folder)")
    tune.add_argument("--out", required=True, metavar="FILE", help="new model file to write")
    tune.add_argument("--model", metavar="FILE", help="model to start from (default: shipped)")
    tune.add_argument(
        "--include", choices=("done", "done+human"), default="done",
        help="done: recordings marked done (default); done+human: also human segments "
        "of other recordings, as positives only (needs at least one file marked done)",
    )  # fmt: skip
    tune.add_argument(
        "--held-out", type=float, default=0.25, metavar="FRACTION",
        help="share of confirmed recordings kept out of training to score F1 (default 0.25)",
    )  # fmt: skip
    tune.add_argument("--steps", type=int, default=300, help="optimisation steps (default 300)")
    tune.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    tune.add_argument(
        "--classes", metavar="LIST",
        help="comma-separated classes to train, e.g. sp,ov (default: every class with at least "
        "1 s of confirmed positives and of negatives; a class with none is never trained)",
    )  # fmt: skip
    tune.add_argument(
        "--psi", action="store_true",
        help="also fine-tune Ψ (slower; it moves every class, so the forgetting check decides)",
    )  # fmt: skip
    tune.add_argument(
        "--allow-forgetting", action="store_true",
        help="save even when a class's F1 on the shipped demo drops by more than 0.02",
    )  # fmt: skip
    tune.add_argument(
        "--no-thresholds", action="store_true", help="keep the model's decision thresholds"
    )
    tune.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tune.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    tune.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    tune.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _add_compare(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "compare",
        help="compare a corpus's labels with a reference (per file and corpus figures)",
        description="Compare the labels of a corpus folder (its saved work) or of an annotation "
        "file with a reference annotation (an RTTM may hold many recordings).",
    )
    parser.add_argument(
        "labels",
        help="corpus folder (its saved work), folder of annotation files (label's --out), or one file",
    )
    parser.add_argument("--reference", required=True, help="reference annotation (RTTM, ...)")
    parser.add_argument("--uem", help="NIST UEM: score only these regions of each recording")
    parser.add_argument(
        "--speakers", choices=("auto", "yes", "no"), default="auto",
        help="read the reference's speaker lanes as speech and overlap (auto: when the labels "
        "have no such speaker lanes)",
    )  # fmt: skip
    parser.add_argument("--json", help="write every figure to this JSON file")


def _add_teach(sub: argparse._SubParsersAction) -> None:
    teach = sub.add_parser(
        "teach",
        help="teach the model a new lane from a lane labelled on a project's done recordings",
        description="Train a linear probe on the activations H for one lane, from the "
        "recordings of a project marked done, and save the model with the lane as one more "
        "class (held-out F1/UAR printed; the starting model is never overwritten).",
    )
    teach.add_argument(
        "inputs", nargs="+", metavar="INPUT",
        help="project folder (its recordings marked done); with --labels, recordings, folders "
        "or list files",
    )  # fmt: skip
    teach.add_argument(
        "--labels", metavar="PATH",
        help="annotation file or folder of them (TextGrid, EAF, JSON, CSV, RTTM ...) holding "
        "the lane for the recordings given, matched by name",
    )  # fmt: skip
    teach.add_argument("--lane", required=True, help="the lane to teach (a one-word name)")
    teach.add_argument("--out", required=True, metavar="FILE", help="new model file to write")
    teach.add_argument("--model", metavar="FILE", help="starting model (default: shipped)")
    teach.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    teach.add_argument("--quiet", action="store_true", help="no progress")


def _open_gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="annotator", add_help=False)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("paths", nargs="*")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        _build_parser().print_usage(sys.stderr)
        print(f"annotator: error: unrecognised arguments: {' '.join(unknown)}", file=sys.stderr)
        return EXIT_USAGE
    from annotator.launch import launch_editor

    return launch_editor(args.paths, demo=args.demo)


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The ``run_<name>`` of a subcommand, imported only when used so that ``annotator info``
    never pays for torch or Qt. Written out (not built from a string) so that "go to
    definition" and grep find every subcommand's entry point."""
    if name == "convert":
        from annotator.commands.convert import run_convert

        return run_convert
    if name == "info":
        from annotator.commands.info import run_info

        return run_info
    if name == "label":
        from annotator.commands.label import run_label

        return run_label
    if name == "plugins":
        from annotator.commands.plugins import run_plugins

        return run_plugins
    if name == "explain":
        from annotator.commands.explain import run_explain

        return run_explain
    if name == "finetune":
        from annotator.commands.finetune import run_finetune

        return run_finetune
    if name == "compare":
        from annotator.commands.compare import run_compare

        return run_compare
    if name == "teach":
        from annotator.commands.teach import run_teach

        return run_teach
    raise ValueError(f"unknown subcommand {name!r}")


SUBCOMMANDS = ("convert", "info", "label", "plugins", "explain", "finetune", "compare", "teach")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        try:
            return _open_gui(argv)
        except CliError as exc:
            print(f"annotator: {printable(str(exc))}", file=sys.stderr)
            return EXIT_FAILED
    args = _build_parser().parse_args(argv)
    one_line_warnings()
    try:
        return int(_command(args.command)(args))
    except CliError as exc:
        print(f"annotator: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    except (
        BrokenPipeError
    ):  # `annotator plugins list | head`: the reader left, not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
