"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never a mix.

Every save and export goes through here: write a temporary file in the same folder, flush and
fsync it, optionally keep the previous version as ``<name>.bak``, then ``os.replace`` it over the
target and fsync the folder so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from annotator.core.errors import AnnotationError


class SaveError(AnnotationError, OSError):
    """Writing a file failed; the previous file (if any) is untouched."""


def _fsync_directory(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem can fsync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes, *, backup: bool = False) -> None:
    """Replace ``path`` with ``data`` atomically; with ``backup`` keep the old file as ``.bak``.

    The backup is made by a hard link (or copy) *before* the rename, so at every instant either
    the old or the new complete file sits at ``path``.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SaveError(f"{path}: folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SaveError(f"{path}: cannot write in {folder} ({exc.strerror or exc})") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            if backup:
                _replace_backup(path)
        else:  # mkstemp makes 0600; a new export on a shared corpus should obey the umask
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SaveError(f"{path}: could not save ({exc.strerror or exc})") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_directory(folder)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_backup(path: Path) -> None:
    """Make ``<path>.bak`` a complete copy of the current ``path``, itself atomically."""
    bak = path.with_name(path.name + ".bak")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{bak.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        try:
            os.link(path, tmp)
        except OSError:
            tmp.write_bytes(path.read_bytes())
        os.replace(tmp, bak)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write_text(
    path: str | Path, text: str, *, encoding: str = "utf-8", backup: bool = False
) -> None:
    """Text flavour of `atomic_write_bytes` (newlines written as given, no translation)."""
    atomic_write_bytes(path, text.encode(encoding), backup=backup)
