"""Sidecar files: the editable state of one recording as a versioned, strictly checked JSON.

A sidecar is what a person's work is stored in, so reading one never guesses: a file that is
not valid JSON, carries another format tag, misses a field or was written by a newer version of
the program is refused with one line naming the file and the problem. Older schema versions are
upgraded step by step through `MIGRATIONS`, so a file from any earlier release keeps loading.

Layout (schema version 1)::

    {"format": "nmf-annotator-sidecar", "schema_version": 1, "saved_at": "<ISO 8601, UTC>",
     "status": "new|prelabelled|in_review|done", "annotation": Annotation.to_dict(),
     "extra": {...}}

``extra`` is free-form JSON for callers (GUI view state, notes) and survives a round trip.

A lane may carry ``"confidence_floor"`` and ``"hidden"`` (model segments under the floor,
`annotator.core.confidence_floor`), written only when set. Both default to "no floor", so every
version-1 file reads as before and the schema stays 1: a program that predates them still reads
exactly the segments a person sees; only the regenerable hidden model guesses are unknown to it.
Writes are atomic and keep the previous version as ``<name>.bak``; `load_sidecar` can fall back
to that backup when asked, and then says so in `SidecarState.recovered_from`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from annotator.core.annotation import Annotation
from annotator.core.atomic import SaveError, atomic_write_text
from annotator.core.errors import AnnotationError
from annotator.core.json_text import escape_lone_surrogates

FORMAT = "nmf-annotator-sidecar"
SCHEMA_VERSION = 1
SIDECAR_SUFFIX = ".annotation.json"
BACKUP_SUFFIX = ".bak"
AUTOSAVE_SUFFIX = ".autosave"  # unsaved work beside the sidecar, see `annotator.core.autosave`

#: One step of the upgrade path: ``MIGRATIONS[n]`` turns a version-n document into version n+1.
#: Version 1 is the first released layout, so the table is empty today; the loader already walks
#: it, so adding a version means adding one function here and bumping `SCHEMA_VERSION`.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}


class SidecarError(AnnotationError):
    """A sidecar cannot be read; ``str()`` is one line naming the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = " ".join(str(problem).split())  # always one line
        super().__init__(f"{self.path}: {self.problem}")


class NewerVersionError(SidecarError):
    """The sidecar comes from a newer program; we refuse rather than drop what we don't know."""


class RecordingStatus(str, Enum):
    """Where a recording stands in the labelling work, shown in the corpus table."""

    NEW = "new"  # nothing saved yet
    PRELABELLED = "prelabelled"  # model output saved, no person has looked at it
    IN_REVIEW = "in_review"  # a person has started correcting it
    DONE = "done"  # a person has marked it finished

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass
class SidecarState:
    """What a sidecar holds, plus how it was read (``recovered_from`` is set after a fallback)."""

    annotation: Annotation
    status: RecordingStatus = RecordingStatus.NEW
    extra: dict[str, Any] = field(default_factory=dict)
    saved_at: str | None = None
    recovered_from: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def to_document(self, saved_at: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "saved_at": saved_at,
            "status": RecordingStatus(self.status).value,
            "annotation": self.annotation.to_dict(),
            "extra": self.extra,
        }


def now_iso() -> str:
    """UTC with microseconds: saves a few milliseconds apart still order correctly."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    """A ``saved_at`` value as an aware datetime, or None when absent or unreadable."""
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def backup_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


def autosave_path_for(sidecar_path: str | Path) -> Path:
    sidecar_path = Path(sidecar_path)
    return sidecar_path.with_name(sidecar_path.name + AUTOSAVE_SUFFIX)


def ensure_folder(folder: Path, for_file: Path) -> None:
    """Create the folder a sidecar goes into, turning failure into a one-line `SaveError`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(
            f"{for_file}: cannot create folder {folder} ({exc.strerror or exc})"
        ) from exc


def save_sidecar(path: str | Path, state: SidecarState, *, backup: bool = True) -> SidecarState:
    """Write ``state`` atomically (old version kept as ``.bak``); returns it with ``saved_at`` set.

    Raises `SaveError` (one line) when the file cannot be written; the previous file is intact.
    """
    path = Path(path)
    saved_at = now_iso()
    text = escape_lone_surrogates(dumps_document(state.to_document(saved_at))) + "\n"
    ensure_folder(path.parent, path)
    atomic_write_text(path, text, backup=backup)
    return replace(state, saved_at=saved_at, recovered_from=None, warnings=[])


def dumps_document(doc: Any, level: int = 0) -> str:
    """JSON with one segment per line: diffable and greppable when a corpus is kept in git.

    Objects of plain values (a segment, recording info) go on one line; anything nesting goes
    one item per line. Costs about what ``indent=1`` costs (~6 µs a segment); a compact
    one-line file would be ~3x faster but useless in a diff.
    """
    inner = " " * (level + 1)
    if isinstance(doc, dict) and not all(_is_plain(v) for v in doc.values()):
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps_document(v, level + 1)}"
            for k, v in doc.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    if isinstance(doc, list) and not all(_is_plain(v) for v in doc):
        items = [inner + dumps_document(v, level + 1) for v in doc]
        return "[\n" + ",\n".join(items) + "\n" + " " * level + "]"
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def load_sidecar(path: str | Path, *, fall_back_to_backup: bool = False) -> SidecarState:
    """Read and validate a sidecar; raise `SidecarError` naming the file and the problem.

    With ``fall_back_to_backup``, a main file that is missing or damaged is replaced by a good
    ``.bak``: the result then has ``recovered_from`` set and a warning, and the caller should tell
    the user. A file from a newer version is never bypassed that way (the backup would silently
    roll back someone's newer work), and when the backup is bad too the main file's error is
    raised.
    """
    path = Path(path)
    try:
        return _load(path)
    except NewerVersionError:
        raise
    except SidecarError as main_error:
        bak = backup_path(path)
        if not fall_back_to_backup or not bak.exists():
            raise
        try:
            state = _load(bak)
        except SidecarError:
            raise main_error from None
        state.recovered_from = bak
        state.warnings.append(
            f"{path}: {main_error.problem}; recovered the previous version from {bak.name}"
        )
        return state


def _load(path: Path) -> SidecarState:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SidecarError(path, "sidecar file does not exist") from None
    except OSError as exc:
        raise SidecarError(path, f"cannot read sidecar ({exc.strerror or exc})") from exc
    return parse_document(path, raw)


def parse_document(path: Path, raw: bytes) -> SidecarState:
    """Validate raw sidecar bytes; ``path`` is only used to name the file in errors."""
    if not raw.strip():
        raise SidecarError(path, "sidecar file is empty (damaged)")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SidecarError(
            path, f"sidecar is not UTF-8 text (damaged at byte {exc.start})"
        ) from None
    except json.JSONDecodeError as exc:
        raise SidecarError(
            path,
            f"sidecar is not valid JSON (damaged? line {exc.lineno}, column {exc.colno}: {exc.msg})",
        ) from None
    if not isinstance(doc, dict):
        raise SidecarError(path, "sidecar is not a JSON object")
    if doc.get("format") != FORMAT:
        raise SidecarError(path, f"not an nmf-annotator sidecar (format tag {doc.get('format')!r})")
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SidecarError(path, f"schema_version must be an integer, got {version!r}")
    doc = migrate(path, doc, version)
    return _state_from_document(path, doc)


def migrate(
    path: Path, doc: dict[str, Any], version: int, migrations: dict[int, Migration] | None = None
) -> dict[str, Any]:
    """Bring ``doc`` from ``version`` up to `SCHEMA_VERSION`, one registered step at a time."""
    table = MIGRATIONS if migrations is None else migrations
    if version > SCHEMA_VERSION:
        raise NewerVersionError(
            path,
            f"written by a newer version of nmf-annotator (sidecar schema {version}, this program "
            f"reads up to {SCHEMA_VERSION}); please update",
        )
    while version < SCHEMA_VERSION:
        step = table.get(version)
        if step is None:
            raise SidecarError(path, f"sidecar schema version {version} is not supported")
        try:
            doc = step(dict(doc))
        except (KeyError, TypeError, ValueError) as exc:
            raise SidecarError(path, f"cannot upgrade from schema {version}: {exc!r}") from exc
        version += 1
        doc["schema_version"] = version
    return doc


def _state_from_document(path: Path, doc: dict[str, Any]) -> SidecarState:
    missing = [key for key in ("status", "annotation") if key not in doc]
    if missing:
        raise SidecarError(path, f"sidecar lacks required field(s) {', '.join(missing)}")
    try:
        status = RecordingStatus(doc["status"])
    except ValueError:
        known = ", ".join(s.value for s in RecordingStatus)
        raise SidecarError(
            path, f"unknown status {doc['status']!r} (expected one of {known})"
        ) from None
    body = doc["annotation"]
    if not isinstance(body, dict) or not isinstance(body.get("lanes", []), list):
        raise SidecarError(path, "field 'annotation' is not an annotation object")
    try:
        annotation = Annotation.from_dict(body)
    except KeyError as exc:
        raise SidecarError(path, f"annotation lacks field {exc.args[0]!r}") from None
    except (AnnotationError, TypeError, ValueError, AttributeError) as exc:
        raise SidecarError(path, f"annotation is invalid: {exc}") from None
    extra = doc.get("extra", {})
    if not isinstance(extra, dict):
        raise SidecarError(path, "field 'extra' must be a JSON object")
    saved_at = doc.get("saved_at")
    return SidecarState(
        annotation=annotation,
        status=status,
        extra=extra,
        saved_at=saved_at if isinstance(saved_at, str) else None,
    )
