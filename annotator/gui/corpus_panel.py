"""`CorpusPanel`: the recordings of the open project with status, duration and segment count.

A plain table fed from `Project.recordings`; it never reads audio itself (the project caches the
headers), so a corpus of thousands of files lists instantly on reopening.

`set_effort` adds the expected review effort of each file (`annotator.review.queue`) and puts
the files needing most review first; next / previous recording then follow that order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from annotator.core.project import Project, RecordingEntry
from annotator.core.sidecar import RecordingStatus

STATUS_COLOURS = {
    RecordingStatus.NEW: "#9aa0a6",
    RecordingStatus.PRELABELLED: "#e08a1e",
    RecordingStatus.IN_REVIEW: "#3b82c4",
    RecordingStatus.DONE: "#4caf50",
}
COLUMNS = ("Recording", "Status", "Duration", "Segments", "Review")
MIN_WIDTH_PX = 330
#: (path, status, segment count, unsaved) of the recording open in the editor
WorkingState = tuple[Path, RecordingStatus, int, bool]


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class CorpusPanel(QTableWidget):
    """One row per recording; double-click or Enter opens it."""

    openRequested = pyqtSignal(Path)  # noqa: N815 (Qt naming)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("corpus-panel")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        # long names lose their middle, not their end (where meeting ids and takes differ); the
        # whole name is the tooltip, and the panel never shrinks below a readable width
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setMinimumWidth(MIN_WIDTH_PX)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.project: Project | None = None
        self.entries: list[RecordingEntry] = []
        #: rel_path -> FileEffort once sorted by review effort (None: corpus order)
        self.effort: dict | None = None
        self.cellDoubleClicked.connect(lambda row, _col: self._open_row(row))
        self._working: Callable[[], WorkingState] | None = None

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.refresh()

    def set_effort(self, efforts) -> None:
        """Show ``annotator.review.queue.FileEffort`` rows (in their order: most effort first);
        None goes back to corpus order."""
        self.effort = None if efforts is None else {e.rel_path: e for e in efforts}
        self.refresh()

    def refresh(self) -> None:
        self.entries = list(self.project.recordings) if self.project else []
        if self.effort is not None:
            rank = {rel: i for i, rel in enumerate(self.effort)}
            self.entries.sort(key=lambda e: rank.get(e.rel_path, len(rank)))
        self.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            name = QTableWidgetItem(entry.rel_path)
            name.setData(Qt.ItemDataRole.UserRole, str(entry.path))
            name.setToolTip(entry.rel_path)
            if entry.error:
                name.setToolTip(f"{entry.rel_path}: {entry.error}")
                name.setForeground(QColor("#e57373"))
            status = QTableWidgetItem(entry.status.label)
            status.setForeground(QColor(STATUS_COLOURS[entry.status]))
            duration = QTableWidgetItem(format_duration(entry.duration))
            count = QTableWidgetItem(str(entry.n_segments))
            found = (self.effort or {}).get(entry.rel_path)
            effort = QTableWidgetItem(
                "" if found is None or found.effort is None else f"{found.effort:.1f}"
            )
            if found is not None:
                effort.setToolTip(f"{found.items} places to review (strength-seconds)")
            for column, item in enumerate((name, status, duration, count, effort)):
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(row, column, item)
        self.show_working()

    def row_of(self, path: Path) -> int | None:
        resolved = path.resolve()
        for row, entry in enumerate(self.entries):
            if entry.path.resolve() == resolved:
                return row
        return None

    def mark_current(self, path: Path) -> None:
        row = self.row_of(path)
        if row is not None:
            self.selectRow(row)

    def follow(self, working: Callable[[], WorkingState] | None) -> None:
        """Show the open recording's row from ``working`` (its labels as being edited), now and
        after every `refresh`; None: rows as saved."""
        self._working = working
        self.show_working()

    def show_working(self) -> None:
        """The open recording's row as it is being edited, not as last saved: a pre-label or
        an edit shows its status and count at once, with ``*`` while unsaved."""
        if self._working is None:
            return
        path, status, segments, unsaved = self._working()
        row = self.row_of(path)
        if row is None:
            return
        status_item, count_item = self.item(row, 1), self.item(row, 3)
        if status_item is None or count_item is None:
            return
        mark = "*" if unsaved else ""
        status_item.setText(status.label + mark)
        status_item.setForeground(QColor(STATUS_COLOURS[status]))
        status_item.setToolTip("unsaved changes (Ctrl+S saves)" if unsaved else "")
        count_item.setText(f"{segments}{mark}")

    def neighbour(self, path: Path, step: int) -> Path | None:
        """The recording ``step`` rows away from ``path`` (skipping unreadable ones), or None."""
        row = self.row_of(path)
        if row is None:
            return None
        row += step
        while 0 <= row < len(self.entries):
            if self.entries[row].audio_error is None:
                return self.entries[row].path
            row += step
        return None

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self._open_row(self.currentRow())
            return
        super().keyPressEvent(event)

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.entries):
            self.openRequested.emit(self.entries[row].path)
