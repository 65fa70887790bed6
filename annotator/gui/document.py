"""`Document`: one open recording — its samples, its labels, its undo stack and where to save.

Kept apart from the window so that loading, saving and autosaving can be tested without
widgets, and so that switching files is just replacing one object.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QObject, QStandardPaths, pyqtSignal

from annotator.audio.samples import Samples
from annotator.audio.source import FileSamples, MappedSamples, close_samples, open_samples
from annotator.core import Annotation
from annotator.core.atomic import SaveError
from annotator.core.autosave import Autosaver
from annotator.core.envelope import EnvelopePyramid
from annotator.core.errors import AnnotatorError
from annotator.core.project import Project, ProjectError, RecordingEntry
from annotator.core.sidecar import RecordingStatus, SidecarError, SidecarState
from annotator.evidence.cache import Evidence
from annotator.gui.undo import UndoStack

AUTOSAVE_INTERVAL_S = 30.0
#: environment variable overriding the autosave delay in seconds (tests, cautious users)
AUTOSAVE_ENV = "NMF_ANNOTATOR_AUTOSAVE_S"


def autosave_interval() -> float:
    """The autosave delay: `AUTOSAVE_INTERVAL_S` unless ``NMF_ANNOTATOR_AUTOSAVE_S`` says less."""
    try:
        value = float(os.environ.get(AUTOSAVE_ENV, AUTOSAVE_INTERVAL_S))
    except ValueError:
        return AUTOSAVE_INTERVAL_S
    return min(max(value, 0.0), AUTOSAVE_INTERVAL_S) if value == value else AUTOSAVE_INTERVAL_S


class DocumentError(AnnotatorError):
    """A recording cannot be opened or saved; ``str()`` is one line naming the file."""


@dataclass(frozen=True)
class Audio:
    """Mono samples (native rate; int16 or float32, read as float32 by slice) and their envelope
    pyramid. A long recording's samples are a `FileSamples` read from the file range by range
    (`annotator.audio.source`): the views slice ``samples``; only a caller that wants everything
    converts it whole."""

    samples: Samples | FileSamples
    sample_rate: int
    pyramid: EnvelopePyramid
    #: what was repaired while decoding (NaN samples zeroed), to show the user
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    def close(self) -> None:
        """Close the file handle or temporary mapping behind long samples (idempotent); the
        pyramid lets go of them too, so nothing keeps a mapped decode alive."""
        close_samples(self.samples)
        release = getattr(self.pyramid, "release", None)  # a `StreamedPyramid`'s
        if release is not None:
            release()


def load_audio(path: Path) -> Audio:
    """Open a recording's mono samples (decoded when short, on demand from the file when long)
    and build their envelope pyramid; raises `DocumentError` naming the file."""
    try:
        samples, rate = open_samples(path)
        streamed = isinstance(samples, (FileSamples, MappedSamples))
        if rate > 0 and len(samples) and streamed:
            from annotator.audio.streamed_envelope import StreamedPyramid

            pyramid: EnvelopePyramid = StreamedPyramid(samples)  # the one pass over the file
    except Exception as exc:  # libsndfile raises several types
        raise DocumentError(f"{path}: cannot read audio ({' '.join(str(exc).split())})") from exc
    if rate <= 0:
        raise DocumentError(f"{path}: cannot read audio (sample rate {rate})")
    if len(samples) == 0:
        raise DocumentError(f"{path}: audio file contains no samples")
    if streamed:
        repaired = samples.repaired
    else:
        repaired = _zero_non_finite(samples.raw)
        pyramid = EnvelopePyramid(samples.raw, rate, scale=samples.scale)
    notes = (f"{path}: {repaired} non-finite sample(s) (NaN/Inf) shown as 0",) if repaired else ()
    return Audio(samples, rate, pyramid, notes)


def _zero_non_finite(raw: np.ndarray, block: int = 1 << 22) -> int:
    """Set NaN/Inf samples of a float file to 0 in place (they would break every view's range,
    as the segmenter's decoder zeroes them too); block-wise, so no full-length mask."""
    if raw.dtype.kind != "f":
        return 0
    count = 0
    for start in range(0, raw.shape[0], block):
        chunk = raw[start : start + block]
        bad = ~np.isfinite(chunk)
        if bad.any():
            chunk[bad] = 0.0
            count += int(bad.sum())
    return count


def fallback_state_dir(folder: Path) -> Path:
    """Where a read-only folder's (or the shipped demo's) project lives: the user's data dir."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    digest = hashlib.sha1(str(folder.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(base or Path.home() / ".nmf-annotator") / "projects" / digest


def project_for(folder: Path, *, writable: bool = True) -> Project:
    """The project of a corpus folder: its own, else a new one there, else one in the data dir."""
    folder = folder.resolve()
    try:
        return Project.open(folder)
    except ProjectError:
        pass
    if writable:
        try:
            return Project.create(folder)
        except (ProjectError, SaveError):
            pass
    state = fallback_state_dir(folder)
    try:
        return Project.open(state)
    except ProjectError:
        return Project.create(folder, state_dir=state)


class Document(QObject):
    """An open recording of a project; edits go through `stack`, saves through the project."""

    #: the labels changed (edit, undo, redo, reload)
    changed = pyqtSignal()
    #: the unsaved marker changed: True when everything is saved
    cleanChanged = pyqtSignal(bool)  # noqa: N815 (Qt naming)

    def __init__(
        self,
        project: Project,
        entry: RecordingEntry,
        audio: Audio,
        state: SidecarState,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.entry = entry
        self.audio = audio
        self.annotation: Annotation = state.annotation
        self.status = state.status
        self.warnings = list(state.warnings)
        self.stack = UndoStack(self.annotation, self)
        self.stack.edited.connect(self._on_edited)
        self.stack.cleanChanged.connect(self.cleanChanged)
        self.autosaver = Autosaver(project.autosave_path(entry), autosave_interval())
        #: the model evidence of this recording (posteriors, H, thresholds), None until a
        #: pre-labeler ran or its cache was read (`prelabel_actions.PrelabelController`)
        self.evidence: Evidence | None = None
        self.closed = False

    @classmethod
    def open(cls, path: Path, project: Project | None = None) -> Document:
        """Open ``path`` with its saved labels (or empty class lanes); one-line errors."""
        path = path.resolve()
        if project is None:
            try:
                project = project_for(path.parent)
            except (ProjectError, SaveError) as exc:
                raise DocumentError(str(exc)) from exc
        try:
            entry = project.entry(path.relative_to(project.root).as_posix())
        except (ProjectError, ValueError):
            project.rescan()
            try:
                entry = project.entry(path.relative_to(project.root).as_posix())
            except (ProjectError, ValueError) as exc:
                raise DocumentError(f"{path}: not an audio file this program can read") from exc
        audio = load_audio(path)
        try:
            state = project.load_state(entry, fall_back_to_backup=True)
        except SidecarError as exc:
            raise DocumentError(str(exc)) from exc
        state.warnings[:0] = audio.warnings
        return cls(project, entry, audio, state)

    @property
    def path(self) -> Path:
        return self.entry.path

    @property
    def duration(self) -> float:
        return self.annotation.duration or self.audio.duration

    @property
    def dirty(self) -> bool:
        return not self.stack.isClean()

    def _on_edited(self) -> None:
        if self.dirty:
            self.autosaver.notify_changed(self.annotation, status=self._status_after_edit())
        else:  # undone back to what is on disk: an autosave would only offer a false recovery
            self.autosaver.mark_saved()
        self.changed.emit()

    def working_state(self) -> tuple[Path, RecordingStatus, int, bool]:
        """(path, status, segment count, unsaved) of the labels as they are now, for the
        corpus panel: the status a save would write, and what the lanes hold."""
        count = sum(len(lane) for lane in self.annotation)
        status = self._status_after_edit() if self.dirty else self.status
        return self.path, status, count, self.dirty

    def _status_after_edit(self) -> RecordingStatus:
        return RecordingStatus.IN_REVIEW if self.status is RecordingStatus.NEW else self.status

    def save(self, status: RecordingStatus | None = None) -> None:
        """Atomic sidecar save through the project (previous version kept as .bak)."""
        try:
            saved = self.project.save(self.entry, self.annotation, status)
        except (SaveError, OSError) as exc:
            raise DocumentError(str(exc)) from exc
        self.status = saved.status
        self.autosaver.mark_saved()
        self.stack.setClean()

    def autosave_tick(self) -> bool:
        """Write the autosave if due; True when it wrote."""
        return self.autosaver.maybe_save()

    def flush_autosave(self) -> bool:
        return self.dirty and self.autosaver.flush()

    def close(self) -> None:
        """Release what this recording holds open, now rather than at garbage collection: the
        audio file handle (or mapped temporary decode) and the model evidence's mappings.
        Called when another recording replaces it and when the window closes, after its edits
        were saved or discarded; the undo history goes with it (its steps hold evidence).
        Idempotent; reading the audio afterwards raises `annotator.audio.source.SourceClosed`."""
        if self.closed:
            return
        self.closed = True
        self.stack.edited.disconnect(self._on_edited)  # clearing is no edit: autosave untouched
        self.stack.clear()
        evidence, self.evidence = self.evidence, None
        if evidence is not None:
            evidence.close()
        self.audio.close()
