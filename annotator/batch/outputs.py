"""Output files of a corpus run: their names, whether they are up to date, writing them safely.

All outputs of a recording appear together or not at all: each format is first written to a
hidden temporary file beside its target (whatever the writer does inside, a plugin's included),
and only when every format succeeded are they renamed into place. A run killed at any instant
(SLURM time limit, pre-emption) therefore leaves complete outputs or none, and ``--resume`` can
trust that an output that exists is whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from annotator.batch.corpus import CorpusItem
from annotator.core.annotation import Annotation


class OutputError(Exception):
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
) -> None:
    """Write ``annotation`` in every format of ``targets`` ({path: Format}), all or nothing."""
    written: list[tuple[Path, Path]] = []
    try:
        for target, fmt in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale(target, fmt.extensions[0])
            fd, name = tempfile.mkstemp(
                prefix=f".{target.stem}.", suffix=f".partial{fmt.extensions[0]}", dir=target.parent
            )
            os.close(fd)
            temporary = Path(name)
            written.append((temporary, target))
            try:
                fmt.writer(annotation, temporary, **_writer_options(fmt.name, item))
            except Exception as exc:  # name the real target, not our temporary file
                message = " ".join(str(exc).split()).replace(str(temporary), str(target))
                if str(target) not in message:
                    message = f"{target}: {message or type(exc).__name__}"
                raise OutputError(message) from exc
        for temporary, target in written:
            _match_umask(temporary)
            os.replace(temporary, target)
    finally:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                temporary.unlink()


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


def _match_umask(path: Path) -> None:
    """mkstemp makes 0600 files; outputs on a shared corpus should obey the umask like any file."""
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~mask)
