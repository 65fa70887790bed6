"""`PrelabelController`: the Pre-label menu, the progress strip, and merging results into labels.

Results of a background `PrelabelJob` arrive here on the GUI thread and are merged by the policy
of `annotator.core.merge` (human segments stay, model segments are replaced):

* the open recording gets one undoable `ApplyPrelabel` step, which also swaps the model
  evidence, so undoing a re-run brings back the earlier posteriors and thresholds too;
* any other recording of the corpus is merged into its saved sidecar (status ``prelabelled``
  if nobody had worked on it), never into a file with unrecovered autosaved work, and never
  into one marked done.

The model evidence is cached per recording (`annotator.evidence.cache`) and shown again when a
pre-labelled file is reopened; thresholds tuned with the sliders are stored with it on save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QThreadPool
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog, QLabel, QProgressBar, QToolButton, QWidget

from annotator.audio.source import in_memory
from annotator.core import Annotation, Edit, InvalidEdit, RecordingStatus, SaveError, SidecarError
from annotator.core.merge import MergePlan, ReplaceModelSegments, plan_merge
from annotator.evidence.cache import Evidence, load_evidence, save_thresholds
from annotator.extensions import PRELABELER_GROUP, Waveform, names
from annotator.gui.prelabel_worker import FileResult, PrelabelJob, Target
from annotator.gui.threshold_panel import ThresholdPanel, threshold_edit
from annotator.resources import installed_default_model

if TYPE_CHECKING:
    from annotator.core import RecordingEntry
    from annotator.gui.context import EditorContext
    from annotator.gui.corpus_panel import CorpusPanel
    from annotator.gui.document import Document
    from annotator.gui.editor import EditorController
    from annotator.gui.timeline_view import TimelineView

log = logging.getLogger(__name__)

DEFAULT_PRELABELER = "nmf"


class ApplyPrelabel(Edit):
    """A pre-labelling result as one undo step: the segment merge and the evidence swap."""

    def __init__(
        self,
        holder: Document,
        plan: MergePlan,
        evidence: Evidence | None,
        name: str,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.holder, self.plan, self.name = holder, plan, name
        self.old, self.new = holder.evidence, evidence
        self.on_change = on_change

    @property
    def description(self) -> str:
        return f"Pre-label with {self.name}"

    def _swap(self, evidence: Evidence | None) -> None:
        self.holder.evidence = evidence
        if self.on_change is not None:
            self.on_change()

    def apply(self, annotation: Annotation) -> None:
        if self.plan.is_empty and self.old is self.new:
            raise InvalidEdit(f"{self.description}: nothing would change")
        if not self.plan.is_empty:
            ReplaceModelSegments(self.plan).apply(annotation)
        self._swap(self.new)

    def undo(self, annotation: Annotation) -> None:
        if not self.plan.is_empty:
            ReplaceModelSegments(self.plan).undo(annotation)
        self._swap(self.old)


class PrelabelController(QObject):
    """Owns the pre-label actions, the running job, the threshold sliders and the evidence views."""

    def __init__(
        self,
        context: EditorContext,
        controller: EditorController,
        timeline: TimelineView,
        corpus: CorpusPanel,
        model_label: QLabel,
        host: QWidget,
    ) -> None:
        super().__init__(host)
        self.context = context
        self.controller = controller
        self.timeline = timeline
        self.corpus = corpus
        self.model_label = model_label  # the status bar's "model: …"
        self.host = host  # the file dialog's parent window
        self.job: PrelabelJob | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.panel = ThresholdPanel()
        self.panel.thresholdMoved.connect(self._on_threshold)
        self.failures: list[str] = []
        self._entries: dict[Path, RecordingEntry] = {}
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(160)
        self.progress_label = QLabel("")
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for widget in self.status_widgets:
            widget.hide()
        self._add_actions()

    @property
    def status_widgets(self) -> tuple[QWidget, ...]:
        """The progress strip, for the window's status bar (shown while a job runs)."""
        return (self.progress_label, self.progress_bar, self.cancel_button)

    # --- actions and menu ---------------------------------------------------------------------
    @property
    def prelabelers(self) -> list[str]:
        found = names(PRELABELER_GROUP)
        return sorted(found, key=lambda n: (n != DEFAULT_PRELABELER, n))

    def _add_actions(self) -> None:
        actions, w = self.context.actions, self.host
        actions["prelabel"] = QAction("Pre-label this recording", w, triggered=lambda: self.run())
        actions["prelabel"].setToolTip("Pre-label the open recording with the default pre-labeler")
        actions["prelabel_all"] = QAction(
            "Pre-label all recordings", w, triggered=lambda: self.run(scope="all")
        )
        actions["prelabel_cancel"] = QAction(
            "Cancel pre-labelling", w, enabled=False, triggered=self.cancel
        )
        actions["prelabel_model"] = QAction(
            "Choose NMF model file…", w, triggered=self.choose_model
        )
        for name in self.prelabelers:
            actions[f"prelabel:{name}"] = QAction(
                f"{name}: this recording", w, triggered=lambda _c=False, n=name: self.run(n)
            )
            actions[f"prelabel_all:{name}"] = QAction(
                f"{name}: all recordings", w, triggered=lambda _c=False, n=name: self.run(n, "all")
            )

    def menu_entries(self) -> list[str | None]:
        """The "Pre-label with" submenu: each pre-labeler found, then cancel and the model."""
        entries: list[str | None] = []
        for name in self.prelabelers:
            entries += [f"prelabel:{name}", f"prelabel_all:{name}", None]
        return [*entries, "prelabel_cancel", "prelabel_model"]

    def update_actions(self) -> None:
        busy = self.running
        has_doc = self.context.document is not None
        has_project = self.context.project is not None
        available = bool(self.prelabelers)
        for key, action in self.context.actions.items():
            if key.startswith("prelabel") and key not in ("prelabel_cancel", "prelabel_model"):
                needs = has_project if key.startswith("prelabel_all") else has_doc
                action.setEnabled(available and needs and not busy)
        self.context.actions["prelabel_cancel"].setEnabled(busy)

    def choose_model(self) -> None:
        current = str(self.context.settings.value("prelabel/nmf/model", "") or "")
        name, _ = QFileDialog.getOpenFileName(
            self.host, "NMF model file", current, "Model files (*.safetensors);;All files (*)"
        )
        if name:
            self.context.settings.setValue("prelabel/nmf/model", name)
            self.context.say(f"Pre-labelling will use {name}", 5000)

    # --- running ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def options(self, name: str) -> tuple[dict, dict]:
        """What the user configured (``options``) and host defaults passed where accepted."""
        model = str(self.context.settings.value(f"prelabel/{name}/model", "") or "")
        # H goes to an unlinked temporary file, mapped (ten hours of K = 256 are 1.8 GB)
        optional = {"device": "auto", "activations": "mmap"}
        return ({"model": model} if model else {}), optional

    def run(self, name: str | None = None, scope: str = "current") -> bool:
        """Start pre-labelling the open recording (or every recording) in the background."""
        w = self.context
        if self.running:
            w.say("Pre-labelling is running already", 4000)
            return False
        name = name or (self.prelabelers[0] if self.prelabelers else None)
        if name is None:
            w.say("No pre-labeler is installed", 6000)
            return False
        targets = self._targets(scope)
        if not targets:
            w.say("Nothing to pre-label", 4000)
            return False
        options, optional = self.options(name)
        self.failures = []
        self.job = PrelabelJob(name, targets, options, optional)
        self.job.progress.connect(self._on_progress)
        self.job.fileDone.connect(self._on_file_done)
        self.job.fileFailed.connect(self._on_file_failed)
        self.job.finished.connect(self._on_finished)
        for widget in (self.progress_label, self.progress_bar, self.cancel_button):
            widget.show()
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"Starting {name}…")
        self.job.start(self.pool)
        self.update_actions()
        return True

    def _targets(self, scope: str) -> list[Target]:
        w, doc = self.context, self.context.document
        self._entries = {}
        targets: list[Target] = []
        if scope == "current" or w.project is None:
            if doc is None:
                return []
            entries = [doc.entry]
        else:
            entries = [e for e in w.project.recordings if e.audio_error is None]
            done = [e for e in entries if e.status is RecordingStatus.DONE]
            entries = [e for e in entries if e.status is not RecordingStatus.DONE]
            if done:
                self.failures.append(f"{len(done)} recordings marked done were left alone")
        for entry in entries:
            sidecar = (doc.project if doc and doc.entry is entry else w.project).sidecar_path(entry)
            self._entries[entry.path] = entry
            if doc is not None and doc.entry is entry:
                audio, wave = doc.audio, None
                if in_memory(audio.samples):  # decoded already: no second decode
                    wave = Waveform(audio.samples.to_float32(), audio.sample_rate, entry.path.name)
                # a long recording is read from its file by the pre-labeler, block by block
                targets.append(Target(entry.path, sidecar, doc.annotation.recording, wave))
            else:
                info = w.project.recording_info(entry, checksum=False)
                targets.append(Target(entry.path, sidecar, info))
        return targets

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.progress_label.setText("Cancelling…")

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Before the window goes: stop the worker so it never reports to a dead window, and
        let the evidence views go of their (perhaps mapped) arrays."""
        self.cancel()
        self.pool.waitForDone(wait_ms)
        self.timeline.set_evidence(None, None)
        self.panel.set_evidence(None)

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        self.progress_label.setText(text)

    def _on_file_failed(self, target: Target, line: str) -> None:
        self.failures.append(line)
        self.context.say(line, 8000)

    def _on_finished(self, outcome: str) -> None:
        for widget in (self.progress_label, self.progress_bar, self.cancel_button):
            widget.hide()
        w = self.context
        if outcome.startswith("failed: "):
            w.fail(f"Pre-labelling failed: {outcome[8:]}")
        elif outcome == "cancelled":
            w.say("Pre-labelling cancelled; labels left as they were", 6000)
        elif self.failures:
            w.say("; ".join(self.failures[:3]), 10000)
        self.update_actions()
        if w.project is not None and w.document is not None:
            self.corpus.refresh()
            self.corpus.mark_current(w.document.path)

    def _on_file_done(self, result: FileResult) -> None:
        if self.job is not None and self.job.cancelled:
            return  # cancelled while the result was on its way: leave the labels alone
        doc = self.context.document
        if doc is not None and doc.path == result.target.path:
            self._merge_into_document(doc, result)
        else:
            entry = self._entries.get(result.target.path)
            if entry is not None:
                self._merge_into_sidecar(entry, result)

    def _merge_into_document(self, doc: Document, result: FileResult) -> None:
        evidence, proposal = result.evidence, result.proposal
        old = doc.evidence
        if (
            evidence is not None
            and old is not None
            and evidence.tunable
            and old.prelabeler == evidence.prelabeler
            and old.classes == evidence.classes
            and old.thresholds != evidence.thresholds
        ):  # keep the thresholds the user tuned on this recording
            evidence.thresholds = {c: dict(v) for c, v in old.thresholds.items()}
            proposal = evidence.decide(doc.annotation.recording)
        plan = plan_merge(doc.annotation, proposal)
        edit = ApplyPrelabel(doc, plan, evidence, self.job.name if self.job else "model",
                             self.refresh_evidence)  # fmt: skip
        if self.controller.push(edit, select=False):
            self.context.say(
                f"Pre-labelled {doc.path.name} ({result.seconds:.1f} s): {plan.summary()}", 8000
            )

    def _merge_into_sidecar(self, entry: RecordingEntry, result: FileResult) -> None:
        project = self.context.project
        if project is None:
            return
        if project.autosave_path(entry).exists():
            self.failures.append(f"{entry.path}: has unsaved recovered work; open it to pre-label")
            return
        try:
            state = project.load_state(entry, fall_back_to_backup=True)
            plan = plan_merge(state.annotation, result.proposal)
            if plan.is_empty:
                return
            ReplaceModelSegments(plan).apply(state.annotation)
            status = (
                RecordingStatus.PRELABELLED if entry.status is RecordingStatus.NEW else entry.status
            )
            project.save(entry, state.annotation, status)
        except (SidecarError, SaveError, InvalidEdit, OSError) as exc:
            self.failures.append(f"{entry.path}: {exc}")

    # --- evidence and thresholds --------------------------------------------------------------
    def show_document(self, doc: Document) -> None:
        """Show the open recording's evidence, from the cache when it has not any yet."""
        if doc.evidence is None:
            doc.evidence = load_evidence(doc.project.sidecar_path(doc.entry), doc.path)
        self.refresh_evidence()
        self.update_actions()

    def refresh_evidence(self) -> None:
        doc = self.context.document
        ev = doc.evidence if doc is not None else None
        timeline = self.timeline
        if ev is None:
            timeline.set_evidence(None, None)
        else:
            timeline.set_evidence(
                ev.heat, ev.posteriors, ev.lanes, ev.onsets(), ev.frame_s, theta=ev.theta
            )
        self.panel.set_evidence(ev)
        self.model_label.setText(f"model: {ev.model if ev else 'none'}")

    def refresh_thresholds(self) -> None:
        doc = self.context.document
        ev = doc.evidence if doc is not None else None
        if ev is None or not ev.tunable:
            return
        self.panel.show_values(ev)
        lines = self.timeline.posteriors.thresholds
        for lane, onset in zip(ev.lanes, ev.onsets() or (), strict=False):
            if lane in lines:
                lines[lane].setValue(onset)

    def _on_threshold(self, code: str, onset: float, key: int) -> None:
        doc = self.context.document
        if doc is None or doc.evidence is None or not doc.evidence.tunable:
            return
        edit = threshold_edit(doc, doc.annotation, code, onset, self.refresh_thresholds)
        self.controller.push(edit, merge_key=key, select=False)

    def after_save(self, doc: Document) -> None:
        """Tuned thresholds are kept with the evidence once the labels they made are saved."""
        if doc.evidence is not None:
            try:
                save_thresholds(doc.project.sidecar_path(doc.entry), doc.path, doc.evidence)
            except OSError as exc:
                log.warning("%s: thresholds not stored (%s)", doc.path, exc)

    # --- the demo -----------------------------------------------------------------------------
    def prelabel_demo(self) -> bool:
        """``annotator --demo``: pre-label the demo with the shipped model on its first open."""
        w, doc = self.context, self.context.document
        if doc is None or doc.evidence is not None:
            return False
        model = installed_default_model()
        if model is None:
            w.say(
                "No default model is installed: the demo opens unlabelled "
                "(Tools ▸ Pre-label ▸ Choose NMF model file…)"
            )
            self.model_label.setText("model: none installed")
            return False
        if DEFAULT_PRELABELER not in self.prelabelers:
            w.say("The built-in nmf pre-labeler is not available")
            return False
        return self.run(DEFAULT_PRELABELER)
