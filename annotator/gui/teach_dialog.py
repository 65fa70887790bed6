"""Teach a new lane from this lane: a probe on H, trained in the background, then pre-labelled.

The dialog runs :func:`annotator.teach.teach_lane` on a worker thread (progress, Cancel) over the
project's recordings marked done, for the lane chosen (the active lane when it is a user lane),
and writes a new model file whose Θ has the lane as one more class. "Use and pre-label" points
the NMF pre-labeler at that file and pre-labels the open recording: the lane then shows model
segments with their posterior curve and a threshold slider, and "Why this label" and the
component inspector read it like the four classes, since to them it is just another class.
"Use and pre-label all" does the same for every recording not marked done, in the background.

The open recording is saved first when it has unsaved edits, as for fine-tuning: the job reads
the lane from the project's sidecars.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.annotation import CLASS_LANES
from annotator.extensions import error_line
from annotator.resources import installed_default_model

if TYPE_CHECKING:
    from annotator.gui.context import EditorContext
    from annotator.gui.editor import EditorController

MODEL_SETTING = "prelabel/nmf/model"


class TeachJob(QObject):
    """`teach_lane` on a thread pool; signals arrive on the GUI thread."""

    progress = pyqtSignal(float, str)
    #: a `TeachResult`, or None with "cancelled" / "failed: <line>"
    finished = pyqtSignal(object, str)

    def __init__(self, project, model: Path, lane: str, output: Path, parent=None) -> None:
        super().__init__(parent)
        self.project, self.model, self.lane, self.output = project, model, lane, output
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
        from annotator.teach import teach_lane

        result, outcome = None, "done"
        try:
            result = teach_lane(self.project, self.model, self.lane, self.output,
                                progress=self._report, cancel=self.cancel_event)  # fmt: skip
        except Exception as exc:  # TeachError, Cancelled, unreadable recordings: one line each
            outcome = "cancelled" if self.cancel_event.is_set() else f"failed: {error_line(exc)}"
        self.running = False
        self.finished.emit(result, outcome)

    def _report(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last >= 0.1 or fraction >= 1.0:
            self._last = now
            self.progress.emit(float(fraction), str(message))


class TeachDialog(QDialog):
    """Lane, model, output, Start / Cancel, progress, held-out figures, Use and pre-label."""

    def __init__(
        self,
        context: EditorContext,
        controller: EditorController,
        prelabel: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = controller
        #: pre-label with the model now chosen: "current" recording or "all"
        self.prelabel = prelabel
        self.setWindowTitle("Teach a new lane")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.job: TeachJob | None = None
        self.result = None
        self.lane = QComboBox()
        self.model = QLineEdit()
        self.output = QLineEdit()
        form = QFormLayout()
        form.addRow("Lane to teach", self.lane)
        form.addRow("Base model", self.model)
        form.addRow("Save new model as", self.output)
        self.lane.currentTextChanged.connect(lambda _t: self._fresh_output())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("Learns the lane from the recordings marked done (a linear probe "
                             "on the activations H); scored on done recordings it never sees.")  # fmt: skip
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button = QPushButton("Use and pre-label")
        self.use_button.setToolTip("Pre-label the open recording with the new model")
        self.use_button.clicked.connect(lambda: self.use_model("current"))
        self.use_all_button = QPushButton("Use and pre-label all")
        self.use_all_button.setToolTip(
            "Pre-label every recording not marked done with the new model (in the background)"
        )
        self.use_all_button.clicked.connect(lambda: self.use_model("all"))
        buttons = QHBoxLayout()
        for button in (self.start_button, self.cancel_button, self.use_button, self.use_all_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(520, 240)
        self.reset()

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def user_lanes(self) -> list[str]:
        """Lanes of the open recording a person labels (not the model's class lanes)."""
        document = self.context.document
        if document is None:
            return []
        ev = document.evidence
        evidence_lanes = tuple(ev.lanes) if ev is not None else ()
        return [n for n in document.annotation.lane_names
                if n not in CLASS_LANES and n not in evidence_lanes]  # fmt: skip

    def reset(self) -> None:
        """Fill in the lanes (the active one first when it is a user lane) and the model."""
        if self.running:
            return
        lanes = self.user_lanes()
        active = self.controller.current_lane
        self.lane.blockSignals(True)
        self.lane.clear()
        self.lane.addItems(lanes)
        if active in lanes:
            self.lane.setCurrentText(active)
        self.lane.blockSignals(False)
        chosen = str(self.context.settings.value(MODEL_SETTING, "") or "")
        model = Path(chosen) if chosen else installed_default_model()
        self.model.setText(str(model) if model else "")
        self._fresh_output()
        if not lanes:
            self.status.setText("Add a lane and label it on a few recordings marked done first "
                                "(Lanes ▸ Add lane)")  # fmt: skip
        self._buttons()

    def _fresh_output(self) -> None:
        from annotator.teach import default_output

        text = self.model.text().strip()
        lane = self.lane.currentText()
        if text and lane and not self.running:
            self.output.setText(str(default_output(self.context.project, Path(text), lane)))

    def _buttons(self) -> None:
        self.start_button.setEnabled(not self.running and self.lane.count() > 0)
        self.cancel_button.setEnabled(self.running)
        self.use_button.setEnabled(not self.running and self.result is not None)
        self.use_all_button.setEnabled(
            not self.running and self.result is not None and self.context.project is not None
        )

    def start(self) -> bool:
        w = self.context
        if self.running:
            return False
        if w.project is None:
            self.status.setText("Open a corpus folder first: a lane is taught from a project")
            return False
        if w.document is not None and w.document.dirty and not w.save():
            return False
        lane = self.lane.currentText()
        model, output = Path(self.model.text().strip()), Path(self.output.text().strip())
        if not self.model.text().strip() or not model.is_file():
            self.status.setText(f"{model}: no such model file")
            return False
        self.result = None
        self.job = TeachJob(w.project, model, lane, output, self)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.progress.setValue(0)
        self.status.setText(f"Teaching {lane!r}…")
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
            self.status.setText(result.summary() + "".join(f"; {w}" for w in result.warnings))
        self.context.say(f"Teach a lane: {self.status.text()}", 8000)
        self._buttons()

    def use_model(self, scope: str = "current") -> bool:
        """Pre-label with the new model from now on, starting with the open recording
        (``"current"``) or every recording not marked done (``"all"``: done recordings are
        the person's, pre-labelling leaves them alone)."""
        if self.result is None:
            return False
        self.context.settings.setValue(MODEL_SETTING, str(self.result.output))
        self.status.setText(f"Pre-labelling now uses {self.result.output.name}")
        if scope == "all" or self.context.document is not None:
            return bool(self.prelabel(scope))
        return True
