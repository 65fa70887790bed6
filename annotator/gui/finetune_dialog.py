"""Learn from corrections: fine-tune the pre-labelling model on the project's confirmed labels.

The dialog runs `annotator.learn.finetune_project` on a worker thread (the same progress and
cancel protocol as pre-labelling) and shows the same report as ``annotator finetune`` before
anything changes: per class the seconds learned from and whether the class was trained,
held-out F1 before/after (false-alarm seconds where a class has no reference time), the
forgetting check on the shipped demo, threshold changes and warnings. It writes a new model
file — never over the model it started from nor inside the installed package — unless the
forgetting check refuses it ("Save anyway" overrides, and the file records it). The person
then chooses: "Use new model for pre-labelling" points the NMF pre-labeler at the new file;
"Keep the old model" leaves pre-labelling as it was (nothing changes until they choose).

The open recording is saved first when it has unsaved edits: the job reads labels from the
project's sidecars, and corrections still in memory would otherwise be left out.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.extensions import error_line

if TYPE_CHECKING:
    from annotator.core.project import Project
    from annotator.gui.context import EditorContext

MODEL_SETTING = "prelabel/nmf/model"


class FinetuneJob(QObject):
    """`finetune_project` on a thread pool; signals arrive on the GUI thread."""

    progress = pyqtSignal(float, str)
    #: a `FinetuneResult`, or None with "cancelled" / "failed: <line>"
    finished = pyqtSignal(object, str)

    def __init__(self, project, model: Path, output: Path, config, parent=None) -> None:
        super().__init__(parent)
        self.project, self.model, self.output, self.config = project, model, output, config
        self.cancel_event = threading.Event()
        self.running = False
        self._last = 0.0
        self._runnable: QRunnable | None = None

    def start(self, pool: QThreadPool) -> None:
        self.running = True
        job = self

        class _Run(QRunnable):
            def run(self) -> None:
                job.run()

        self._runnable = _Run()
        self._runnable.setAutoDelete(False)
        pool.start(self._runnable)

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        from annotator.learn import finetune_project

        result, outcome = None, "done"
        try:
            result = finetune_project(
                self.project, self.model, self.output, self.config,
                progress=self._report, cancel=self.cancel_event,
            )  # fmt: skip
        except Exception as exc:  # LearnError, Cancelled, unreadable recordings: one line each
            outcome = "cancelled" if self.cancel_event.is_set() else f"failed: {error_line(exc)}"
        self.running = False
        self.finished.emit(result, outcome)

    def _report(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last >= 0.1 or fraction >= 1.0:
            self._last = now
            self.progress.emit(float(fraction), str(message))


def default_output(project: Project | None, model: Path) -> Path:
    """A new file in the project's state folder, named after the model and the time."""
    folder = (project.state_dir if project is not None else model.parent) / "models"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{model.stem}-finetuned-{stamp}.safetensors"


def _pct(value: float | None) -> str:
    return "—" if value is None or value != value else f"{100 * float(value):.1f}"


def _cells(score, code: str) -> tuple[str, str]:
    """Before / after of one class on one set: F1 (%) where the class has reference time
    there, its false-alarm seconds where it has none (an F1 would mean nothing)."""
    if score is None or code not in score.classes:
        return "—", "—"
    s = score.classes[code]
    if s.has_reference:
        return _pct(s.before_f1), _pct(s.after_f1)
    return f"FA {s.before_false_alarm_s:.1f} s", f"FA {s.after_false_alarm_s:.1f} s"


def report_rows(report) -> list[tuple[str, ...]]:
    """The dialog's table: one row per class and one for the honest summary (harmonic mean
    over classes with reference time), columns as `COLUMNS`."""
    rows = []
    for code, seconds in report.positive_s.items():
        learned = (
            f"{seconds:.0f} s, trained" if code in report.trained else f"{seconds:.0f} s, kept"
        )
        rows.append((code, learned, *_cells(report.held_out, code), *_cells(report.check, code)))
    summary = ["harmonic mean (classes with reference time)", ""]
    for score in (report.held_out, report.check):
        summary += (
            [_pct(score.summary("before")), _pct(score.summary("after"))] if score else ["—", "—"]
        )
    rows.append(tuple(summary))
    return rows


COLUMNS = (
    "Class", "Learned from", "Held-out F1 % before", "after", "Demo F1 % before", "after",
)  # fmt: skip
"""F1 in %; a class without reference time shows "FA n s" (false-alarm seconds) instead."""


class FinetuneDialog(QDialog):
    """Model, output, a few settings, Start / Cancel, progress, and the before/after table."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Learn from corrections")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.job: FinetuneJob | None = None
        self.result = None
        self.model = QLineEdit()
        self.output = QLineEdit()
        self.include = QComboBox()
        self.include.addItem("recordings marked done", "done")
        self.include.addItem("done + human segments elsewhere", "done+human")
        self.steps = QSpinBox()
        self.steps.setRange(10, 5000)
        self.steps.setValue(300)
        form = QFormLayout()
        form.addRow("Start from model", self.model)
        form.addRow("Save new model as", self.output)
        form.addRow("Learn from", self.include)
        form.addRow("Steps", self.steps)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel(
            "Fine-tunes Θ for the classes the confirmed labels have positive time for (an empty "
            "lane teaches nothing), anchored to the starting model. F1 is measured on held-out "
            "confirmed recordings, and a forgetting check on the shipped demo refuses a model "
            "that got worse there."
        )
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.details = QPlainTextEdit()  # the full report, as `annotator finetune` prints it
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button = QPushButton("Use new model for pre-labelling")
        self.use_button.clicked.connect(self.use_model)
        self.keep_button = QPushButton("Keep the old model")
        self.keep_button.clicked.connect(self.keep_old)
        self.save_anyway_button = QPushButton("Save anyway")
        self.save_anyway_button.setToolTip(
            "The forgetting check refused this model: save it all the same (the file says so)"
        )
        self.save_anyway_button.clicked.connect(self.save_anyway)
        buttons = QHBoxLayout()
        for button in (
            self.start_button, self.cancel_button, self.save_anyway_button,
            self.keep_button, self.use_button,
        ):  # fmt: skip
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        self.resize(760, 560)
        self.reset()

    def reset(self) -> None:
        """Fill in the current model and a fresh output name (on every open)."""
        if self.running:
            return
        from annotator.resources import installed_default_model

        chosen = str(self.context.settings.value(MODEL_SETTING, "") or "")
        model = Path(chosen) if chosen else installed_default_model()
        self.model.setText(str(model) if model else "")
        if model is not None:
            self.output.setText(str(default_output(self.context.project, model)))
        self._buttons()

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def _buttons(self) -> None:
        done = not self.running and self.result is not None
        self.start_button.setEnabled(not self.running)
        self.cancel_button.setEnabled(self.running)
        self.use_button.setEnabled(done and self.result.saved)
        self.keep_button.setEnabled(done)
        self.save_anyway_button.setVisible(done and not self.result.saved)

    def start(self) -> bool:
        from annotator.learn import FinetuneConfig, LearnError

        w = self.context
        if self.running:
            return False
        if w.project is None:
            self.status.setText("Open a corpus folder first: fine-tuning learns from a project")
            return False
        if w.document is not None and w.document.dirty and not w.save():
            return False
        model, output = Path(self.model.text().strip()), Path(self.output.text().strip())
        if not self.model.text().strip() or not model.is_file():
            self.status.setText(f"{model}: no such model file")
            return False
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            config = FinetuneConfig(steps=self.steps.value(), include=self.include.currentData())
        except (LearnError, OSError) as exc:
            self.status.setText(str(exc))
            return False
        self.result = None
        self.table.setRowCount(0)
        self.details.clear()
        self.job = FinetuneJob(w.project, model, output, config, self)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self.job.start(self.pool)
        self._buttons()
        return True

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()
            self.status.setText("Cancelling…")

    def shutdown(self, wait_ms: int = 10000) -> None:
        self.cancel()
        self.pool.waitForDone(wait_ms)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 1000))
        self.status.setText(f"{message} — {fraction:.0%}" if message else f"{fraction:.0%}")

    def _on_finished(self, result, outcome: str) -> None:
        self.result = result
        if result is None:
            self.status.setText(
                "Cancelled; no model written" if outcome == "cancelled" else outcome[8:]
            )
        else:
            self.progress.setValue(1000)
            self._fill(result)
        # the dialog may have been closed while the job ran on: say it in the window too
        self.context.say(f"Fine-tuning: {self.status.text()}", 8000)
        self._buttons()

    def _fill(self, result) -> None:
        """The report, before the person decides: table, full text, and what happened."""
        from annotator.learn import format_report

        rows = report_rows(result.report)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for column, text in enumerate(row):
                self.table.setItem(i, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.details.setPlainText(
            "\n".join(format_report(result.report) + [f"warning: {w}" for w in result.warnings])
        )
        held = len(result.held_out_files)
        note = "" if held else " (no held-out recording: F1 not measured)"
        learned = (
            f"learned {', '.join(result.report.trained)} from {len(result.train_files)} "
            f"recordings ({result.frames} frames), held out {held}{note}"
        )
        if result.saved:
            head = f"Saved {result.output.name}: {learned}. Use it, or keep the old model."
        else:
            head = (
                f"NOT SAVED — {'; '.join(result.refusals)}. The old model stays in use; "
                f"“Save anyway” keeps the new one all the same. ({learned})"
            )
        warnings = f" Warnings: {'; '.join(result.warnings)}" if result.warnings else ""
        self.status.setText(head + warnings)

    def save_anyway(self) -> None:
        """Write a model the forgetting check refused, because a person chose to."""
        from annotator.learn import LearnError
        from annotator.learn.finetune import save_result

        if self.result is None or self.result.saved:
            return
        try:
            save_result(self.result, forced=True)
        except (LearnError, OSError, ValueError) as exc:
            self.status.setText(error_line(exc))
            return
        self.status.setText(
            f"Saved {self.result.output.name} although a class was forgotten; "
            "pre-labelling still uses the old model until you choose the new one"
        )
        self._buttons()

    def keep_old(self) -> None:
        """Leave pre-labelling on the model it uses now (the new file, if any, stays on disk)."""
        current = str(self.context.settings.value(MODEL_SETTING, "") or "") or "the shipped model"
        self.status.setText(f"Kept the old model: pre-labelling still uses {current}")
        self.context.say("Fine-tuning: kept the old model", 6000)

    def use_model(self) -> None:
        if self.result is not None and self.result.saved:
            self.context.settings.setValue(MODEL_SETTING, str(self.result.output))
            self.context.say(f"Pre-labelling will use {self.result.output.name}", 6000)
            self.status.setText(f"Pre-labelling now uses {self.result.output}")
