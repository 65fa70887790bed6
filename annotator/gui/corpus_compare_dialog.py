"""Compare corpus with reference: every recording of the open corpus against one RTTM (and UEM).

The dialog takes a reference file holding many recordings (an RTTM with one file-id each, as
AMI, DIHARD or VoxConverse ship them) and optionally a UEM, and runs
`annotator.review.corpus_report.compare_corpus_with` on a worker thread (progress, Cancel): each
recording is matched to the file-id that names it (the rule of *Compare with reference*),
scored with its saved labels (those the editor would load; the open recording's as they are in
the editor, unsaved edits included and said so), with the corpus's speaker-lane mapping, and
listed in a table: F1 per lane and the edits still to make, one row per recording, a corpus row
pooled over all of them (kept on top whatever the sort), and rows for recordings the reference
lacks and file-ids no recording takes (kept at the bottom). Click a header to sort;
double-click a row to open that recording. "Export CSV…" writes the table as shown, atomically.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import (
    QModelIndex,
    QObject,
    QRunnable,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    pyqtSignal,
)
from PyQt6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.extensions import error_line
from annotator.review.corpus_report import (
    Cancelled,
    CorpusReport,
    Recording,
    ReportRow,
    cells,
    columns,
    compare_corpus_with,
    saved_labels,
    write_csv,
)
from annotator.review.edit_effort import RULE_TEXT

if TYPE_CHECKING:
    from annotator.gui.context import EditorContext

REFERENCE_FILTER = (
    "RTTM (*.rttm);;Annotations (*.rttm *.TextGrid *.eaf *.json *.csv);;All files (*)"
)
UEM_FILTER = "UEM (*.uem);;All files (*)"
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the value a column sorts by (None: no figure)
GROUP_ROLE = Qt.ItemDataRole.UserRole + 2  # 0 corpus row, 1 recordings, 2 unmatched
PATH_ROLE = Qt.ItemDataRole.UserRole + 3  # the recording a row opens
GROUPS = {"corpus": 0, "file": 1, "unmatched": 2}
UNMATCHED_COLOUR = "#9aa0a6"


class CorpusCompareJob(QObject):
    """`compare_corpus_with` on a thread pool; signals arrive on the GUI thread."""

    progress = pyqtSignal(float, str)
    #: a `CorpusReport`, or None with "cancelled" / "failed: <line>"
    finished = pyqtSignal(object, str)

    def __init__(
        self,
        reference: Path,
        uem: Path | None,
        recordings: list[Recording],
        map_speakers: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.reference, self.uem, self.recordings = reference, uem, recordings
        self.map_speakers = map_speakers
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
        report, outcome = None, "done"
        try:
            report = compare_corpus_with(
                self.reference, self.recordings, uem=self.uem, map_speakers=self.map_speakers,
                progress=self._report, cancel=self.cancel_event,
            )  # fmt: skip
        except Cancelled:
            outcome = "cancelled"
        except Exception as exc:  # FormatError of the reference or UEM, or the unexpected: a line
            outcome = f"failed: {error_line(exc)}"
        self.running = False
        self.finished.emit(report, outcome)

    def _report(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last >= 0.1 or fraction >= 1.0:
            self._last = now
            self.progress.emit(float(fraction), str(message))


class RowOrder(QSortFilterProxyModel):
    """Sorts by each cell's `SORT_ROLE` value; the corpus row stays first and the unmatched rows
    last in either direction, and a cell without a figure sorts after those with one."""

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802 (Qt's name)
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        source = self.sourceModel()
        groups = [source.index(i.row(), 0).data(GROUP_ROLE) for i in (left, right)]
        if groups[0] != groups[1]:
            return groups[0] < groups[1] if ascending else groups[0] > groups[1]
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return False if a is None and b is None else (not ascending if a is None else ascending)
        return bool(a < b)


class CorpusCompareDialog(QDialog):
    """Reference and UEM, Compare / Cancel, progress, the table, Export CSV…."""

    #: a recording to open in the editor (double-click on its row)
    openRequested = pyqtSignal(Path)  # noqa: N815 (Qt naming)

    def __init__(
        self,
        context: EditorContext,
        map_speakers: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.map_speakers = map_speakers
        self.setWindowTitle("Compare corpus with reference")
        self.setObjectName("corpus-compare")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.job: CorpusCompareJob | None = None
        self.report: CorpusReport | None = None
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("an RTTM with one file-id per recording")
        self.uem = QLineEdit()
        self.uem.setPlaceholderText("optional: the scored regions of each file-id")
        form = QFormLayout()
        for label, edit, pick in (
            ("Reference", self.reference, self.choose_reference),
            ("UEM", self.uem, self.choose_uem),
        ):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            browse = QPushButton("Browse…")
            browse.clicked.connect(pick)
            row.addWidget(browse)
            form.addRow(label, row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel(
            "Each recording is matched to the reference's file-id that names it and scored with "
            "its saved labels; the corpus row pools every recording's time and edits."
        )
        self.status.setWordWrap(True)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-weight: bold")
        self.headline.setToolTip(RULE_TEXT)
        self.model = QStandardItemModel(0, 0, self)
        self.rows = RowOrder(self)
        self.rows.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.rows)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open_row)
        self.start_button = QPushButton("Compare")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(lambda: self.export_csv())
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.cancel_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(900, 520)
        self._buttons()

    # --- choosing the files -------------------------------------------------------------------
    def _folder(self) -> str:
        project = self.context.project
        return str(project.root) if project is not None else ""

    def choose_reference(self) -> None:
        path = self.context.prompts.open_annotation(self._folder(), REFERENCE_FILTER)
        if path is not None:
            self.reference.setText(str(path))

    def choose_uem(self) -> None:
        path = self.context.prompts.open_annotation(self._folder(), UEM_FILTER)
        if path is not None:
            self.uem.setText(str(path))

    # --- the job ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def _buttons(self) -> None:
        self.start_button.setEnabled(not self.running)
        self.cancel_button.setEnabled(self.running)
        self.export_button.setEnabled(not self.running and self.report is not None)

    def recordings(self) -> list[Recording]:
        """The corpus's recordings with how to load each one's labels, taken on the GUI thread:
        saved labels, except the open recording's unsaved edits (a copy of them as they are)."""
        project, doc = self.context.project, self.context.document
        if project is None:
            return []
        out = []
        for entry in project.recordings:
            if doc is not None and doc.dirty and doc.entry is entry:
                labels = doc.annotation.copy()
                out.append(Recording(entry.rel_path, entry.path, partial(_given, labels),
                                     "unsaved edits included"))  # fmt: skip
                continue
            info = project.recording_info(entry, checksum=False)
            load = partial(saved_labels, project.sidecar_path(entry), info)
            out.append(Recording(entry.rel_path, entry.path, load))
        return out

    def start(self) -> bool:
        if self.running:
            return False
        if self.context.project is None:
            self.status.setText("Open a corpus folder first: this compares its recordings")
            return False
        text, uem_text = self.reference.text().strip(), self.uem.text().strip()
        if not text:
            self.status.setText("Choose the reference first (an RTTM of the corpus)")
            return False
        reference, uem = Path(text), Path(uem_text) if uem_text else None
        for path in (reference, uem):
            if path is not None and not path.is_file():
                self.status.setText(f"{path}: no such file")
                return False
        self.report = None
        self.model.clear()
        self.headline.clear()
        self.job = CorpusCompareJob(reference, uem, self.recordings(), self.map_speakers(), self)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.progress.setValue(0)
        self.status.setText(f"Reading {reference.name}…")
        self.job.start(self.pool)
        self._buttons()
        return True

    def cancel(self) -> None:
        if self.running and self.job is not None:
            self.job.cancel()
            self.status.setText("Cancelling…")

    def shutdown(self, wait_ms: int = 10000) -> None:
        self.cancel()
        self.pool.waitForDone(wait_ms)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 1000))
        self.status.setText(f"Scoring {message} — {fraction:.0%}")

    def _on_finished(self, report: CorpusReport | None, outcome: str) -> None:
        self.report = report
        if report is None:
            text = "Cancelled; nothing compared" if outcome == "cancelled" else outcome[8:]
            self.status.setText(text)
            self.context.say(f"Compare corpus: {text}", 8000)
        else:
            self.progress.setValue(1000)
            self.show_report(report)
            self.context.say(report.headline(), 8000)
        self._buttons()

    # --- the table ----------------------------------------------------------------------------
    def show_report(self, report: CorpusReport) -> None:
        self.report = report
        lanes = report.lanes
        header = columns(lanes)
        self.table.setSortingEnabled(False)
        self.model.clear()
        self.model.setColumnCount(len(header))
        self.model.setHorizontalHeaderLabels(header)
        edits_column = 2 + len(lanes)
        for column, tip in (
            (edits_column, f"About this many edits to correct the lanes. {RULE_TEXT}"),
            (edits_column + 1, "Edits starting from empty lanes: what a pre-label has to beat"),
        ):
            item = self.model.horizontalHeaderItem(column)
            if item is not None:
                item.setToolTip(tip)
        for row in report.rows():
            self.model.appendRow(self._items(row, lanes))
        scored = len(report.comparison.files)
        self.status.setText(
            f"{report.reference.name}: {scored} of {len(report.recordings)} recordings scored"
            + (f" within {report.uem.name}" if report.uem is not None else "")
            + ("" if scored else " — the reference holds none of this corpus's recordings")
            + ". Double-click a row to open the recording."
        )
        self.headline.setText(report.headline())
        view = self.table.horizontalHeader()
        view.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.rows.sort(-1)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        view.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 260))

    def _items(self, row: ReportRow, lanes: list[str]) -> list[QStandardItem]:
        texts = cells(row, lanes)
        values: list[Any] = [row.recording.casefold() or None, row.file_id.casefold() or None]
        values += [row.f1.get(lane) for lane in lanes] + [row.edits, row.empty_edits]
        values.append(row.note.casefold() or None)
        items = []
        for column, (text, value) in enumerate(zip(texts, values, strict=True)):
            item = QStandardItem(text)
            item.setEditable(False)
            item.setData(value, SORT_ROLE)
            if 2 <= column < len(texts) - 1:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row.kind == "corpus":
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            elif row.kind == "unmatched":
                item.setForeground(QColor(UNMATCHED_COLOUR))
            items.append(item)
        items[0].setData(GROUPS[row.kind], GROUP_ROLE)
        items[0].setData(str(row.path) if row.path is not None else None, PATH_ROLE)
        items[0].setToolTip(row.recording or row.file_id)
        return items

    def shown_rows(self) -> list[list[str]]:
        """The table's texts in the order shown (what the CSV holds)."""
        return [
            [str(self.rows.index(r, c).data() or "") for c in range(self.rows.columnCount())]
            for r in range(self.rows.rowCount())
        ]

    def path_at(self, view_row: int) -> Path | None:
        value = self.rows.index(view_row, 0).data(PATH_ROLE)
        return Path(value) if value else None

    def _open_row(self, index: QModelIndex) -> None:
        path = self.path_at(index.row())
        if path is not None:
            self.openRequested.emit(path)

    def export_csv(self, path: Path | None = None) -> bool:
        """Write the table as shown to a CSV file (asked for when not given), atomically."""
        if self.report is None:
            return False
        if path is None:
            suggested = Path(self._folder() or ".") / f"{self.report.reference.stem}-compare.csv"
            path = self.context.prompts.save_path(
                "Export corpus comparison", str(suggested), "CSV (*.csv)"
            )
            if path is None:
                return False
        header = [
            str(self.model.headerData(c, Qt.Orientation.Horizontal))
            for c in range(self.model.columnCount())
        ]
        try:
            write_csv(path, header, self.shown_rows())
        except OSError as exc:
            line = error_line(exc)
            self.status.setText(line if str(path) in line else f"{path}: {line}")
            return False
        self.status.setText(f"Wrote {path}")
        self.context.say(f"Wrote {Path(path).name}", 5000)
        return True


def _given(labels: Any) -> Any:
    return labels
