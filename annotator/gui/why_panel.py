"""`WhyPanel`: why the model says a class over the selection, in numbers that add up.

For the selected segment (or any dragged span) and one class, the rows are the top components
by |Θ[c,k]·Σ_t H[k,t]|, all other components together, and the bias; the last row is their sum,
the model's logit summed over the selection's frames (`annotator.review.why.why_label`, the
exact split). The panel states the sum and how closely the same numbers rebuild the model's
posteriors, so nobody has to take the arithmetic on trust.

Listening (`annotator.review.listen`): the ticked components' share of the selection (a soft
mask of W·H on the recording's own STFT), the rest, and the mixture, on a second player so the
editor's cursor is left where it is.
"""

from __future__ import annotations

import math

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.evidence.cache import Evidence

UP, DOWN, MUTED = "#81c784", "#e57373", "#9aa0a6"
#: the part's name and what its spectrum W[:, k] sounds like share one wrapped, stretched cell:
#: a column of their own was squeezed to a few letters in a dock of ordinary width
COLUMNS = ("♪", "Part (what its spectrum is)", "Σ contribution", "Share")
PART = 1


def _number(value: float, digits: int = 2) -> str:
    return "—" if not math.isfinite(value) else f"{value:+,.{digits}f}"


def _percent(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{100 * value:+.0f} %"


class WhyPanel(QWidget):
    """The numbers of one `WhyLabel`; the explain tools compute and hand them over."""

    classChanged = pyqtSignal(str)  # noqa: N815 (Qt naming)  lane name
    countChanged = pyqtSignal(int)  # noqa: N815
    componentChosen = pyqtSignal(int)  # noqa: N815  a component row was clicked
    listenRequested = pyqtSignal(str)  # noqa: N815  "selected", "rest" or "mixture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("why-panel")
        self.why = None
        self.lane = QComboBox()
        self.lane.currentIndexChanged.connect(
            lambda _i: self.classChanged.emit(self.lane.currentText())
        )
        self.count = QSpinBox()
        self.count.setRange(1, 50)
        self.count.setValue(5)
        self.count.setToolTip("How many components to list (ranked by |contribution|)")
        self.count.valueChanged.connect(self.countChanged)
        self.span = QLabel("Select a segment or drag a span")
        self.reading = QLabel("")
        self.reading.setWordWrap(True)
        font = QFont(self.reading.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.reading.setFont(font)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PART, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())  # re-wrap
        self.table.setWordWrap(True)
        self.table.horizontalHeaderItem(0).setToolTip("Tick the components to listen to")
        self.table.horizontalHeaderItem(3).setToolTip("Share of the summed logit (signed)")
        self.table.cellClicked.connect(self._on_cell)
        self.check = QLabel("")
        self.check.setWordWrap(True)
        self.buttons = {}
        listen = QHBoxLayout()
        listen.addWidget(QLabel("Listen:"))
        for key, text, tip in (
            ("selected", "▶ ticked components", "The selection filtered to the ticked components"),
            ("rest", "▶ the rest", "Everything the ticked components do not explain"),
            ("mixture", "▶ original", "The selection as recorded"),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, k=key: self.listenRequested.emit(k))
            listen.addWidget(button)
            self.buttons[key] = button
        listen.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Class"))
        top.addWidget(self.lane)
        top.addSpacing(12)
        top.addWidget(QLabel("Top"))
        top.addWidget(self.count)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.span)
        layout.addWidget(self.reading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.check)
        layout.addLayout(listen)
        self.set_message("Select a segment or drag a span to see why the model labels it")

    # --- input ------------------------------------------------------------------------------
    def set_classes(self, evidence: Evidence | None) -> None:
        lanes = list(evidence.lanes) if evidence is not None else []
        if [self.lane.itemText(i) for i in range(self.lane.count())] == lanes:
            return
        current = self.lane.currentText()
        self.lane.blockSignals(True)
        self.lane.clear()
        self.lane.addItems(lanes)
        if current in lanes:
            self.lane.setCurrentText(current)
        self.lane.blockSignals(False)

    def set_class(self, lane: str) -> bool:
        """Choose the class (lane name) without a ``classChanged`` round trip."""
        index = self.lane.findText(lane)
        if index < 0:
            return False
        self.lane.blockSignals(True)
        self.lane.setCurrentIndex(index)
        self.lane.blockSignals(False)
        return True

    def set_message(self, text: str) -> None:
        """No numbers to show: say why (no selection, no evidence...)."""
        self.why = None
        self.span.setText(text)
        self.reading.setText("")
        self.table.setRowCount(0)
        self.check.setText("")
        for button in self.buttons.values():
            button.setEnabled(False)

    def show_why(self, why) -> None:
        """Show a `annotator.review.why.WhyLabel`."""
        self.why = why
        self.span.setText(
            f"<b>{why.lane}</b> over {why.start:.3f}–{why.end:.3f} s "
            f"({why.frames} frames), mean posterior {why.mean_posterior:.2f}"
        )
        self.reading.setText(why.reading)
        rows = why.rows()
        self.table.setRowCount(len(rows))
        for i, (what, value, share) in enumerate(rows):
            component = why.components[i] if i < len(why.components) else None
            tick = QTableWidgetItem("")
            if component is not None:
                tick.setFlags(tick.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                tick.setCheckState(Qt.CheckState.Checked)
            text = what.replace("component ", "component k = ") if component else what
            if component is not None and component.description:
                text = f"{text}\n{component.description}"
            cells = [
                tick,
                QTableWidgetItem(text),
                QTableWidgetItem(_number(value)),
                QTableWidgetItem(_percent(share)),
            ]
            colour = QColor(UP if value > 0 else DOWN if value < 0 else MUTED)
            cells[2].setForeground(colour)
            for column in (2, 3):
                cells[column].setTextAlignment(
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            if i == len(rows) - 1:  # the sum: the model's logit
                cells[1].setText("= logit (Σ over frames)")
                for cell in cells:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
            for column, cell in enumerate(cells):
                self.table.setItem(i, column, cell)
        self.table.resizeRowsToContents()
        self.check.setText(
            f"Σ of the parts above = {why.total:+,.4f} = the model's logit summed over the "
            f"selection ({why.logit:+,.4f}; mean {why.mean_logit:+.3f} per frame). "
            f"Frame by frame they rebuild the model's posteriors to within "
            f"{why.posterior_error:.1e}."
        )
        for button in self.buttons.values():
            button.setEnabled(True)

    # --- reading it back --------------------------------------------------------------------
    def ticked(self) -> list[int]:
        """Components whose Listen box is ticked."""
        if self.why is None:
            return []
        out = []
        for i, component in enumerate(self.why.components):
            item = self.table.item(i, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(component.k)
        return out

    def row_values(self) -> list[float]:
        """The contributions as shown (parts, then the sum), parsed back from the table."""
        values = []
        for i in range(self.table.rowCount()):
            text = self.table.item(i, 2).text().replace(",", "")
            values.append(float(text) if text != "—" else float("nan"))
        return values

    def _on_cell(self, row: int, _column: int) -> None:
        if self.why is not None and row < len(self.why.components):
            self.componentChosen.emit(self.why.components[row].k)


def clip_gain(samples: np.ndarray) -> np.ndarray:
    """Scale a clip down only if it would clip (a filtered part can peak above the mixture)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return samples / peak * 0.99 if peak > 0.99 else samples
