"""Which recordings a corpus run covers, what each output is called, and which shard gets which.

Every recording gets a *key*: its path relative to where it was found, without the audio
extension (``spk1/a`` for ``corpus/spk1/a.wav`` under the folder ``corpus``). Outputs are named
by the key, so a folder's layout is mirrored under ``--out``, and the corpus is sorted by key so
that every shard of a SLURM array, listing the same inputs on another node, sees the same order.
Two recordings with the same key (``a.wav`` and ``a.flac``) would overwrite each other's
outputs: that is refused before any work starts.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator.core.audio_header import special_kind
from annotator.core.errors import AnnotatorError
from annotator.core.printable import printable
from annotator.core.scan import audio_extensions, find_audio_files

#: A command-line input with one of these extensions is a list of recordings, one per line.
LIST_SUFFIXES = frozenset({".txt", ".lst", ".list"})


class CorpusError(AnnotatorError):
    """The inputs cannot make a corpus (missing argument, unreadable list, clashing names)."""


class CorpusWarning(UserWarning):
    """Something in a corpus folder was left out (a FIFO named like a recording)."""


@dataclass(frozen=True, order=True)
class CorpusItem:
    """One recording: ``key`` names its outputs (POSIX-style, no extension), ``path`` is read."""

    key: str
    path: Path


def _key(relative: Path) -> str:
    return relative.with_suffix("").as_posix()


def _common_parent(paths: Sequence[Path]) -> Path:
    parents = [str(p.parent) for p in paths]
    try:
        return Path(os.path.commonpath(parents))
    except ValueError:  # different drives (Windows) or absolute/relative mix
        return Path("")


def _relative_items(paths: Sequence[Path]) -> list[CorpusItem]:
    """Loose files (command line or list file) keyed relative to their common folder."""
    absolute = [Path(os.path.abspath(p)) for p in paths]
    root = _common_parent(absolute)
    items = []
    for given, full in zip(paths, absolute, strict=True):
        rel = full.relative_to(root) if str(root) else Path(full.name)
        items.append(CorpusItem(_key(rel), given))
    return items


def read_list(source: Path | None, lines: Iterable[str]) -> list[Path]:
    """Paths of a list file (relative ones are relative to the list's folder); blank lines and
    ``#`` comments skipped. ``source`` None means standard input (relative to the cwd)."""
    base = source.parent if source is not None else Path(".")
    paths = []
    for raw in lines:
        entry = raw.strip()
        if entry and not entry.startswith("#"):
            path = Path(os.path.expanduser(entry))
            paths.append(path if path.is_absolute() else base / path)
    return paths


def _list_lines(source: Path) -> list[str]:
    try:
        return source.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CorpusError(f"{source}: a list file must be UTF-8 text, one path per line") from None
    except OSError as exc:
        raise CorpusError(f"{source}: cannot read list file ({exc.strerror or exc})") from None


def list_corpus(inputs: Sequence[str], extensions: Iterable[str] | None = None) -> list[CorpusItem]:
    """The recordings the command-line ``inputs`` name, sorted by key, duplicates removed.

    An input is a folder (searched recursively for ``extensions``, default: every format this
    machine's libsndfile reads; hidden files skipped), a list file (``.txt``/``.lst``/``.list``,
    or ``-`` for standard input) or a recording. A missing command-line input is an error; a
    missing file named in a list is not (it fails alone, in the run, like a corrupt one).
    """
    wanted = (
        audio_extensions()
        if extensions is None
        else frozenset(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    )
    items: list[CorpusItem] = []
    loose: list[Path] = []
    for raw in inputs:
        if raw == "-":
            items += _relative_items(read_list(None, sys.stdin.read().splitlines()) or [])
            continue
        path = Path(raw)
        if path.is_dir():
            found = find_audio_files(path, wanted, on_skipped=_warn_skipped)
            items += [CorpusItem(_key(f.relative_to(path)), f) for f in found]
        elif path.suffix.lower() in LIST_SUFFIXES:
            if not path.is_file():
                kind = special_kind(path)
                problem = f"is {kind}, not a list file" if kind else "no such list file"
                raise CorpusError(f"{path}: {problem}")
            listed = read_list(path, _list_lines(path))
            items += _relative_items(listed) if listed else []
        elif path.exists():
            kind = special_kind(path)
            if kind is not None:  # opening a FIFO blocks for ever: refuse it, never open it
                raise CorpusError(f"{path}: is {kind}, not a regular file; not opened")
            loose.append(path)
        else:
            raise CorpusError(f"{path}: no such file or folder")
    if loose:
        items += _relative_items(loose)
    return _deduplicate(items)


def _warn_skipped(path: Path, kind: str) -> None:
    """One warning line (a newline in the name is escaped here, before warnings collapse it)."""
    message = f"{printable(str(path))}: is {kind}, not a regular file; skipped"
    warnings.warn(message, CorpusWarning, stacklevel=2)


def _deduplicate(items: list[CorpusItem]) -> list[CorpusItem]:
    """Drop the same file named twice; refuse two files that would share their outputs."""
    by_file: dict[str, CorpusItem] = {}
    for item in items:
        by_file.setdefault(os.path.realpath(item.path), item)
    by_key: dict[str, CorpusItem] = {}
    for item in by_file.values():
        other = by_key.setdefault(item.key.casefold(), item)
        if other is not item:
            raise CorpusError(
                f"{item.path}: would write the same outputs as {other.path} (both are "
                f"{item.key!r}); label them in separate runs with different --out folders"
            )
    return sorted(by_key.values(), key=lambda i: (i.key.casefold(), i.key, str(i.path)))


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` with 1 <= i <= n (SLURM: ``$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT``
    with ``--array=1-n``)."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise CorpusError(f"--shard {text}: expected i/n, e.g. 3/10") from None
    if count < 1 or not 1 <= index <= count:
        raise CorpusError(f"--shard {text}: shard number must lie in 1..n (n >= 1)")
    return index, count


def select_shard(items: Sequence[CorpusItem], index: int, count: int) -> list[CorpusItem]:
    """Shard ``index`` of ``count`` (1-based): every ``count``-th item of the sorted corpus.

    Round-robin over the sorted corpus keeps shards within one file of each other in size and
    mixes long and short recordings of each speaker folder; together the shards cover each item
    exactly once.
    """
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count} out of range")
    return list(items[index - 1 :: count])
