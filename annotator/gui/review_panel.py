"""`ReviewPanel`: the open recording's review queue, worst first, with keys to walk it.

Items come from `annotator.review.queue.review_items`: stretches where the model is unsure
(posterior near its threshold band), where a person's label and the model disagree, model
flicker, and what the posterior cannot show: sounds the NMF dictionary does not rebuild (on all
lanes at once) and labels resting on components the model rarely used. With a model that stores
a review calibration, every model segment and every stretch where a lane's posterior rises
without reaching its onset is a place, ranked by the wrong time it is expected to hold (its
chance of being wrong measured on held-out data), the other kinds' reasons folded in. The list is rebuilt when the labels or the evidence change (an item a person fixed
drops out); the queue's cursor is kept on the same place when it survives. Next / previous
(keys in `shortcuts`) select the item's span in its lane and bring it into view with context.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("#", "Lane", "Start", "Length", "Why", "Score")
KIND_TEXT = {
    "uncertain": "unsure",
    "disagreement": "disagrees",
    "flicker": "flicker",
    "unfamiliar": "",  # their reasons name the kind themselves ("unfamiliar sound: …")
    "rare": "",
    "suspect": "",  # "noise segment of mean confidence 0.64, …: segments like this were wrong …"
    "missed": "",  # "speech posterior up to 0.45 for 1.2 s without a speech label …"
}


def why_text(item) -> str:
    """The Why column: the kind in a word, then the item's reason."""
    kind = KIND_TEXT.get(item.kind, item.kind)
    return f"{kind}: {item.detail}" if kind else item.detail


class ReviewPanel(QWidget):
    """A table of `ReviewItem`s; row activation asks the tools to jump there."""

    jumpRequested = pyqtSignal(int)  # noqa: N815 (Qt naming)  index into the queue

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review-panel")
        self.queue = None
        self.summary = QLabel("No model evidence: pre-label to get a review queue")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _c: self.jumpRequested.emit(row))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_queue(self, queue, note: str = "") -> None:
        """Show a `annotator.review.queue.ReviewQueue` (None: nothing to review, ``note`` why)."""
        self.queue = queue
        items = queue.items if queue is not None else []
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            cells = [
                QTableWidgetItem(str(row + 1)),
                QTableWidgetItem(item.lane),
                QTableWidgetItem(f"{item.start:.2f} s"),
                QTableWidgetItem(f"{item.duration:.2f} s"),
                QTableWidgetItem(why_text(item)),
                QTableWidgetItem(f"{item.score:.2f}"),
            ]
            for column in (0, 2, 3, 5):
                cells[column].setTextAlignment(
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        if queue is None:
            self.summary.setText(note or "No model evidence: pre-label to get a review queue")
        elif not items:
            self.summary.setText("Nothing left to review in this recording")
        else:
            expected = [i.expected_wrong for i in items if i.expected_wrong is not None]
            if expected:  # a calibrated queue: say what it expects, in seconds
                what = (
                    f"about {sum(expected):.1f} s of labels likely wrong, by a calibration on "
                    "held-out data; the likeliest per second of listening first"
                )
            else:
                what = f"expected effort {sum(i.score for i in items):.1f} strength-s"
            self.summary.setText(
                f"{len(items)} places to review ({what}); "
                "N / Shift+N: next / previous, double-click: go there"
            )
        self.show_position()

    def show_position(self) -> None:
        position = self.queue.position if self.queue is not None else -1
        if 0 <= position < self.table.rowCount():
            self.table.selectRow(position)
            self.table.scrollToItem(self.table.item(position, 0))
        else:
            self.table.clearSelection()
