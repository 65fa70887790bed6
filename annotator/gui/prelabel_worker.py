"""`PrelabelJob`: run a pre-labeler over one or more recordings on a worker thread.

The job only *computes*: it builds the pre-labeler (loading a model is slow, so that happens on
the worker too), runs it file by file with the ``progress``/``cancel`` protocol of
`annotator.extensions`, writes each file's model evidence to its cache, and hands every result
back through a queued signal. Merging results into labels happens on the GUI thread
(`prelabel_actions`), where the undo stack and the project live, so the worker never touches
an object the user is editing.

Built pre-labelers are kept (one at a time, keyed by name and options) because loading a model
per run would make "re-run after a correction" cost seconds for nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

from annotator.core import Annotation, RecordingInfo
from annotator.evidence.cache import Evidence, save_evidence
from annotator.extensions import Waveform, create_prelabeler, error_line, to_annotation

log = logging.getLogger(__name__)

_built_lock = threading.Lock()
_built: dict[str, Any] = {}


def built_prelabeler(
    name: str, options: Mapping[str, Any], optional: Mapping[str, Any] | None = None
) -> Any:
    """The pre-labeler ``name`` built with these options, reused while they stay the same."""
    stamp = []
    for value in [*options.values(), *(optional or {}).values()]:
        if isinstance(value, (str, Path)) and Path(value).is_file():
            stamp.append(Path(value).stat().st_mtime_ns)  # a retrained model file is reloaded
    key = json.dumps([name, dict(options), dict(optional or {}), stamp], default=str)
    with _built_lock:
        if key not in _built:
            _built.clear()  # one model in memory at a time
            _built[key] = create_prelabeler(name, options, optional=optional)
        return _built[key]


def forget_built() -> None:
    with _built_lock:
        _built.clear()


@dataclass(frozen=True)
class Target:
    """One recording to pre-label; ``waveform`` when the GUI has decoded it already."""

    path: Path
    sidecar: Path
    recording: RecordingInfo
    waveform: Waveform | None = None


@dataclass
class FileResult:
    target: Target
    proposal: Annotation
    evidence: Evidence | None
    seconds: float


def eta_text(seconds: float) -> str:
    if seconds < 1:
        return "less than a second left"
    if seconds < 60:
        return f"about {seconds:.0f} s left"
    return f"about {int(seconds // 60)} min {int(seconds % 60):02d} s left"


class _Runnable(QRunnable):
    def __init__(self, job: PrelabelJob) -> None:
        super().__init__()
        self.job = job

    def run(self) -> None:
        self.job.run()


class PrelabelJob(QObject):
    """Pre-label ``targets`` with pre-labeler ``name``; signals arrive on the GUI thread."""

    #: overall fraction in [0, 1], and a line with the file, percentage and ETA
    progress = pyqtSignal(float, str)
    #: a `FileResult`
    fileDone = pyqtSignal(object)  # noqa: N815 (Qt naming)
    #: a `Target` and one line saying what went wrong
    fileFailed = pyqtSignal(object, str)  # noqa: N815
    #: "done", "cancelled" or "failed: <one line>"
    finished = pyqtSignal(str)

    def __init__(
        self,
        name: str,
        targets: list[Target],
        options: Mapping[str, Any] | None = None,
        optional: Mapping[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.targets = list(targets)
        self.options = dict(options or {})
        self.optional = dict(optional or {})
        self.cancel_event = threading.Event()
        self.running = False
        self.outcome: str | None = None
        self._started = 0.0
        self._last_emit = 0.0
        self._runnable: _Runnable | None = None

    def start(self, pool: QThreadPool | None = None) -> None:
        self.running = True
        self._started = time.monotonic()
        self._runnable = _Runnable(self)
        self._runnable.setAutoDelete(False)  # kept by the job: PyQt owns the Python side
        (pool or QThreadPool.globalInstance()).start(self._runnable)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    # --- on the worker thread -------------------------------------------------------------------
    def run(self) -> None:
        outcome = "done"
        try:
            self._report(0.0, f"Loading pre-labeler {self.name}…", force=True)
            prelabeler = built_prelabeler(self.name, self.options, self.optional)
            total = len(self.targets)
            for index, target in enumerate(self.targets):
                if self.cancelled:
                    break
                self._one(prelabeler, index, total, target)
            if self.cancelled:
                outcome = "cancelled"
        except Exception as exc:  # building the pre-labeler failed: nothing to do at all
            outcome = "cancelled" if self.cancelled else f"failed: {error_line(exc)}"
        finally:
            self.outcome = outcome
            self.running = False
            self.finished.emit(outcome)

    def _one(self, prelabeler: Any, index: int, total: int, target: Target) -> None:
        label = target.path.name + (f" ({index + 1}/{total})" if total > 1 else "")

        def progress(fraction: float, _message: str = "") -> None:
            fraction = min(max(float(fraction), 0.0), 1.0)
            self._report((index + fraction) / total, f"Pre-labelling {label}")

        begun = time.monotonic()
        progress(0.0)
        source = target.waveform if target.waveform is not None else target.path
        try:
            result = prelabeler(source, progress=progress, cancel=self.cancel_event)
            if self.cancelled:
                return
            proposal = to_annotation(result, target.recording)
            evidence = Evidence.from_result(result, proposal, self.name)
        except Exception as exc:  # a plugin may raise anything; cancellation included
            if not self.cancelled:
                self.fileFailed.emit(target, f"{target.path}: {error_line(exc)}")
            return
        if evidence is not None:
            try:
                save_evidence(target.sidecar, target.path, evidence)
            except OSError as exc:
                log.warning("%s: model evidence not cached (%s)", target.path, exc)
        self.fileDone.emit(FileResult(target, proposal, evidence, time.monotonic() - begun))
        self._report((index + 1) / total, f"Pre-labelled {label}", force=True)

    def _report(self, fraction: float, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < 0.1:  # ten updates a second are plenty
            return
        self._last_emit = now
        elapsed = now - self._started
        if 0.02 < fraction < 1.0 and elapsed > 1.0:
            text = f"{text} — {fraction:.0%}, {eta_text(elapsed / fraction * (1 - fraction))}"
        elif fraction > 0:
            text = f"{text} — {fraction:.0%}"
        self.progress.emit(fraction, text)
