"""Domain errors of the annotation model.

One small hierarchy so that callers (CLI, GUI) can catch *our* failures and show their one-line
message, while programming errors still surface as ordinary exceptions.
"""

from __future__ import annotations


class AnnotatorError(Exception):
    """Root of every error the annotator raises on purpose (core, formats, batch, review, GUI):
    ``except AnnotatorError`` shows one line; anything else is a bug and keeps its traceback."""


class AnnotationError(AnnotatorError):
    """Base class of every error the annotation domain raises on purpose."""


class InvalidEdit(AnnotationError, ValueError):
    """An edit or a value would break an invariant; nothing was changed.

    ``reason`` is a short human sentence suitable for a status bar.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
