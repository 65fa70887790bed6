"""The keyboard map: one table that makes the window's actions and the visible cheat sheet.

Why one table: a cheat sheet written by hand drifts from the real bindings; here the sheet is
rendered from the very list the actions are built from, so it cannot lie.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget


@dataclass(frozen=True)
class Binding:
    """An action id, its keys (first one shown in menus), what it does, and its group."""

    action: str
    keys: tuple[str, ...]
    text: str
    group: str


BINDINGS: tuple[Binding, ...] = (
    Binding("play_pause", ("Space", "Ctrl+Space"), "Play / pause from the cursor", "Playback"),
    Binding("escape", ("Escape",), "Stop playback, clear the selection", "Playback"),
    Binding("play_span", ("Tab",), "Play the selection", "Playback"),
    Binding("play_visible", ("Shift+Space",), "Play the visible range", "Playback"),
    Binding("loop", ("Ctrl+L",), "Loop the selection on / off", "Playback"),
    Binding("slower", ("[",), "Play slower (down to 0.5×; pitch follows)", "Playback"),
    Binding("faster", ("]",), "Play faster (up to 2×; pitch follows)", "Playback"),
    Binding("cursor_left", ("Left",), "Cursor left (1% of the view)", "Navigate"),
    Binding("cursor_right", ("Right",), "Cursor right (1% of the view)", "Navigate"),
    Binding("cursor_left_far", ("Ctrl+Left",), "Cursor left (10% of the view)", "Navigate"),
    Binding("cursor_right_far", ("Ctrl+Right",), "Cursor right (10% of the view)", "Navigate"),
    Binding(
        "extend_left", ("Shift+Left",), "Extend the selection left (1% of the view)", "Navigate"
    ),
    Binding(
        "extend_right", ("Shift+Right",), "Extend the selection right (1% of the view)", "Navigate"
    ),
    Binding("segment_prev", ("Alt+Left",), "Previous segment of the active lane", "Navigate"),
    Binding("segment_next", ("Alt+Right",), "Next segment of the active lane", "Navigate"),
    Binding("lane_up", ("Up",), "Active lane: the one above", "Navigate"),
    Binding("lane_down", ("Down",), "Active lane: the one below", "Navigate"),
    Binding("go_start", ("Home",), "Cursor to the start", "Navigate"),
    Binding("go_end", ("End",), "Cursor to the end", "Navigate"),
    Binding(
        "zoom_in", ("+", "=", "Ctrl++"), "Zoom in around the cursor (also Ctrl+wheel)", "Navigate"
    ),
    Binding("zoom_out", ("-", "Ctrl+-"), "Zoom out", "Navigate"),
    Binding("zoom_all", ("Ctrl+0",), "Show the whole recording", "Navigate"),
    Binding("zoom_selection", ("Ctrl+N",), "Zoom to the selection (as in Praat)", "Navigate"),
    Binding("zoom_back", ("Ctrl+B",), "Zoom back to the view before", "Navigate"),
    Binding("accept_next", ("Return", "Enter"), "Accept the segment, select the next", "Edit"),
    Binding("delete", ("Delete", "Backspace"), "Delete the selected segments", "Edit"),
    Binding("split", ("S",), "Split at the cursor", "Edit"),
    Binding(
        "insert_boundary",
        ("Ctrl+Return", "Ctrl+Enter"),
        "Insert a boundary on the active lane: segment over the selection, split inside a "
        "segment, or start / end a segment in a gap",
        "Edit",
    ),
    Binding(
        "remove_boundary",
        ("Alt+Backspace",),
        "Remove the boundary of the active lane nearest the cursor (merge, or fill the gap)",
        "Edit",
    ),
    Binding("merge", ("M",), "Merge the selected segment with the next", "Edit"),
    Binding("relabel", ("F2", "L"), "Relabel the selection (all selected segments)", "Edit"),
    Binding(
        "boundary_to_cursor", ("B",), "Move the nearest boundary of the lane to the cursor", "Edit"
    ),
    Binding("toggle_1", ("1",), "Toggle speech over the selection", "Edit"),
    Binding("toggle_2", ("2",), "Toggle music over the selection", "Edit"),
    Binding("toggle_3", ("3",), "Toggle noise over the selection", "Edit"),
    Binding("toggle_4", ("4",), "Toggle overlap over the selection", "Edit"),
    Binding("copy", ("Ctrl+C",), "Copy the selected segments", "Edit"),
    Binding("paste", ("Ctrl+V",), "Paste into the active lane, same times", "Edit"),
    Binding(
        "paste_at_cursor", ("Ctrl+Shift+V",), "Paste into the active lane at the cursor", "Edit"
    ),
    Binding("undo", ("Ctrl+Z",), "Undo", "Edit"),
    Binding("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", "Edit"),
    Binding("save", ("Ctrl+S",), "Save the labels", "File"),
    Binding("open_files", ("Ctrl+O",), "Open recordings…", "File"),
    Binding("open_folder", ("Ctrl+Shift+O",), "Open a corpus folder…", "File"),
    Binding("export", ("Ctrl+E",), "Export (default format: Settings)…", "File"),
    Binding("next_file", ("PgDown",), "Next recording of the corpus", "File"),
    Binding("prev_file", ("PgUp",), "Previous recording of the corpus", "File"),
    Binding("review_next", ("N",), "Next place to review (review queue)", "Review"),
    Binding("review_prev", ("Shift+N",), "Previous place to review", "Review"),
    Binding("disagreement_next", ("D",), "Next largest disagreement with the reference", "Review"),
    Binding("disagreement_prev", ("Shift+D",), "Previous disagreement", "Review"),
    Binding("copy_reference", ("Shift+C",), "Copy the reference segment into the lane", "Review"),
    Binding("why", ("F3",), "Why this label: explain the selection", "Review"),
    Binding("inspector", ("F4",), "Component inspector (click a heatmap row)", "Review"),
    Binding("keys", ("F1",), "Show this keyboard map", "Help"),
)

MOUSE_HELP: tuple[tuple[str, str], ...] = (
    ("Drag a boundary", "move it (snaps to other boundaries and the cursor)"),
    ("Alt + drag a shared boundary", "move it for both neighbours"),
    ("Drag on empty lane space", "create a segment"),
    ("Drag a segment up or down", "move it to another lane"),
    ("Click / Ctrl+click a segment", "select / add to the selection"),
    ("Double-click a segment", "relabel it"),
    ("Drag on waveform or spectrogram", "select a time span"),
    ("Wheel / Ctrl+wheel", "scroll / zoom around the pointer"),
    ("Click a heatmap row", "inspect that component (hover names it)"),
)


def binding(action: str) -> Binding:
    for b in BINDINGS:
        if b.action == action:
            return b
    raise KeyError(action)


def key_sequences(action: str) -> list[QKeySequence]:
    return [QKeySequence(k) for k in binding(action).keys]


def key_actions(host: QWidget, handlers: Mapping[str, Callable[[], object]]) -> dict[str, QAction]:
    """The actions of the bindings named in ``handlers``, each calling its handler, with the
    map's keys active anywhere in ``host``'s window (so they work without a menu)."""
    made = {}
    for b in BINDINGS:
        handler = handlers.get(b.action)
        if handler is None:
            continue
        action = QAction(b.text, host)
        action.setShortcuts([QKeySequence(k) for k in b.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False, h=handler: h())
        host.addAction(action)
        made[b.action] = action
    return made


def cheat_sheet_html() -> str:
    rows: list[str] = []
    group = None
    for b in BINDINGS:
        if b.group != group:
            group = b.group
            rows.append(f"<tr><td colspan=2><h3>{escape(group)}</h3></td></tr>")
        keys = " / ".join(f"<b>{escape(k)}</b>" for k in b.keys)
        rows.append(f"<tr><td>{keys}</td><td>{escape(b.text)}</td></tr>")
    rows.append("<tr><td colspan=2><h3>Mouse</h3></td></tr>")
    rows += [f"<tr><td><b>{escape(a)}</b></td><td>{escape(b)}</td></tr>" for a, b in MOUSE_HELP]
    return "<table cellspacing=4>" + "".join(rows) + "</table>"


class CheatSheet(QDialog):
    """A non-modal window with the keyboard map, kept open beside the editor while learning."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard map")
        self.setWindowFlag(Qt.WindowType.Tool, True)
        browser = QTextBrowser(self)
        browser.setHtml(cheat_sheet_html())
        layout = QVBoxLayout(self)
        layout.addWidget(browser)
        self.resize(520, 640)
