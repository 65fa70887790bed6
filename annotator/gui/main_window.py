"""`MainWindow`: corpus panel beside the editor, menus, toolbar, status bar, and never losing work.

Work safety, in order of defence: every edit is on the undo stack; unsaved edits are autosaved
(polled each second, written 30 s after the first unsaved change) next to the sidecar; switching
recording saves the one being left; closing asks; at start, autosaves newer than their sidecar
are offered for recovery. Questions go through ``self.prompts`` so tests can answer them.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.core.atomic import SaveError
from annotator.core.autosave import discard_recovery, find_recoverable, load_recovery
from annotator.core.project import Project, ProjectError
from annotator.core.sidecar import RecordingStatus
from annotator.core.timecode import cursor_text
from annotator.formats import FormatError
from annotator.gui import edit_actions, file_actions, key_guard
from annotator.gui.context import EditorContext
from annotator.gui.corpus_panel import CorpusPanel
from annotator.gui.document import Document, DocumentError, project_for
from annotator.gui.editor import EditorController
from annotator.gui.explain_tools import ExplainTools
from annotator.gui.floor_actions import FloorActions
from annotator.gui.label_editor import InlineLabelEditor
from annotator.gui.lane_actions import LaneActions
from annotator.gui.menus import build_menus
from annotator.gui.overview import OverviewStrip
from annotator.gui.playback_controls import PlaybackControls
from annotator.gui.player import Player
from annotator.gui.prelabel_actions import PrelabelController
from annotator.gui.prompts import Prompts
from annotator.gui.settings_dialog import SettingsActions, SettingsDialog, export_format
from annotator.gui.shortcuts import BINDINGS, CheatSheet, key_actions
from annotator.gui.timeline_view import TimelineView

APP_TITLE = "nmf-annotator"


STATUS_LABEL_MAX_PX = 220  # the selection and model labels leave the rest to messages
STATUS_GAP_PX = 12


class MainWindow(QMainWindow):
    """Builds the views, then the helpers, each given the `EditorContext` and the views it
    works on (so none can be made before what it needs), then the menus from the actions the
    helpers registered; the saved geometry is restored last, once the docks and the toolbar it
    places exist."""

    def __init__(self, settings: QSettings | None = None, player: Player | None = None) -> None:
        super().__init__()
        key_guard.install(QApplication.instance())  # focused inputs keep their own keys
        self.context = EditorContext(settings or QSettings(), Prompts(self), self)
        # what the helpers say reaches the person from their first line on
        self.context.message.connect(self.statusBar().showMessage)
        self.context.failure.connect(self._fail)
        self.actions = self.context.actions
        self.player = player or Player(self)
        self.timeline = TimelineView()
        self.overview = OverviewStrip()
        self.controller = EditorController(self.timeline, self)
        self.corpus = CorpusPanel()
        self._build_status_bar()
        self.prelabel = PrelabelController(
            self.context, self.controller, self.timeline, self.corpus, self.model_label, self
        )
        for widget in self.prelabel.status_widgets:
            self.statusBar().addWidget(widget)
        self.floors = FloorActions(self.controller, self.timeline, self)
        editor = QWidget()
        column = QVBoxLayout(editor)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.overview)
        column.addWidget(self.timeline, 1)
        column.addWidget(self.prelabel.panel)
        column.addWidget(self.floors.panel)
        self.label_editor = InlineLabelEditor(editor)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.corpus)
        self.splitter.addWidget(editor)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 1100])
        self.setCentralWidget(self.splitter)
        self.explain = ExplainTools(
            self.context, self.controller, self.timeline, self.corpus, self.player,
            lambda scope: self.prelabel.run(scope=scope), self,
        )  # fmt: skip
        self._build_actions()
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        groups = {"prelabelers": self.prelabel.menu_entries()}
        build_menus(self.menuBar(), toolbar, self.actions, groups)
        self._connect()
        self.cheat_sheet: CheatSheet | None = None
        self.autosave_timer = QTimer(self, interval=1000)
        self.autosave_timer.timeout.connect(self._autosave_tick)
        self.autosave_timer.start()
        self._restore_settings()
        self._update_title()
        self._update_actions()

    # --- the shared state lives in the context; these names stay for scripts and tests ----------
    @property
    def settings(self) -> QSettings:
        return self.context.settings

    @property
    def prompts(self) -> Prompts:
        return self.context.prompts

    @prompts.setter
    def prompts(self, prompts: Prompts) -> None:
        self.context.prompts = prompts

    @property
    def document(self) -> Document | None:
        return self.context.document

    @property
    def project(self) -> Project | None:
        return self.context.project

    # --- construction -------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.cursor_label = QLabel("cursor —")
        self.selection_label = QLabel("no selection")
        self.model_label = QLabel("model: none")
        self.playback_label = QLabel("" if self.player.available else "playback unavailable")
        if self.player.reason:
            self.playback_label.setToolTip(self.player.reason)
        self.unsaved_label = QLabel("")
        bar = self.statusBar()
        labels = (self.cursor_label, self.selection_label, self.model_label)
        for label in (*labels, self.playback_label, self.unsaved_label):
            label.setContentsMargins(STATUS_GAP_PX, 0, 0, 0)  # a clipped message never touches
            bar.addPermanentWidget(label)
        # on a narrow window the long ones give way (clipped; the tooltip keeps the model's
        # name), so the status message keeps room instead of running under them
        for label in (self.selection_label, self.model_label):
            label.setMinimumWidth(1)  # may shrink below its text (clipped), never pushes out
            label.setMaximumWidth(STATUS_LABEL_MAX_PX)

    def _build_actions(self) -> None:
        """Each helper makes and registers its own actions; the window adds its file, undo
        and help verbs."""
        c, timeline = self.controller, self.timeline
        self.actions.update(edit_actions.edit_actions(c, timeline, self))
        self.playback = PlaybackControls(
            self.context, self.player, c, timeline, self.playback_label, self
        )
        self.lane_actions = LaneActions(self.context, c, self)
        self.view_settings = SettingsActions(self.context, c, timeline, self)
        self.actions["floor_hide"] = self.floors.action
        self.actions.update(
            key_actions(
                self,
                {
                    "relabel": self.start_relabel,
                    "undo": self.undo,
                    "redo": self.redo,
                    "save": self.save,
                    "open_files": self.choose_files,
                    "open_folder": self.choose_folder,
                    "export": lambda: self.export(export_format(self.settings)),
                    "next_file": lambda: self.step_file(1),
                    "prev_file": lambda: self.step_file(-1),
                    "keys": self.show_keys,
                },
            )
        )
        for name in ("textgrid", "rttm", "audacity", "json"):
            action = QAction(f"Export {file_actions.FORMATS[name].description}…", self)
            action.triggered.connect(lambda _c=False, n=name: self.export(n))
            self.actions[f"export_{name}"] = action
        self.actions["import"] = QAction(
            "Import labels…", self, triggered=lambda: self.import_labels()
        )
        self.actions["mark_done"] = QAction(
            "Mark recording done", self, triggered=lambda: self.save(RecordingStatus.DONE)
        )
        self.actions["quit"] = QAction(
            "Quit", self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.close
        )
        unbound = [b.action for b in BINDINGS if b.action not in self.actions]
        if unbound:  # a key in the map that nothing answers: a programming error, said at once
            raise RuntimeError(f"keyboard map entries without an action: {unbound}")
        self.view_settings.apply()

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        """The Settings dialog last opened."""
        return self.view_settings.dialog

    def _connect(self) -> None:
        self.context.saved.connect(self._after_save)
        c = self.controller
        c.message.connect(lambda text: self.context.say(text, 5000))
        c.selectionChanged.connect(self._update_status)
        c.labelEditRequested.connect(self._open_label_editor)
        self.label_editor.committed.connect(lambda text: self.controller.relabel(text))
        self.timeline.rangeChanged.connect(self.overview.show_range)
        self.overview.rangeRequested.connect(self.timeline.set_visible_range)
        self.corpus.openRequested.connect(self.open_path)
        # after `PlaybackControls` moved the cursor with playback
        self.player.positionChanged.connect(lambda _t: self._update_status())

    # --- opening and switching ----------------------------------------------------------------
    def open_paths(self, paths: list[Path]) -> bool:
        """Open files and/or a folder from the command line: the first recording is shown."""
        for path in paths:
            if path.is_dir():
                return self.open_folder(path)
        return self.open_path(paths[0]) if paths else False

    def open_folder(self, folder: Path) -> bool:
        try:
            project = project_for(folder)
        except (ProjectError, OSError) as exc:
            self._fail(str(exc))
            return False
        self._set_project(project)
        self.settings.setValue("last_folder", str(folder))
        first = next((e.path for e in project.recordings if e.audio_error is None), None)
        return self.open_path(first, project) if first is not None else True

    def open_path(self, path: Path, project: Project | None = None) -> bool:
        if not self._leave_document():
            return False
        if (
            project is None
            and self.project is not None
            and self.project.root in path.resolve().parents
        ):
            project = self.project
        try:
            # the project first: its recovery offer must land before the labels are read
            project = project or project_for(path.resolve().parent)
            if project is not self.project:
                self._set_project(project)
            document = Document.open(path, project)
        except (DocumentError, ProjectError, SaveError) as exc:
            self._fail(str(exc))
            return False
        self._show_document(document)
        self.settings.setValue("last_folder", str(path.parent))
        return True

    def _set_project(self, project: Project) -> None:
        self.context.project = project
        self._offer_recovery(project)
        self.corpus.set_project(project)

    def _offer_recovery(self, project: Project) -> None:
        found = find_recoverable(project)
        if not found:
            return
        answer = self.prompts.recover([item.entry.rel_path for item in found])
        for item in found:
            if answer == "recover" and item.error is None:
                state = load_recovery(item)
                project.save(item.entry, state.annotation, state.status, extra=state.extra)
            elif answer in ("recover", "discard"):
                discard_recovery(item)

    def _show_document(self, document: Document) -> None:
        previous = self.document
        self.context.document = document
        document.setParent(self)
        audio = document.audio
        self.player.set_audio(audio.samples, audio.sample_rate)
        self.timeline.set_document(
            document.annotation, audio.samples, audio.sample_rate, audio.pyramid
        )
        self.overview.set_pyramid(audio.pyramid)
        self.overview.show_range(*self.timeline.visible_range())
        self.controller.set_document(document)
        self.floors.set_document(document)
        self.view_settings.apply(document)  # autosave delay, snapping from the Settings
        self.prelabel.show_document(document)
        self.explain.show_document(document)
        document.cleanChanged.connect(lambda _clean: self._update_title())
        document.changed.connect(self._update_actions)
        self.corpus.follow(document.working_state)
        document.changed.connect(self.corpus.show_working)
        document.stack.refused.connect(lambda reason: self.statusBar().showMessage(reason, 5000))
        self.corpus.mark_current(document.path)
        for warning in document.warnings:
            self.statusBar().showMessage(warning, 10000)
        self._update_title()
        self._update_actions()
        self._update_status()
        # the keys go to the editor: a focused corpus table keeps the arrows (key_guard), and
        # Tab plays the selection, so a keyboard user could never leave the table
        self.timeline.rows["lanes"].setFocus()
        if previous is not None:  # the views show the new one: its file handles go now
            previous.close()
            previous.deleteLater()
        self.context.documentChanged.emit(document)

    def _leave_document(self) -> bool:
        """Before showing another recording: save the one being left (never lose work)."""
        self.player.stop()
        if self.document is None or not self.document.dirty:
            return True
        return self.save()

    def step_file(self, step: int) -> bool:
        if self.document is None:
            return False
        target = self.corpus.neighbour(self.document.path, step)
        if target is None:
            self.statusBar().showMessage("No further recording in this corpus", 4000)
            return False
        return self.open_path(target)

    def choose_files(self) -> None:
        paths = self.prompts.open_files(str(self.settings.value("last_folder", "")))
        if paths:
            self.open_paths(paths)

    def choose_folder(self) -> None:
        folder = self.prompts.open_folder(str(self.settings.value("last_folder", "")))
        if folder is not None:
            self.open_folder(folder)

    # --- saving, import, export ---------------------------------------------------------------
    def save(self, status: RecordingStatus | None = None) -> bool:
        return self.context.save(status)

    def _after_save(self, document: Document) -> None:
        self.prelabel.after_save(document)
        self.corpus.refresh()
        self.corpus.mark_current(document.path)
        self.statusBar().showMessage(f"Saved {document.path.name}", 4000)
        self._update_title()

    def export(self, format_name: str, path: Path | None = None) -> bool:
        if self.document is None:
            return False
        if path is None:
            suggested = file_actions.default_export_path(self.document.path, format_name)
            path = self.prompts.save_path(
                "Export labels", str(suggested), file_actions.file_filter(format_name)
            )
            if path is None:
                return False
        lost = file_actions.labels_lost_in(self.document.annotation, format_name)
        if lost and not self.prompts.confirm(f"{lost}\n\nExport {Path(path).name} anyway?"):
            return False
        try:
            file_actions.export_annotation(self.document.annotation, path, format_name)
        except FormatError as exc:
            self._fail(str(exc))
            return False
        self.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    def import_labels(self, path: Path | None = None) -> bool:
        if self.document is None:
            return False
        if path is None:
            folder = str(self.document.path.parent)
            path = self.prompts.open_annotation(folder, file_actions.import_filter())
            if path is None:
                return False
        try:
            ask = self.prompts.choose_recording
            edit = file_actions.import_edit(
                self.document.annotation, path, choose=lambda ids: ask(path.name, ids)
            )
        except FormatError as exc:
            self._fail(str(exc))
            return False
        return edit is not None and self.controller.push(edit, select=False)

    def _autosave_tick(self) -> None:
        if self.document is not None and self.document.autosave_tick():
            self.statusBar().showMessage("Autosaved", 2000)

    # --- editing helpers ----------------------------------------------------------------------
    def undo(self) -> None:
        if self.document is not None:
            self.document.stack.undo()

    def redo(self) -> None:
        if self.document is not None:
            self.document.stack.redo()

    def start_relabel(self) -> None:
        if self.controller.selection:
            lane, segment = self.controller.selection[0]
            self._open_label_editor(lane, segment)

    def _open_label_editor(self, lane: str, segment) -> None:
        if self.timeline.lanes is not None:
            self.label_editor.open_over(
                self.timeline.rows["lanes"], self.timeline.lanes, lane, segment
            )

    def go_to(self, t: float) -> None:
        edit_actions.go_to(self.controller, self.timeline, t)

    # --- status, title, settings --------------------------------------------------------------
    def _update_status(self) -> None:
        self.cursor_label.setText(
            "cursor " + cursor_text(self.timeline.cursor_time, self.timeline.duration)
        )
        span = self.controller.span
        count = len(self.controller.selection)
        if span is None:
            self.selection_label.setText("no selection")
        else:
            what = f"{count} segment{'s' * (count != 1)}" if count else "span"
            self.selection_label.setText(
                f"{what} {span[0]:.3f}–{span[1]:.3f} s ({span[1] - span[0]:.3f} s)"
            )

    def _update_title(self) -> None:
        doc = self.document
        dirty = doc is not None and doc.dirty
        self.unsaved_label.setText("● unsaved" if dirty else "saved" if doc else "")
        name = f"{doc.path.name} — " if doc else ""
        self.setWindowTitle(f"{name}{APP_TITLE}[*]")
        self.setWindowModified(dirty)

    def _update_actions(self) -> None:
        stack = self.document.stack if self.document else None
        self.actions["undo"].setEnabled(bool(stack and stack.canUndo()))
        self.actions["redo"].setEnabled(bool(stack and stack.canRedo()))
        self.actions["undo"].setText(
            f"Undo {stack.undoText()}" if stack and stack.canUndo() else "Undo"
        )
        self.actions["redo"].setText(
            f"Redo {stack.redoText()}" if stack and stack.canRedo() else "Redo"
        )
        self.prelabel.update_actions()
        self._update_status()

    def show_keys(self) -> None:
        if self.cheat_sheet is None:
            self.cheat_sheet = CheatSheet(self)
        self.cheat_sheet.show()
        self.cheat_sheet.raise_()

    def _fail(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        self.prompts.error(message)

    def _restore_settings(self) -> None:
        s = self.settings
        if s.value("window/geometry") is not None:
            self.restoreGeometry(s.value("window/geometry"))
        else:
            self.resize(1400, 860)
        if s.value("window/state") is not None:
            self.restoreState(s.value("window/state"))
        for splitter in (self.splitter, self.timeline.splitter):
            state = s.value(f"splitters/{splitter.objectName()}")
            if state is not None:
                splitter.restoreState(state)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        for splitter in (self.splitter, self.timeline.splitter):
            s.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.document is not None and self.document.dirty:
            answer = self.prompts.unsaved(self.document.path.name)
            if answer == "cancel" or (answer == "save" and not self.save()):
                event.ignore()
                return
            if answer == "discard":
                self.document.autosaver.mark_saved()
        self.player.stop()
        self.prelabel.shutdown()
        self.explain.shutdown()
        if self.document is not None:
            self.document.close()  # the audio handle and mapped evidence, not left to the GC
        self.save_settings()
        event.accept()
