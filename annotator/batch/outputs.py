"""Output files of a corpus run: their names, whether they are up to date, writing them safely.

All outputs of a recording appear together or not at all: each format is first written to a
hidden temporary file beside its target (whatever the writer does inside, a plugin's included),
and only when every format succeeded are they renamed into place. A rename that fails (a full
quota, a vanished mount) rolls back the ones already made: a replaced output gets its previous
file back (kept under a second name until the commit ends), a new one is removed. An output is
never half-written, so ``--resume`` can trust that an output that exists is whole; a run killed
in the middle of the renames (a few system calls) may leave a recording's formats from two runs.
The temporaries a killed run leaves are cleared by the next run on the same folder, at its start.

Without ``overwrite``, "exists" is checked again at each rename, not only at start-up: an output
that appeared meanwhile (another program) is left alone and the recording fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from annotator.batch.corpus import CorpusItem
from annotator.core.annotation import Annotation
from annotator.core.errors import AnnotatorError


class OutputError(AnnotatorError):
    """An output could not be written (the message names the target file, not a temporary)."""


def output_paths(item: CorpusItem, out_dir: Path, formats: Sequence[Any]) -> list[Path]:
    """One output per format: ``out_dir/<key><extension>`` (the format's first extension)."""
    return [out_dir / f"{item.key}{fmt.extensions[0]}" for fmt in formats]


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def up_to_date(source: Path, outputs: Iterable[Path], depends_on: Iterable[Path] = ()) -> bool:
    """Every output exists and none is older than the recording or anything in ``depends_on``
    (the model file): the test ``--resume`` uses to skip a recording."""
    newest_input = max(
        (t for t in (_mtime(Path(p)) for p in (source, *depends_on)) if t is not None), default=0
    )
    stamps = [_mtime(p) for p in outputs]
    return bool(stamps) and all(t is not None and t >= newest_input for t in stamps)


def existing_outputs(paths: Iterable[Path]) -> list[Path]:
    return [p for p in paths if p.exists()]


def _writer_options(format_name: str, item: CorpusItem) -> dict[str, Any]:
    """RTTM's file-id is the recording's name (its file stem, as NIST tools expect)."""
    return {"uri": item.path.stem} if format_name == "rttm" else {}


def write_outputs(
    annotation: Annotation,
    item: CorpusItem,
    targets: Mapping[Path, Any],
    *,
    overwrite: bool = False,
) -> None:
    """Write ``annotation`` in every format of ``targets`` ({path: Format}), all or nothing;
    an existing target is replaced only with ``overwrite`` (``--force``, ``--resume``)."""
    staged: list[tuple[Path, Path, str]] = []  # (temporary, target, extension)
    try:
        for target, fmt in targets.items():
            extension = fmt.extensions[0]
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale(target, extension)
            temporary = _hidden_twin(target, extension)
            staged.append((temporary, target, extension))
            try:
                fmt.writer(annotation, temporary, **_writer_options(fmt.name, item))
            except Exception as exc:  # name the real target, not our temporary file
                raise OutputError(_about(target, exc, temporary)) from exc
        _commit(staged, overwrite)
    finally:
        for temporary, _, _ in staged:
            _discard(temporary)


def _hidden_twin(target: Path, extension: str) -> Path:
    """A new empty hidden file beside ``target``, named so that `_remove_stale` clears it if
    the run is killed before it is renamed or removed."""
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".partial{extension}", dir=target.parent
    )
    os.close(fd)
    return Path(name)


def _about(target: Path, exc: BaseException, temporary: Path | None = None) -> str:
    """One line about ``exc`` that names ``target`` (never one of our hidden files)."""
    text = str(exc) if not isinstance(exc, OSError) or not exc.strerror else exc.strerror
    message = " ".join(text.split())
    if temporary is not None:
        message = message.replace(str(temporary), str(target))
    return message if str(target) in message else f"{target}: {message or type(exc).__name__}"


def _commit(staged: list[tuple[Path, Path, str]], overwrite: bool) -> None:
    """Rename every staged file onto its target; if one fails, undo the ones already done."""
    done: list[tuple[Path, Path | None]] = []  # (target, its previous file's second name)
    try:
        for temporary, target, extension in staged:
            if not overwrite and os.path.lexists(target):
                raise OutputError(
                    f"{target}: exists already (written meanwhile by another program?); "
                    "not overwritten, use --force to overwrite"
                )
            previous = _keep_previous(target, extension)
            try:
                _match_umask(temporary)
                os.replace(temporary, target)
            except OSError as exc:
                _discard(previous)
                raise OutputError(_about(target, exc)) from exc
            done.append((target, previous))
    except BaseException:
        for target, previous in reversed(done):
            with contextlib.suppress(OSError):
                if previous is None:
                    os.unlink(target)
                else:
                    os.replace(previous, target)
        raise
    for _, previous in done:
        _discard(previous)


def _keep_previous(target: Path, extension: str) -> Path | None:
    """A second name for the file at ``target`` (None if there is none), so that a failure
    later in the commit can put it back; ``target`` itself stays in place meanwhile."""
    if not os.path.lexists(target):
        return None
    backup = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{extension}")
    try:
        try:
            os.link(target, backup)
        except OSError:  # a file system without hard links
            shutil.copy2(target, backup)
    except OSError as exc:
        _discard(backup)
        raise OutputError(_about(target, exc)) from exc
    return backup


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _remove_stale(target: Path, extension: str) -> None:
    """Delete temporaries a killed earlier attempt left for this very target (a worker killed
    mid-write, a SLURM time limit): ours, and the one a built-in writer makes beside ours.
    Only names derived from this target match; another key's never do."""
    ours = rf"\.{re.escape(target.stem)}\.[a-z0-9_]{{8}}\.partial{re.escape(extension)}"
    pattern = re.compile(rf"{ours}|\.{ours}\.[a-z0-9_]{{8}}\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if entry.name.startswith(".") and pattern.fullmatch(entry.name):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def remove_partials(item: CorpusItem, out_dir: Path, formats: Sequence[Any]) -> None:
    """Clear what an attempt at ``item`` killed mid-write left (nothing is left otherwise)."""
    for target, fmt in zip(output_paths(item, out_dir, formats), formats, strict=True):
        _remove_stale(target, fmt.extensions[0])


#: Every temporary `write_outputs` makes, whatever its target: ``.<stem>.<8>.partial<ext>``
#: (mkstemp's and the backup's names) and a built-in writer's ``.<that>.<8>.tmp`` inside it.
_ANY_PARTIAL = re.compile(r"\..+\.[a-z0-9_]{8}\.partial\..+")


def remove_stale_temporaries(out_dir: Path, older_than_ns: int) -> int:
    """Delete our temporaries anywhere under ``out_dir`` last changed before ``older_than_ns``;
    returns how many. Called by a run that holds the folder's lock, with the moment it took
    it: no other run writes there, so anything older is what a killed run left, whatever
    recordings it was labelling (`remove_partials` only clears those of the recording at hand)."""
    removed = 0
    for folder, _, names in os.walk(out_dir):
        for name in names:
            if not (name.startswith(".") and _ANY_PARTIAL.fullmatch(name)):
                continue
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                if os.lstat(path).st_mtime_ns < older_than_ns:
                    os.unlink(path)
                    removed += 1
    return removed


def _match_umask(path: Path) -> None:
    """mkstemp makes 0600 files; outputs on a shared corpus should obey the umask like any file."""
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~mask)
