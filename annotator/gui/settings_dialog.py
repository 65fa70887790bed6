"""The Settings dialog: autosave delay, default export format, snapping distance, and the
spectrogram's analysis (window, top frequency, dynamic range, pre-emphasis) (QSettings).

Kept small on purpose: only what people asked to change; everything else has one good default.
Values are read through the functions below, so a bad or missing entry in the settings file
falls back to the default instead of breaking the window.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtCore import QSettings
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from annotator.gui import file_actions
from annotator.gui.document import AUTOSAVE_ENV, AUTOSAVE_INTERVAL_S, Document, autosave_interval
from annotator.gui.editor import SNAP_PX
from annotator.gui.spectrogram_item import PRAAT, SpectrogramSettings

if TYPE_CHECKING:
    from annotator.gui.context import EditorContext
    from annotator.gui.editor import EditorController
    from annotator.gui.timeline_view import TimelineView

AUTOSAVE_KEY, EXPORT_KEY, SNAP_KEY = "edit/autosave_s", "export/default_format", "edit/snap_px"
AUTOSAVE_RANGE, SNAP_RANGE = (5, 600), (0.0, 40.0)
WAVEFORM_LOCAL_KEY, WAVEFORM_DB_KEY = "view/waveform_scaled_to_view", "view/waveform_db"
#: spectrogram settings: key, field, (low, high), shown unit and scale from the field's value
SPECTROGRAM_KEYS = (
    ("spectrogram/window_ms", "window_s", (2.0, 100.0), " ms", 1000.0),
    ("spectrogram/max_freq_hz", "max_freq_hz", (500.0, 24000.0), " Hz", 1.0),
    ("spectrogram/dynamic_range_db", "dynamic_range_db", (20.0, 120.0), " dB", 1.0),
    ("spectrogram/pre_emphasis_db", "pre_emphasis_db", (0.0, 12.0), " dB/oct", 1.0),
)


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


def spectrogram_settings(settings: QSettings) -> SpectrogramSettings:
    default = SpectrogramSettings()
    values = {
        name: _number(settings, key, getattr(default, name) * scale, *bounds) / scale
        for key, name, bounds, _, scale in SPECTROGRAM_KEYS
    }
    return SpectrogramSettings(**values)


def _flag(settings: QSettings, key: str, default: bool) -> bool:
    return str(settings.value(key, default)).lower() in ("true", "1")


class SettingsActions:
    """The Settings… action and the waveform's View toggles, and putting the stored values
    into effect on the views they change."""

    def __init__(
        self,
        context: EditorContext,
        controller: EditorController,
        timeline: TimelineView,
        host: QWidget,
    ) -> None:
        self.context = context
        self.controller = controller
        self.timeline = timeline
        self.host = host
        self.dialog: SettingsDialog | None = None  # the last one opened (tests fill it in)
        actions = {}
        for name, text, key in (
            ("waveform_local", "Waveform scaled to the view", WAVEFORM_LOCAL_KEY),
            ("waveform_db", "Waveform in dB", WAVEFORM_DB_KEY),
        ):
            action = QAction(text, host, checkable=True)
            action.toggled.connect(lambda on, k=key: self.set_view_option(k, on))
            actions[name] = action
        actions["settings"] = QAction("Settings…", host, triggered=lambda: self.show_settings())
        context.actions.update(actions)

    def set_view_option(self, key: str, on: bool) -> None:
        """A View menu toggle of the waveform: remembered, and in effect at once."""
        self.context.settings.setValue(key, on)
        self.apply()

    def apply(self, document: Document | None = None) -> None:
        """Put the stored values into effect (at start, after OK, and for each opened
        recording)."""
        settings = self.context.settings
        self.controller.snap_px = snap_px(settings)
        local = _flag(settings, WAVEFORM_LOCAL_KEY, True)
        db = _flag(settings, WAVEFORM_DB_KEY, False)
        for name, on in (("waveform_local", local), ("waveform_db", db)):
            action = self.context.actions.get(name)
            if action is not None and action.isChecked() != on:
                blocked = action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(blocked)
        timeline = self.timeline
        if (timeline.waveform_scaled_to_view, timeline.waveform.db) != (local, db):
            timeline.set_waveform_scale(to_view=local, db=db)
        chosen = spectrogram_settings(settings)
        if timeline.spectrogram.settings != chosen:
            timeline.spectrogram.settings = chosen
            timeline._refresh_spectrogram()
        document = document or self.context.document
        if document is not None:
            document.autosaver.interval_s = autosave_seconds(settings)

    def show_settings(self) -> SettingsDialog:
        """Open the dialog window-modally without blocking (so tests can fill it in)."""
        dialog = SettingsDialog(self.context.settings, self.apply, self.host)
        dialog.open()
        self.dialog = dialog
        return dialog


class SettingsDialog(QDialog):
    def __init__(
        self, settings: QSettings, apply: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.apply = apply  # puts the accepted values into effect
        self.setWindowTitle("Settings")
        s = settings
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
        self.spectrogram: dict[str, QDoubleSpinBox] = {}
        current = spectrogram_settings(s)
        for key, name, bounds, unit, scale in SPECTROGRAM_KEYS:
            box = QDoubleSpinBox(suffix=unit, decimals=1)
            box.setRange(*bounds)
            box.setValue(getattr(current, name) * scale)
            self.spectrogram[key] = box
        self.spectrogram["spectrogram/window_ms"].setToolTip(
            "5 ms: broad band (formants, pulses); 30 ms: narrow band (harmonics)"
        )
        praat = QPushButton("Praat's settings")
        praat.setToolTip("5 ms window, 5000 Hz, 70 dB, 6 dB/octave, as Praat's defaults")
        praat.clicked.connect(lambda: self._fill_spectrogram(PRAAT))
        ours = QPushButton("This editor's")
        ours.clicked.connect(lambda: self._fill_spectrogram(SpectrogramSettings()))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Autosave after", self.autosave)
        form.addRow("Export format (Ctrl+E)", self.export)
        form.addRow("Snapping distance", self.snap)
        labels = ("Spectrogram window", "Top frequency", "Dynamic range", "Pre-emphasis")
        for label, box in zip(labels, self.spectrogram.values(), strict=True):
            form.addRow(label, box)
        form.addRow(praat, ours)
        form.addRow(buttons)

    def _fill_spectrogram(self, chosen: SpectrogramSettings) -> None:
        for key, name, _, _, scale in SPECTROGRAM_KEYS:
            self.spectrogram[key].setValue(getattr(chosen, name) * scale)

    def accept(self) -> None:
        s = self.settings
        s.setValue(AUTOSAVE_KEY, self.autosave.value())
        s.setValue(EXPORT_KEY, self.export.currentData())
        s.setValue(SNAP_KEY, self.snap.value())
        for key, box in self.spectrogram.items():
            s.setValue(key, box.value())
        s.sync()
        self.apply()
        super().accept()
