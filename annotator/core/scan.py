"""Finding the recordings of a corpus folder and remembering what their headers said.

A corpus can hold thousands of files, some of them long MP3s whose length libsndfile only learns
by reading them, so the project keeps a cache (``index.json`` in the project folder) keyed by
file size and modification time: a reopened project reads only the headers and sidecars that
changed. The cache is disposable; a missing or damaged one is silently rebuilt, since nothing in
it is anyone's work.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.atomic import SaveError, atomic_write_text
from annotator.core.audio_header import AudioHeaderError, read_header, special_kind

INDEX_FORMAT = "nmf-annotator-index"
INDEX_VERSION = 1

#: libsndfile format name -> file-name extensions we treat as that format.
_EXTENSIONS_BY_FORMAT: dict[str, tuple[str, ...]] = {
    "WAV": (".wav",),
    "WAVEX": (".wav",),
    "RF64": (".rf64",),
    "W64": (".w64",),
    "FLAC": (".flac",),
    "OGG": (".ogg", ".oga", ".opus"),
    "MP3": (".mp3",),
    "AIFF": (".aiff", ".aif", ".aifc"),
    "CAF": (".caf",),
    "AU": (".au", ".snd"),
    "NIST": (".sph", ".nist"),
    "IRCAM": (".sf",),
    "VOC": (".voc",),
}


def audio_extensions() -> frozenset[str]:
    """Lower-case extensions of the formats this machine's libsndfile can actually read."""
    import soundfile  # here, not at the top: `import annotator.core` stays light

    available = soundfile.available_formats()
    return frozenset(
        ext for name, exts in _EXTENSIONS_BY_FORMAT.items() if name in available for ext in exts
    )


def find_audio_files(
    root: Path,
    extensions: frozenset[str] | None = None,
    on_skipped: Callable[[Path, str], None] | None = None,
) -> Iterator[Path]:
    """Audio files under ``root``, sorted, skipping hidden files and folders (our own included).

    Symlinked folders are not followed, so a link loop cannot hang a scan. A FIFO, socket or
    device file with an audio extension is left out (opening a FIFO would block for ever), and
    ``on_skipped(path, what it is)`` is told, so that a command can warn about it.
    """
    extensions = audio_extensions() if extensions is None else extensions
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in extensions:
                path = Path(folder, name)
                kind = special_kind(path)
                if kind is None:
                    found.append(path)
                elif on_skipped is not None:
                    on_skipped(path, kind)
    found.sort(key=lambda p: [part.casefold() for part in p.relative_to(root).parts])
    yield from found


@dataclass(frozen=True)
class AudioFacts:
    """What a recording's header says, or why it could not be read."""

    duration: float | None = None
    sample_rate: int | None = None
    error: str | None = None


def probe_audio(path: Path) -> AudioFacts:
    """Header facts of one file; a damaged, unsupported or special file (a FIFO) or an absurd
    sample rate gives ``error``, never raises (the checks are `read_header`'s)."""
    try:
        header = read_header(path)
    except AudioHeaderError as exc:
        return AudioFacts(error=f"cannot read audio: {exc.problem}")
    if header.frames <= 0:  # nothing to show or label; flagged in the corpus table, not opened
        return AudioFacts(error="audio file contains no samples")
    return AudioFacts(duration=header.duration, sample_rate=header.sample_rate)


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(size, mtime_ns, inode): what must match for a cached fact about a file to still hold.

    The inode matters on filesystems with coarse timestamps: every atomic save makes a new file,
    so two same-size saves within one timestamp tick still differ.
    """
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class ScanCache:
    """Cached facts per relative path, each stored with the stamp of the file it came from."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self._read()

    def _read(self) -> None:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if (
            isinstance(doc, dict)
            and doc.get("format") == INDEX_FORMAT
            and doc.get("schema_version") == INDEX_VERSION
            and isinstance(doc.get("entries"), dict)
        ):
            self._entries = doc["entries"]

    def get(self, rel: str, kind: str, stamp: tuple[int, int, int] | None) -> dict[str, Any] | None:
        """The cached ``kind`` record of ``rel`` if it was taken from a file with this stamp."""
        record = self._entries.get(rel, {}).get(kind)
        if stamp is None or not isinstance(record, dict) or record.get("stamp") != list(stamp):
            return None
        return record

    def put(self, rel: str, kind: str, stamp: tuple[int, int, int] | None, **facts: Any) -> None:
        if stamp is None:
            return
        record = {"stamp": list(stamp), **facts}
        slot = self._entries.setdefault(rel, {})
        if slot.get(kind) != record:
            slot[kind] = record
            self.dirty = True

    def forget_missing(self, present: set[str]) -> None:
        for rel in list(self._entries):
            if rel not in present:
                del self._entries[rel]
                self.dirty = True

    def write(self) -> None:
        """Persist if changed; failure is ignored (a read-only project folder still works)."""
        if not self.dirty:
            return
        doc = {"format": INDEX_FORMAT, "schema_version": INDEX_VERSION, "entries": self._entries}
        with contextlib.suppress(SaveError):
            atomic_write_text(self.path, json.dumps(doc, separators=(",", ":")) + "\n")
            self.dirty = False
