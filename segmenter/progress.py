"""Progress reporting and cancellation shared by every long-running segmenter job.

Long work (dictionary learning, inference, training) takes a plain ``progress(fraction, message)``
callable and an optional ``threading.Event``; the GUI passes a Qt-signal emitter and a button-bound
event, the CLI passes a tqdm updater. Nothing here knows which one it is talking to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from segmenter.errors import Cancelled

__all__ = ["ProgressCallback", "Cancelled", "check_cancelled", "report", "sub_progress"]

ProgressCallback = Callable[[float, str], None]
"""``progress(fraction, message)``; fraction in [0, 1], message short and human-readable."""


def check_cancelled(cancel: threading.Event | None, what: str = "operation") -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set; a ``None`` event never cancels."""
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"{what} cancelled")


def report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    """Call ``progress`` if given, clamping the fraction so callers need not be careful."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))), message)


def sub_progress(
    progress: ProgressCallback | None, start: float, end: float
) -> ProgressCallback | None:
    """Map a sub-task's [0, 1] onto [start, end] of the parent's progress.

    Lets a job hand a nested step (e.g. dictionary learning inside training) its own callback
    without the nested step knowing its place in the whole.
    """
    if progress is None:
        return None
    span = end - start

    def _scaled(fraction: float, message: str) -> None:
        report(progress, start + span * min(1.0, max(0.0, fraction)), message)

    return _scaled
