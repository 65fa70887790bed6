"""The menus and the toolbar as tables of action names.

The actions themselves are made and registered (in `EditorContext.actions`) by the helpers that
own them; this module only says where each one is shown. A submenu whose entries depend on what
is installed (the pre-labelers) names a group that the caller fills in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu, QMenuBar, QToolBar

from annotator.gui.playback_controls import speed_key
from annotator.gui.player import SPEEDS


@dataclass(frozen=True)
class Sub:
    """A submenu: its title and its entries, or the name of a group given at build time."""

    title: str
    entries: tuple[Entry, ...] | str


Entry = str | Sub | None  # an action name, a submenu, or a separator

MENUS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    ("&File", (
        "open_files", "open_folder", None, "save", "mark_done", None, "import",
        Sub("Export", ("export_textgrid", "export_rttm", "export_audacity", "export_json")),
        None, "next_file", "prev_file", None, "quit",
    )),
    ("&Edit", (
        "undo", "redo", None, "copy", "paste", "paste_at_cursor", None,
        "delete", "split", "merge", "relabel", "boundary_to_cursor", "insert_boundary",
        "remove_boundary", "accept_next", None, "toggle_1", "toggle_2", "toggle_3", "toggle_4",
    )),
    ("&View", (
        "zoom_in", "zoom_out", "zoom_all", "zoom_selection", "zoom_back", None,
        "segment_prev", "segment_next", "lane_up", "lane_down", None,
        "go_start", "go_end", "play_pause", "play_span", None,
        "waveform_local", "waveform_db", "heatmap_all",
        "play_visible", "loop", "slower", "faster",
        Sub("Playback speed", tuple(speed_key(s) for s in SPEEDS)),
        Sub("Panels", ("panel_inspector", "panel_why", "panel_review", "panel_compare")),
    )),
    ("&Lanes", ("lane_add", "lane_rename", "lane_remove", None, "floor_hide")),
    ("&Review", (
        "why", "inspector", None, "review_next", "review_prev", None,
        "disagreement_next", "disagreement_prev", "copy_reference",
    )),
    ("&Tools", (
        "prelabel", "prelabel_all", Sub("Pre-label with", "prelabelers"), None,
        "load_reference", "compare_corpus", "reference_speakers", "sort_by_effort", "finetune",
        "teach_lane", None,
        "settings",
    )),
    ("&Help", ("keys",)),
)  # fmt: skip

TOOLBAR: tuple[str | None, ...] = (
    "open_files", "open_folder", "save", None, "undo", "redo", None,
    "zoom_in", "zoom_out", "zoom_all", None, "play_pause", None, "prelabel", "keys",
)  # fmt: skip

#: the toolbar's short texts
ICON_TEXTS = {
    "open_files": "Open",
    "open_folder": "Folder",
    "save": "Save",
    "undo": "Undo",
    "redo": "Redo",
    "zoom_in": "Zoom +",
    "zoom_out": "Zoom −",
    "zoom_all": "All",
    "play_pause": "Play",
    "prelabel": "Pre-label",
    "keys": "Keys",
}


def fill_menu(
    menu: QMenu,
    entries: Sequence[Entry],
    actions: Mapping[str, QAction],
    groups: Mapping[str, Sequence[Entry]],
) -> None:
    for entry in entries:
        if entry is None:
            menu.addSeparator()
        elif isinstance(entry, Sub):
            sub = menu.addMenu(entry.title)
            inner = groups[entry.entries] if isinstance(entry.entries, str) else entry.entries
            fill_menu(sub, inner, actions, groups)
        else:
            menu.addAction(actions[entry])


def build_menus(
    bar: QMenuBar,
    toolbar: QToolBar,
    actions: Mapping[str, QAction],
    groups: Mapping[str, Sequence[Entry]],
) -> None:
    """Fill the menu bar and the toolbar from `MENUS` and `TOOLBAR`."""
    for title, entries in MENUS:
        fill_menu(bar.addMenu(title), entries, actions, groups)
    for name in TOOLBAR:
        toolbar.addSeparator() if name is None else toolbar.addAction(actions[name])
    for name, text in ICON_TEXTS.items():
        actions[name].setIconText(text)
