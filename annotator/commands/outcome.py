"""Exit codes and the user-facing error shared by the CLI and every subcommand.

Separate from ``cli.py`` so that subcommands never import the module that can start the GUI.
"""

from __future__ import annotations

import warnings

from annotator.core.errors import AnnotatorError
from annotator.core.printable import printable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(AnnotatorError):
    """A user-facing failure: printed as one line, exit code 1."""


def _format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    return f"annotator: warning: {printable(' '.join(str(message).split()))}\n"


def one_line_warnings() -> None:
    """Show warnings (a repaired NaN sample, ...) as one ``annotator: warning:`` line each.

    Python's default adds the source line of the code that warned, which tells a user nothing
    and breaks the one-line-per-problem promise of the CLI's stderr.
    """
    warnings.formatwarning = _format_warning
