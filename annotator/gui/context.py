"""`EditorContext`: what the editor's helpers share, so that none of them needs the window.

The open document and project, the settings, the questions (`Prompts`), the named actions and
the model evidence live here; the helpers (playback, lanes, pre-labelling, explain and review
tools, dialogs) take this object and the views they draw on. What they tell the person goes out
as signals (`message`, `failure`) that the window shows in its status bar and error dialog, so a
helper never reaches for the window's status bar or its private methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, QSettings, pyqtSignal

from annotator.gui.document import Document, DocumentError

if TYPE_CHECKING:
    from PyQt6.QtGui import QAction

    from annotator.core.project import Project
    from annotator.core.sidecar import RecordingStatus
    from annotator.evidence.cache import Evidence


class EditorContext(QObject):
    """The shared state of one editor window; signals say when it changes."""

    #: the document now shown, emitted once the views and helpers show it
    documentChanged = pyqtSignal(object)  # noqa: N815 (Qt's naming)
    #: a status line: text and how long it stays in ms (0: until the next one)
    message = pyqtSignal(str, int)
    #: something the person asked for failed: said in the status bar and asked to acknowledge
    failure = pyqtSignal(str)
    #: the document was saved (to sidecar): the corpus and title follow
    saved = pyqtSignal(object)

    def __init__(self, settings: QSettings, prompts: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        #: the questions to the person (`Prompts`, or scripted answers in tests)
        self.prompts = prompts
        self.document: Document | None = None
        self.project: Project | None = None
        #: every named action of the window, registered by the helper that owns it
        self.actions: dict[str, QAction] = {}

    @property
    def evidence(self) -> Evidence | None:
        """The open recording's model evidence (posteriors, H, thresholds), if any."""
        return self.document.evidence if self.document is not None else None

    def say(self, text: str, ms: int = 0) -> None:
        self.message.emit(text, ms)

    def fail(self, text: str) -> None:
        self.failure.emit(text)

    def save(self, status: RecordingStatus | None = None) -> bool:
        """Save the open recording; False (and said) when it could not be written."""
        if self.document is None:
            return False
        try:
            self.document.save(status)
        except DocumentError as exc:
            self.fail(str(exc))
            return False
        self.saved.emit(self.document)
        return True
