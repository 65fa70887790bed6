"""Autosave: unsaved edits go to ``<sidecar>.autosave`` every so often, so a crash costs little.

The autosave is a complete sidecar document (same format, same strict loader), written
atomically but without a backup, and never in place of the real sidecar: the user's explicit
save stays the only thing that changes their labels. A real save removes the autosave
(`Project.save` and `Autosaver.mark_saved` both do), so an autosave that is still there on start
and newer than its sidecar is work that was lost by a crash; `find_recoverable` lists those.

`Autosaver` keeps no timer of its own: the GUI calls `maybe_save` from a QTimer, and plain
Python (a CLI, a test) can use `AutosaveThread`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.annotation import Annotation
from annotator.core.atomic import SaveError
from annotator.core.sidecar import AUTOSAVE_SUFFIX as AUTOSAVE_SUFFIX
from annotator.core.sidecar import (
    RecordingStatus,
    SidecarError,
    SidecarState,
    load_sidecar,
    parse_iso,
    save_sidecar,
)
from annotator.core.sidecar import autosave_path_for as autosave_path_for

if TYPE_CHECKING:
    from annotator.core.project import Project, RecordingEntry


class Autosaver:
    """Writes the latest annotation of one recording to its autosave file when it is due.

    Changes are due ``interval_s`` after the first unsaved one, so while someone keeps editing
    at most ``interval_s`` of work is at risk. The annotation is serialised when the save
    happens, not when it is notified (an edit costs nothing). With `AutosaveThread` that happens
    on another thread, so whoever edits from elsewhere holds ``lock`` while editing. A failed
    write never raises out of `maybe_save`/`flush`: it is kept in ``last_error`` and retried.
    """

    def __init__(
        self,
        path: str | Path,
        interval_s: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval_s < 0:
            raise ValueError(f"interval_s must be >= 0, got {interval_s!r}")
        self.path = Path(path)
        self.interval_s = float(interval_s)
        self.clock = clock
        self.lock = threading.RLock()
        self.last_error: str | None = None
        self.saves = 0
        self._annotation: Annotation | None = None
        self._status = RecordingStatus.IN_REVIEW
        self._extra: dict[str, Any] = {}
        self._dirty_since: float | None = None

    @property
    def dirty(self) -> bool:
        return self._dirty_since is not None

    def notify_changed(
        self,
        annotation: Annotation,
        *,
        status: RecordingStatus | str | None = None,
        extra: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> None:
        """Record that ``annotation`` (the object being edited) has unsaved changes."""
        with self.lock:
            self._annotation = annotation
            if status is not None:
                self._status = RecordingStatus(status)
            if extra is not None:
                self._extra = extra
            if self._dirty_since is None:
                self._dirty_since = self.clock() if now is None else now

    def due(self, now: float | None = None) -> bool:
        with self.lock:
            if self._dirty_since is None:
                return False
            now = self.clock() if now is None else now
            return now - self._dirty_since >= self.interval_s

    def maybe_save(self, now: float | None = None) -> bool:
        """Write the autosave if changes have waited ``interval_s``; True when it wrote."""
        with self.lock:
            return self.due(now) and self._write()

    def flush(self) -> bool:
        """Write pending changes now (before a risky step, on exit); True when it wrote."""
        with self.lock:
            return self.dirty and self._write()

    def mark_saved(self) -> None:
        """The real sidecar now holds everything: forget pending changes, remove the autosave."""
        with self.lock:
            self._dirty_since = None
            self.last_error = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _write(self) -> bool:
        assert self._annotation is not None
        state = SidecarState(self._annotation, self._status, self._extra)
        try:
            save_sidecar(self.path, state, backup=False)
        except (SaveError, OSError) as exc:
            self.last_error = str(exc)
            return False
        self.last_error = None
        self._dirty_since = None
        self.saves += 1
        return True


class AutosaveThread:
    """Drives an `Autosaver` from a daemon thread: polls every ``poll_s`` until stopped."""

    def __init__(
        self,
        autosaver: Autosaver,
        poll_s: float = 1.0,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.autosaver = autosaver
        self.poll_s = poll_s
        self.stop_event = stop_event or threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="nmf-annotator-autosave", daemon=True
        )

    def start(self) -> AutosaveThread:
        self._thread.start()
        return self

    def stop(self, *, flush: bool = True, timeout: float | None = 10.0) -> None:
        """Stop polling and wait for the thread; with ``flush`` write what is still pending."""
        self.stop_event.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if flush:
            self.autosaver.flush()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> AutosaveThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self.stop_event.wait(self.poll_s):
            self.autosaver.maybe_save()


# --- recovery on start ----------------------------------------------------------------------
@dataclass(frozen=True)
class Recoverable:
    """An autosave newer than its sidecar: edits a crash kept from being saved."""

    entry: RecordingEntry
    autosave_path: Path
    autosaved_at: str | None
    sidecar_saved_at: str | None  # None when there is no readable sidecar
    error: str | None = None  # the autosave itself is damaged (can only be discarded)


def find_recoverable(project: Project) -> list[Recoverable]:
    """Recordings of ``project`` whose autosave holds work newer than their saved sidecar."""
    found = []
    for entry in project.recordings:
        auto = project.autosave_path(entry)
        if not auto.exists():
            continue
        try:
            autosaved: str | None = load_sidecar(auto).saved_at
            error = None
        except SidecarError as exc:
            autosaved, error = None, exc.problem
        sidecar = project.sidecar_path(entry)
        try:
            saved_at = load_sidecar(sidecar).saved_at if sidecar.exists() else None
        except SidecarError:
            saved_at = None
        if (
            error is None
            and saved_at is not None
            and not _newer(auto, autosaved, sidecar, saved_at)
        ):
            continue
        found.append(Recoverable(entry, auto, autosaved, saved_at, error))
    return found


def _newer(auto: Path, autosaved: str | None, sidecar: Path, saved_at: str) -> bool:
    a, s = parse_iso(autosaved), parse_iso(saved_at)
    if a is not None and s is not None:
        return a > s
    return auto.stat().st_mtime_ns > sidecar.stat().st_mtime_ns


def load_recovery(item: Recoverable) -> SidecarState:
    """The autosaved state; save it through `Project.save` to make it the real one."""
    return load_sidecar(item.autosave_path)


def discard_recovery(item: Recoverable) -> None:
    with contextlib.suppress(FileNotFoundError):
        item.autosave_path.unlink()
