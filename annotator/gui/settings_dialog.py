"""The Settings dialog: autosave delay, default export format, snapping distance (QSettings).

Kept small on purpose: only what people asked to change; everything else has one good default.
Values are read through the functions below, so a bad or missing entry in the settings file
falls back to the default instead of breaking the window.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from annotator.gui import file_actions
from annotator.gui.document import AUTOSAVE_ENV, AUTOSAVE_INTERVAL_S, Document, autosave_interval
from annotator.gui.editor import SNAP_PX

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

AUTOSAVE_KEY, EXPORT_KEY, SNAP_KEY = "edit/autosave_s", "export/default_format", "edit/snap_px"
AUTOSAVE_RANGE, SNAP_RANGE = (5, 600), (0.0, 40.0)


def _number(settings: QSettings, key: str, default: float, low: float, high: float) -> float:
    try:
        value = float(settings.value(key, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high) if value == value else default


def autosave_seconds(settings: QSettings) -> float:
    """The chosen delay; the environment override (tests, cautious users) may only shorten it."""
    value = _number(settings, AUTOSAVE_KEY, AUTOSAVE_INTERVAL_S, *AUTOSAVE_RANGE)
    return min(value, autosave_interval()) if AUTOSAVE_ENV in os.environ else value


def export_format(settings: QSettings) -> str:
    name = str(settings.value(EXPORT_KEY, "textgrid"))
    return name if name in file_actions.EXPORT_FORMATS else "textgrid"


def snap_px(settings: QSettings) -> float:
    return _number(settings, SNAP_KEY, SNAP_PX, *SNAP_RANGE)


def apply(window: MainWindow, document: Document | None = None) -> None:
    """Put the stored values into effect (at start, after OK, and for each opened recording)."""
    window.controller.snap_px = snap_px(window.settings)
    document = document or window.document
    if document is not None:
        document.autosaver.interval_s = autosave_seconds(window.settings)


class SettingsDialog(QDialog):
    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Settings")
        s = window.settings
        self.autosave = QSpinBox(suffix=" s")
        self.autosave.setRange(*AUTOSAVE_RANGE)
        self.autosave.setValue(int(_number(s, AUTOSAVE_KEY, AUTOSAVE_INTERVAL_S, *AUTOSAVE_RANGE)))
        self.autosave.setToolTip("Unsaved edits are written to an autosave file this long after")
        self.export = QComboBox()
        for name in file_actions.EXPORT_FORMATS:
            self.export.addItem(file_actions.FORMATS[name].description, name)
        self.export.setCurrentIndex(self.export.findData(export_format(s)))
        self.snap = QDoubleSpinBox(suffix=" px", decimals=1, singleStep=1.0)
        self.snap.setRange(*SNAP_RANGE)
        self.snap.setValue(snap_px(s))
        self.snap.setToolTip("Dragged boundaries snap to others this close on screen (0: off)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Autosave after", self.autosave)
        form.addRow("Export format (Ctrl+E)", self.export)
        form.addRow("Snapping distance", self.snap)
        form.addRow(buttons)

    def accept(self) -> None:
        s = self.window_.settings
        s.setValue(AUTOSAVE_KEY, self.autosave.value())
        s.setValue(EXPORT_KEY, self.export.currentData())
        s.setValue(SNAP_KEY, self.snap.value())
        s.sync()
        apply(self.window_)
        super().accept()


def show_settings(window: MainWindow) -> SettingsDialog:
    """Open the dialog window-modally without blocking (so tests can fill it in)."""
    dialog = SettingsDialog(window)
    dialog.open()
    window.settings_dialog = dialog
    return dialog
