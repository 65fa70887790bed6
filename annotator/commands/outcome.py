"""Exit codes and the user-facing error shared by the CLI and every subcommand.

Separate from ``cli.py`` so that subcommands never import the module that can start the GUI.
"""

from __future__ import annotations

from annotator.core.errors import AnnotatorError
from annotator.core.warning_lines import one_line_warnings as one_line_warnings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(AnnotatorError):
    """A user-facing failure: printed as one line, exit code 1."""
