"""The ``annotator`` command.

``annotator [FILES|FOLDER]`` and ``annotator --demo`` open the desktop editor; the subcommands
work headless. Every failure the user can cause (a missing file, a malformed TextGrid) ends in one
line on stderr, ``annotator: <file>: <problem>``, and a non-zero exit code; tracebacks are kept
for programming errors.

Exit codes: 0 success, 1 the input could not be processed, 2 bad command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from annotator import __version__
from annotator.commands.outcome import EXIT_FAILED, EXIT_USAGE, CliError


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
        "--prelabeler", default="nmf", metavar="NAME", help="pre-labeler plugin (default: nmf)"
    )
    label.add_argument(
        "--option", action="append", metavar="KEY=VALUE",
        help="pre-labeler setting, repeatable (value read as JSON when it parses)",
    )  # fmt: skip
    label.add_argument(
        "--device", default="auto", help="auto (default), cpu, cuda or cuda:N"
    )
    label.add_argument(
        "--jobs", type=int, default=1, metavar="N",
        help="worker processes (default 1; 0 = one per CPU core)",
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


SUBCOMMANDS = ("convert", "info", "label", "plugins")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        try:
            return _open_gui(argv)
        except CliError as exc:
            print(f"annotator: {exc}", file=sys.stderr)
            return EXIT_FAILED
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "convert":
            from annotator.commands.convert import run_convert

            return run_convert(args)
        if args.command == "info":
            from annotator.commands.info import run_info

            return run_info(args)
        if args.command == "label":
            from annotator.commands.label import run_label

            return run_label(args)
        if args.command == "plugins":
            from annotator.commands.plugins import run_plugins

            return run_plugins(args)
    except CliError as exc:
        print(f"annotator: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
