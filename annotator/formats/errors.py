"""`FormatError`: the one exception every reader and writer raises on purpose.

Callers (the CLI, the GUI's import dialog) catch this single type and show ``str(error)``, which
is always one line naming the file, the line when we know it, and what is wrong, the way a
compiler reports an error. Decoding errors, praatio's exceptions, ``ValueError`` from a bad
number and ``OSError`` from the file system are all translated into it at the module borders.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.errors import AnnotationError


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class FormatError(AnnotationError):
    """A file could not be read or written in the named format.

    ``path`` is the file, ``line`` the 1-based line number when the problem sits on a line we can
    point at (else ``None``), ``reason`` a short sentence without the location.
    """

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = _one_line(reason)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return _one_line(f"{where}: {self.reason}")

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, str, int | None]]:
        # keep pickling (multiprocessing workers) working with our signature
        return (type(self), (self.path, self.reason, self.line))
