"""Comparing the working lanes with a reference: the panel, and the marks on the lanes.

A reference is a second annotation of the same recording (another annotator's TextGrid, an
RTTM, or a JSON export of an earlier run), read with `annotator.formats` and compared with
`annotator.review.compare.compare`. The panel lists per lane the reference time, misses, false
alarms, label confusions and the detection error rate, and every disagreement, largest first;
D / Shift+D walk them. `DisagreementMarks` draws them in the lanes as a strip along the bottom
of each lane row: red where the reference has a label the working lane lacks (miss), amber
where the working lane has one the reference lacks (false alarm), violet where both have
different labels (confusion). A reference segment can be copied into its working lane as one
undoable edit (`copy_reference_segment`).

Above the table, the edits a person needs to turn the lanes into the reference, beside the
figure for empty lanes and, when the model's pre-label was compared, whether it saved work; the
table repeats them per lane, each cell's tooltip broken down by kind. The counting lives in
`annotator.review.edit_effort`; this panel only shows it.
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPicture
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.review.compare import Comparison
from annotator.review.edit_effort import RULE_TEXT, EditCounts, breakdown

KIND_COLOURS = {
    "miss": "#e53935",
    "false alarm": "#ffb300",
    "confusion": "#ab47bc",
    "lane confusion": "#ab47bc",
}
# the edit counts first: at a dock's width they are what shows without scrolling
SUMMARY = (
    "Lane", "Edits", "Pre-label", "From empty",
    "Reference", "Missed", "False alarm", "Confused", "Error rate",
)  # fmt: skip
EDITS, PRELABEL, EMPTY = 1, 2, 3  # the edit-count columns of SUMMARY
EDIT_TIPS = {
    EDITS: "Edits still to make in this lane (what it holds now)",
    PRELABEL: "Edits the model's pre-label needs (current thresholds and confidence floor)",
    EMPTY: "Edits starting from an empty lane: what a pre-label has to beat",
}
LIST = ("Kind", "Lane", "Start", "Length", "Reference → working")
STRIP = (0.74, 0.97)  # of a lane row's height: where the marks go


def _right(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _edit_cell(counts: EditCounts) -> QTableWidgetItem:
    """A right-aligned edit count whose tooltip breaks it down by kind."""
    item = _right(str(counts.total))
    item.setToolTip(breakdown(counts))
    return item


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class DisagreementMarks(pg.GraphicsObject):
    """Disagreements as coloured strips in the lane rows (lanes plot coordinates: x seconds,
    lane i spans y ∈ [i, i + 1])."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[tuple[float, float, int, str]] = []  # start, end, row, kind
        self._picture = QPicture()
        self._bounds = QRectF()
        self.setZValue(15)

    def set_marks(self, marks: list[tuple[float, float, int, str]]) -> None:
        self.prepareGeometryChange()
        self.marks = list(marks)
        self._picture = QPicture()
        painter = QPainter(self._picture)
        painter.setPen(Qt.PenStyle.NoPen)
        for start, end, row, kind in self.marks:
            colour = QColor(KIND_COLOURS.get(kind, "#ffffff"))
            colour.setAlpha(200)
            painter.setBrush(colour)
            painter.drawRect(QRectF(start, row + STRIP[0], end - start, STRIP[1] - STRIP[0]))
        painter.end()
        if self.marks:
            x0 = min(m[0] for m in self.marks)
            x1 = max(m[1] for m in self.marks)
            rows = [m[2] for m in self.marks]
            self._bounds = QRectF(x0, min(rows), x1 - x0, max(rows) - min(rows) + 1)
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self._bounds

    def paint(self, painter, *_args) -> None:
        painter.drawPicture(0, 0, self._picture)


class ComparePanel(QWidget):
    """Summary and disagreement list of one `Comparison`; the explain tools drive it."""

    loadRequested = pyqtSignal()  # noqa: N815 (Qt naming)
    clearRequested = pyqtSignal()  # noqa: N815
    jumpRequested = pyqtSignal(int)  # noqa: N815  index into the disagreements
    copyRequested = pyqtSignal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare-panel")
        self.disagreements: list = []
        self.source = QLabel("No reference loaded")
        self.source.setWordWrap(True)
        load = QPushButton("Load reference…")
        load.setToolTip("A TextGrid, RTTM or JSON of this recording to compare the lanes with")
        load.clicked.connect(self.loadRequested)
        self.clear_button = QPushButton("Close reference")
        self.clear_button.clicked.connect(self.clearRequested)
        self.copy_button = QPushButton("Copy reference segment into the lane")
        self.copy_button.setToolTip("Put the reference's segment here into the working lane")
        self.copy_button.clicked.connect(self.copyRequested)
        # the effort figures: bold headline, the pre-label's verdict, the edits by kind
        self.effort = QLabel()
        self.effort.setWordWrap(True)
        self.effort.setStyleSheet("font-weight: bold")
        self.prelabel = QLabel()
        self.prelabel.setWordWrap(True)
        self.effort_detail = QLabel()
        self.effort_detail.setWordWrap(True)
        self.summary = _table(SUMMARY)
        self.summary.setMaximumHeight(150)
        # compact rows: the four class lanes fit under the header without scrolling
        rows = self.summary.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        for column, tip in EDIT_TIPS.items():
            self.summary.horizontalHeaderItem(column).setToolTip(f"{tip}. {RULE_TEXT}.")
        self.list = _table(LIST)
        self.list.cellDoubleClicked.connect(lambda row, _c: self.jumpRequested.emit(row))
        self.list.itemSelectionChanged.connect(self._update_buttons)
        legend = QLabel(
            " ".join(
                f"<span style='color:{KIND_COLOURS[k]}'>■</span> {k}"
                for k in ("miss", "false alarm", "confusion")
            )
            + " &nbsp; D / Shift+D: next / previous largest"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(load)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        layout.addWidget(self.source)
        layout.addWidget(self.effort)
        layout.addWidget(self.prelabel)
        layout.addWidget(self.effort_detail)
        layout.addWidget(self.summary)
        layout.addWidget(legend)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.copy_button)
        self.show_comparison(None)

    def show_comparison(self, comparison, source: str = "") -> None:
        """Show a `annotator.review.compare.Comparison` (None: no reference)."""
        self.source.setText(source or "No reference loaded")
        self.clear_button.setEnabled(comparison is not None)
        lanes = list(comparison.lanes.values()) if comparison is not None else []
        self._show_effort(comparison)
        self.summary.setRowCount(len(lanes))
        for row, result in enumerate(lanes):
            name = (
                result.lane
                if result.lane == result.reference_lane
                else (f"{result.reference_lane} → {result.lane}")
            )
            rate = result.detection_error_rate
            cells = [
                QTableWidgetItem(name), _edit_cell(result.edits),
                _edit_cell(result.prelabel_edits) if result.prelabel_edits is not None
                else _right("–"),
                _edit_cell(result.empty_edits), _right(f"{result.reference_s:.2f} s"),
                _right(f"{result.missed_s:.2f} s"), _right(f"{result.false_alarm_s:.2f} s"),
                _right(f"{result.confused_s:.2f} s"), _right(f"{100 * rate:.1f} %"),
            ]  # fmt: skip
            for column, cell in enumerate(cells):
                self.summary.setItem(row, column, cell)
        self.disagreements = comparison.disagreements() if comparison is not None else []
        self.list.setRowCount(len(self.disagreements))
        for row, d in enumerate(self.disagreements):
            lane = d.lane if d.other_lane is None else f"{d.lane} → {d.other_lane}"
            labels = f"{d.reference or '∅'} → {d.working or '∅'}"
            kind = QTableWidgetItem(d.kind)
            kind.setForeground(QColor(KIND_COLOURS.get(d.kind, "#ffffff")))
            cells = [kind, QTableWidgetItem(lane), _right(f"{d.start:.2f} s"),
                     _right(f"{d.duration:.2f} s"), QTableWidgetItem(labels)]  # fmt: skip
            for column, cell in enumerate(cells):
                self.list.setItem(row, column, cell)
        self._update_buttons()

    def _show_effort(self, comparison: Comparison | None) -> None:
        """The file's edit counts above the table (hidden without a reference); the pre-label
        column and line only when the model's pre-label was compared."""
        has_prelabel = comparison is not None and comparison.prelabel_edits is not None
        self.summary.setColumnHidden(PRELABEL, not has_prelabel)
        for label in (self.effort, self.prelabel, self.effort_detail):
            label.setVisible(comparison is not None)
        self.prelabel.setVisible(has_prelabel)
        if comparison is None:
            for label in (self.effort, self.prelabel, self.effort_detail):
                label.clear()
            return
        text = comparison.effort()
        self.effort.setText(text.headline)
        self.prelabel.setText(text.prelabel)
        self.effort_detail.setText(text.detail)
        tips = [f"Now: {breakdown(comparison.edits)}"]
        if has_prelabel:
            tips.append(f"Model pre-label: {breakdown(comparison.prelabel_edits)}")
        tips.append(f"Empty lanes: {breakdown(comparison.empty_edits)}")
        tip = f"{RULE_TEXT}.\n" + "\n".join(tips)
        for label in (self.effort, self.prelabel, self.effort_detail):
            label.setToolTip(tip)

    def current(self) -> int:
        rows = self.list.selectionModel().selectedRows() if self.list.selectionModel() else []
        return rows[0].row() if rows else -1

    def select(self, index: int) -> None:
        if 0 <= index < self.list.rowCount():
            self.list.selectRow(index)
            self.list.scrollToItem(self.list.item(index, 0))

    def _update_buttons(self) -> None:
        index = self.current()
        kind = self.disagreements[index].kind if 0 <= index < len(self.disagreements) else ""
        self.copy_button.setEnabled(kind in ("miss", "confusion", "lane confusion"))
