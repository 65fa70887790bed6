"""Every question the window asks the user, behind one object a test can replace.

Modal dialogs would block an automated test forever; the window only talks to a `Prompts`
instance, and the tests give it a scripted one with the same methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

AUDIO_FILTER = "Audio (*.wav *.flac *.mp3 *.ogg *.opus *.aiff *.aif *.w64 *.rf64);;All files (*)"


class Prompts:
    """Real dialogs, parented to the window."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def open_files(self, folder: str) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(
            self.parent, "Open recordings", folder, AUDIO_FILTER
        )
        return [Path(n) for n in names]

    def open_folder(self, folder: str) -> Path | None:
        name = QFileDialog.getExistingDirectory(self.parent, "Open corpus folder", folder)
        return Path(name) if name else None

    def open_annotation(self, folder: str, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.parent, "Import labels", folder, filters)
        return Path(name) if name else None

    def save_path(self, title: str, suggested: str, filters: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, filters)
        return Path(name) if name else None

    def unsaved(self, what: str) -> str:
        """'save', 'discard' or 'cancel' for unsaved changes in ``what``."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Unsaved changes",
            f"Save the changes to {what}?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def recover(self, names: list[str]) -> str:
        """'recover', 'discard' or 'later' for autosaved work left by a crash."""
        box = QMessageBox(self.parent)
        box.setWindowTitle("Recover unsaved work")
        box.setText(
            "Unsaved work was found from a session that ended unexpectedly:\n\n"
            + "\n".join(names[:20])
            + ("\n…" if len(names) > 20 else "")
        )
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Decide later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is recover else "discard" if clicked is discard else "later"

    def choose_recording(self, file_name: str, ids: Sequence[str]) -> str | None:
        """The recording of a multi-recording file (a corpus RTTM) to use, or None."""
        chosen, ok = QInputDialog.getItem(
            self.parent,
            "Choose a recording",
            f"{file_name} holds {len(ids)} recordings and none is named like the open one.\n"
            "Which one belongs to it?",
            list(ids),
            0,
            False,
        )
        return chosen if ok and chosen else None

    def map_speakers(self, file_name: str, speakers: Sequence[str]) -> bool:
        """Whether to compare a speaker-turn reference as speech (union) and overlap (≥ 2)."""
        shown = ", ".join(speakers[:6]) + (", …" if len(speakers) > 6 else "")
        answer = QMessageBox.question(
            self.parent,
            "Speaker lanes",
            f"{file_name} has speaker lanes ({shown}) and no speech lane.\n\n"
            "Compare them with the speech lane (anyone talking) and the overlap lane "
            "(two or more at once)? This corpus will remember the answer "
            "(Tools ▸ Compare speaker lanes as speech and overlap).",
        )
        return answer == QMessageBox.StandardButton.Yes

    def confirm(self, message: str) -> bool:
        """Yes / no before something the person typed would be lost."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self.parent, "nmf-annotator", message, buttons.Yes | buttons.Cancel, buttons.Cancel
        )
        return answer == buttons.Yes

    def error(self, message: str) -> None:
        QMessageBox.warning(self.parent, "nmf-annotator", message)
