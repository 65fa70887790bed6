"""Colours shared by every view, so a class looks the same in lanes, curves and the cheat sheet."""

from __future__ import annotations

from PyQt6.QtGui import QColor

CLASS_COLOURS: dict[str, str] = {
    "speech": "#3b82c4",
    "music": "#e08a1e",
    "noise": "#7c8a96",
    "overlap": "#9b59b6",
}
USER_COLOURS = ("#2a9d8f", "#c0392b", "#6d8f1f", "#b5651d", "#34495e", "#d35490")

BACKGROUND = "#1e2126"
LANE_BACKGROUND = ("#262a30", "#2b3037")
CURSOR = "#ffd43b"
SELECTION = "#ffd43b"
WAVEFORM = "#8fc1e3"
TEXT = "#e8eaed"


def lane_colour(name: str, index: int) -> QColor:
    """The class colour for class lanes, else a stable colour from the user palette."""
    return QColor(CLASS_COLOURS.get(name, USER_COLOURS[index % len(USER_COLOURS)]))
