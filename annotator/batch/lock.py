"""One ``annotator label`` run per output folder at a time.

Two runs on the same ``--out`` used to replace each other's outputs, both exiting 0: "exists" was
checked once, at start-up, before either had written anything. A run now holds an advisory
``flock`` on a lock file in the folder for as long as it works; a second run is refused at once,
told which process (pid and host) holds it. The kernel drops the lock when the holder's process
dies, so a killed run never leaves a stale lock behind. The file names its holder only for that
message and is removed when the run ends, so an output folder holds outputs alone.

Advisory only: it keeps annotator runs apart, not other programs. Where ``fcntl`` is missing
(Windows) the folder is not locked. ``segmenter.recipes`` has a similar lock for training work
folders; the annotator may not import it.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.core.errors import AnnotatorError

LOCK_NAME = ".annotator-label.lock"


class FolderLocked(AnnotatorError):
    """Another run holds the output folder (the message names the folder and the holder)."""


def _still_named(handle: IO[str], path: Path) -> bool:
    """Whether ``path`` is still the file ``handle`` opened: a holder that just finished removes
    it, and a lock taken on a removed file would exclude no one."""
    try:
        named, held = os.stat(path), os.fstat(handle.fileno())
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


@contextlib.contextmanager
def hold_output_folder(folder: Path) -> Iterator[int | None]:
    """Hold ``folder`` (which must exist) for one run; raises `FolderLocked` if another run
    holds it, and `OSError` if the lock file cannot be made there (a read-only folder).

    Yields when the lock was taken, as the lock file's modification time (ns, the file
    system's clock, the one its other files' times come from): a temporary older than that
    was left by a run that no longer holds the folder. None where nothing is locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield None
        return
    path = folder / LOCK_NAME
    while True:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "a process that has not yet said which"
            handle.close()
            raise FolderLocked(
                f"{folder}: another annotator label run ({holder}) is writing in this output "
                "folder; wait for it to end, or give this run another --out"
            ) from None
        if _still_named(handle, path):
            break
        handle.close()  # locked a file its holder had just removed: take the new one
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        yield os.fstat(handle.fileno()).st_mtime_ns
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while held: a run that opened it meanwhile sees it gone, retries
        handle.close()
