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

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1."""


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
    return parser


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


SUBCOMMANDS = ("convert", "info")


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
    except CliError as exc:
        print(f"annotator: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
