"""Warnings as one ``annotator: warning:`` line each, for every headless entry point.

In `core` (not `commands`) so that the batch workers, which the commands start, can set it too
without importing upward.
"""

from __future__ import annotations

import warnings

from annotator.core.printable import printable

__all__ = ["one_line_warnings"]


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
