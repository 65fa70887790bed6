"""`Project`: a corpus folder of recordings, each with a status and a sidecar of its labels.

Where things live (one folder, so a corpus stays untouched and the work is one thing to back up,
version or delete)::

    <root>/                          the recordings, in any sub-folders, never written to
    <root>/.nmf-annotator/project.json              settings + schema version
    <root>/.nmf-annotator/<rel>.annotation.json     sidecar of <root>/<rel> (extension kept,
                                                    so a.wav and a.flac do not collide)
    <root>/.nmf-annotator/<rel>.annotation.json.bak      previous version of it
    <root>/.nmf-annotator/<rel>.annotation.json.autosave unsaved work, see `autosave`
    <root>/.nmf-annotator/index.json                disposable cache of headers and statuses

For a read-only corpus the project folder can live elsewhere (``Project.create(root,
state_dir=...)``); ``project.json`` then records the corpus folder, and `Project.open` accepts
either folder.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.annotation import Annotation, RecordingInfo, file_checksum
from annotator.core.project_file import (
    PROJECT_FILE,
    STATE_DIR_NAME,
    ProjectError,
    find_state_dir,
    new_document,
    read_project_file,
    remove_stale_temp_files,
    write_project_file,
)
from annotator.core.scan import AudioFacts, ScanCache, file_stamp, find_audio_files, probe_audio
from annotator.core.sidecar import (
    SIDECAR_SUFFIX,
    RecordingStatus,
    SidecarError,
    SidecarState,
    autosave_path_for,
    backup_path,
    load_sidecar,
    save_sidecar,
)

INDEX_FILE = "index.json"

__all__ = [
    "INDEX_FILE",
    "PROJECT_FILE",
    "STATE_DIR_NAME",
    "Project",
    "ProjectError",
    "RecordingEntry",
]


@dataclass(eq=False)
class RecordingEntry:
    """One recording of the corpus as the project table shows it (updated in place by Project)."""

    path: Path
    rel_path: str
    status: RecordingStatus = RecordingStatus.NEW
    duration: float | None = None
    sample_rate: int | None = None
    n_segments: int = 0
    audio_error: str | None = None  # the recording cannot be decoded
    sidecar_error: str | None = None  # its sidecar cannot be read (labels not lost: see .bak)
    warning: str | None = None  # set by load: recording changed, or recovered from backup

    @property
    def error(self) -> str | None:
        problems = [p for p in (self.audio_error, self.sidecar_error) if p]
        return "; ".join(problems) or None


class Project:
    """A corpus on disk; construct with `create`, `open` or `open_or_create`."""

    def __init__(self, root: Path, state_dir: Path, doc: dict[str, Any]) -> None:
        self.root = root
        self.state_dir = state_dir
        self.created: str | None = doc.get("created")
        self.settings: dict[str, Any] = dict(doc.get("settings") or {})
        self._external = doc.get("root") is not None
        self._extra: dict[str, dict[str, Any]] = {}
        self._cache = ScanCache(state_dir / INDEX_FILE)
        self.recordings: list[RecordingEntry] = []
        self._by_rel: dict[str, RecordingEntry] = {}
        remove_stale_temp_files(state_dir)
        self.rescan()

    # --- opening ----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        folder: str | Path,
        *,
        state_dir: str | Path | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Project:
        """Make ``folder`` a project (project folder inside it unless ``state_dir`` is given)."""
        root = Path(folder).resolve()
        if not root.is_dir():
            raise ProjectError(f"{root}: not a folder")
        state = Path(state_dir).resolve() if state_dir is not None else root / STATE_DIR_NAME
        if (state / PROJECT_FILE).exists():
            raise ProjectError(f"{state / PROJECT_FILE}: a project exists here already")
        doc = new_document(None if state == root / STATE_DIR_NAME else root, settings)
        write_project_file(state, doc)
        return cls(root, state, doc)

    @classmethod
    def open(cls, folder: str | Path) -> Project:
        """Open a project given its corpus folder or its project folder."""
        folder = Path(folder).resolve()
        state = find_state_dir(folder)
        if state is None:
            raise ProjectError(
                f"{folder}: no nmf-annotator project here (no {STATE_DIR_NAME}/{PROJECT_FILE})"
            )
        doc = read_project_file(state / PROJECT_FILE)
        root = Path(doc["root"]) if doc.get("root") is not None else state.parent
        if not root.is_dir():
            raise ProjectError(f"{state / PROJECT_FILE}: corpus folder {root} does not exist")
        return cls(root, state, doc)

    @classmethod
    def open_or_create(cls, folder: str | Path) -> Project:
        folder = Path(folder).resolve()
        return cls.open(folder) if find_state_dir(folder) else cls.create(folder)

    def save_settings(self) -> None:
        """Write ``settings`` to ``project.json`` (previous version kept as ``.bak``)."""
        doc = new_document(self.root if self._external else None, self.settings)
        doc["created"] = self.created
        write_project_file(self.state_dir, doc, backup=True)

    def close(self) -> None:
        """Write the header/status cache; skipping it only makes the next open a bit slower.

        The cache is not written on every save: it holds nothing that is not also in the
        recordings and sidecars, and every entry is checked against its file's stamp.
        """
        self._cache.write()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the recordings ---------------------------------------------------------------------
    def rescan(self) -> list[RecordingEntry]:
        """Re-list the corpus; entries of files still present keep their identity."""
        entries: list[RecordingEntry] = []
        for path in find_audio_files(self.root):
            if self._external and self.state_dir in path.parents:
                continue
            rel = path.relative_to(self.root).as_posix()
            entry = self._by_rel.get(rel) or RecordingEntry(path=path, rel_path=rel)
            self._refresh_audio(entry)
            self._refresh_sidecar(entry)
            entries.append(entry)
        self.recordings = entries
        self._by_rel = {e.rel_path: e for e in entries}
        self._cache.forget_missing(set(self._by_rel))
        self._cache.write()
        return entries

    def entry(self, rel_path: str) -> RecordingEntry:
        try:
            return self._by_rel[Path(rel_path).as_posix()]
        except KeyError:
            raise ProjectError(f"{self.root / rel_path}: not a recording of this project") from None

    def sidecar_path(self, entry: RecordingEntry) -> Path:
        return self.state_dir / (entry.rel_path + SIDECAR_SUFFIX)

    def autosave_path(self, entry: RecordingEntry) -> Path:
        return autosave_path_for(self.sidecar_path(entry))

    def orphan_sidecars(self) -> list[Path]:
        """Sidecars whose recording is gone (moved or deleted): labels worth telling about."""
        orphans = []
        for path in sorted(self.state_dir.rglob("*" + SIDECAR_SUFFIX)):
            rel = path.relative_to(self.state_dir).as_posix()[: -len(SIDECAR_SUFFIX)]
            if rel not in self._by_rel:
                orphans.append(path)
        return orphans

    def recording_info(self, entry: RecordingEntry, *, checksum: bool = True) -> RecordingInfo:
        """What the recording file is now (path stored relative, so the corpus can move)."""
        return RecordingInfo(
            path=entry.rel_path,
            duration=entry.duration,
            sample_rate=entry.sample_rate,
            checksum=self._checksum(entry) if checksum else None,
        )

    # --- labels -----------------------------------------------------------------------------
    def load_state(
        self, entry: RecordingEntry, *, fall_back_to_backup: bool = False
    ) -> SidecarState:
        """The saved state of a recording, or a fresh one (class lanes, status NEW) if none.

        Sets ``entry.warning`` when the labels were recovered from the backup or the recording
        no longer matches the checksum stored with them; the labels are returned either way.
        """
        sidecar = self.sidecar_path(entry)
        if not sidecar.exists() and not (fall_back_to_backup and backup_path(sidecar).exists()):
            self._extra.pop(entry.rel_path, None)
            entry.warning = None
            return SidecarState(Annotation.with_class_lanes(self.recording_info(entry)))
        try:
            state = load_sidecar(sidecar, fall_back_to_backup=fall_back_to_backup)
        except SidecarError as exc:
            entry.sidecar_error = exc.problem
            raise
        entry.sidecar_error = None
        stored = state.annotation.recording.checksum
        if stored:
            current = self._checksum(entry)
            if current is None:
                state.warnings.append(f"{entry.path}: recording cannot be read to check it")
            elif current != stored:
                state.warnings.append(
                    f"{entry.path}: the recording has changed since these labels were saved "
                    "(checksum differs); labels kept, please check their timing"
                )
        entry.warning = "; ".join(state.warnings) or None
        entry.status = state.status
        entry.n_segments = _count(state.annotation)
        self._extra[entry.rel_path] = state.extra
        return state

    def load(self, entry: RecordingEntry, *, fall_back_to_backup: bool = False) -> Annotation:
        return self.load_state(entry, fall_back_to_backup=fall_back_to_backup).annotation

    def save(
        self,
        entry: RecordingEntry,
        annotation: Annotation,
        status: RecordingStatus | str | None = None,
        *,
        extra: dict[str, Any] | None = None,
    ) -> SidecarState:
        """Write the labels atomically (previous version to ``.bak``) and drop the autosave.

        Without ``status`` a NEW recording becomes IN_REVIEW (someone worked on it) and any other
        keeps its status. ``extra`` defaults to what the last load returned. Raises `SaveError`.
        """
        if status is None:
            status = (
                RecordingStatus.IN_REVIEW if entry.status is RecordingStatus.NEW else entry.status
            )
        extra = self._extra.get(entry.rel_path, {}) if extra is None else extra
        sidecar = self.sidecar_path(entry)
        saved = save_sidecar(sidecar, SidecarState(annotation, RecordingStatus(status), extra))
        with contextlib.suppress(FileNotFoundError):
            self.autosave_path(entry).unlink()
        entry.status = saved.status
        entry.n_segments = _count(annotation)
        entry.sidecar_error = None
        self._extra[entry.rel_path] = extra
        self._cache.put(
            entry.rel_path,
            "sidecar",
            file_stamp(sidecar),
            status=entry.status.value,
            n_segments=entry.n_segments,
        )
        return saved

    def set_status(self, entry: RecordingEntry, status: RecordingStatus | str) -> None:
        """Change only the status, keeping the saved labels (unsaved GUI edits: use `save`)."""
        sidecar = self.sidecar_path(entry)
        if sidecar.exists():
            state = load_sidecar(sidecar)
            annotation, extra = state.annotation, state.extra
        else:
            annotation, extra = Annotation.with_class_lanes(self.recording_info(entry)), {}
        self.save(entry, annotation, RecordingStatus(status), extra=extra)

    # --- internals --------------------------------------------------------------------------
    def _refresh_audio(self, entry: RecordingEntry) -> None:
        stamp = file_stamp(entry.path)
        cached = self._cache.get(entry.rel_path, "audio", stamp)
        if cached is not None:
            facts = AudioFacts(
                cached.get("duration"), cached.get("sample_rate"), cached.get("error")
            )
        else:
            facts = probe_audio(entry.path)
            self._cache.put(
                entry.rel_path,
                "audio",
                stamp,
                duration=facts.duration,
                sample_rate=facts.sample_rate,
                error=facts.error,
            )
        entry.duration, entry.sample_rate, entry.audio_error = (
            facts.duration,
            facts.sample_rate,
            facts.error,
        )

    def _refresh_sidecar(self, entry: RecordingEntry) -> None:
        sidecar = self.sidecar_path(entry)
        stamp = file_stamp(sidecar)
        if stamp is None:
            entry.status, entry.n_segments, entry.sidecar_error = RecordingStatus.NEW, 0, None
            return
        cached = self._cache.get(entry.rel_path, "sidecar", stamp)
        if cached is not None and cached.get("status") in {s.value for s in RecordingStatus}:
            entry.status = RecordingStatus(cached["status"])
            entry.n_segments = int(cached.get("n_segments", 0))
            entry.sidecar_error = None
            return
        try:
            state = load_sidecar(sidecar)
        except SidecarError as exc:
            entry.status, entry.n_segments, entry.sidecar_error = (
                RecordingStatus.NEW,
                0,
                exc.problem,
            )
            return
        entry.status, entry.n_segments, entry.sidecar_error = (
            state.status,
            _count(state.annotation),
            None,
        )
        self._cache.put(
            entry.rel_path, "sidecar", stamp, status=entry.status.value, n_segments=entry.n_segments
        )

    def _checksum(self, entry: RecordingEntry) -> str | None:
        stamp = file_stamp(entry.path)
        cached = self._cache.get(entry.rel_path, "checksum", stamp)
        if cached is not None:
            return cached.get("value")
        try:
            value = file_checksum(entry.path)
        except OSError:
            return None
        self._cache.put(entry.rel_path, "checksum", stamp, value=value)
        return value


def _count(annotation: Annotation) -> int:
    return sum(len(lane) for lane in annotation)
