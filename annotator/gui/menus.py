"""The window's actions, menus and toolbar, built from the keyboard map (`shortcuts.BINDINGS`).

Apart from `main_window` only to keep each file small; the functions fill ``window.actions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence

from annotator.core.sidecar import RecordingStatus
from annotator.gui import file_actions, keyboard_moves, settings_dialog
from annotator.gui.boundary_keys import move_nearest_boundary
from annotator.gui.lane_actions import LaneActions
from annotator.gui.playback_controls import PlaybackControls
from annotator.gui.shortcuts import BINDINGS
from annotator.gui.timeline_view import ZOOM_STEP

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow


def build_actions(window: MainWindow) -> None:
    """The window's actions: the keyboard map's bindings plus menu-only entries."""
    handlers = {
        "play_pause": window.play_pause,
        "play_span": window.play_span,
        "play_visible": lambda: window.playback.play_visible(),
        "loop": lambda: window.playback.toggle_loop(),
        "slower": lambda: window.playback.step_speed(-1),
        "faster": lambda: window.playback.step_speed(1),
        "boundary_to_cursor": lambda: move_nearest_boundary(window.controller),
        "cursor_left": lambda: window.controller.move_cursor(-0.01),
        "cursor_right": lambda: window.controller.move_cursor(0.01),
        "cursor_left_far": lambda: window.controller.move_cursor(-0.1),
        "cursor_right_far": lambda: window.controller.move_cursor(0.1),
        "extend_left": lambda: keyboard_moves.extend_span(window.controller, -0.01),
        "extend_right": lambda: keyboard_moves.extend_span(window.controller, 0.01),
        "segment_prev": lambda: keyboard_moves.step_segment(window.controller, -1),
        "segment_next": lambda: keyboard_moves.step_segment(window.controller, 1),
        "lane_up": lambda: keyboard_moves.step_lane(window.controller, -1),
        "lane_down": lambda: keyboard_moves.step_lane(window.controller, 1),
        "insert_boundary": lambda: keyboard_moves.insert_boundary(window.controller),
        "remove_boundary": lambda: keyboard_moves.remove_boundary(window.controller),
        "escape": window.escape,
        "copy": window.controller.clipboard.copy,
        "paste": window.controller.clipboard.paste,
        "paste_at_cursor": lambda: window.controller.clipboard.paste(at_cursor=True),
        "go_start": lambda: window.go_to(0.0),
        "go_end": lambda: window.go_to(window.timeline.duration),
        "zoom_in": lambda: window.timeline.zoom(1 / ZOOM_STEP),
        "zoom_out": lambda: window.timeline.zoom(ZOOM_STEP),
        "zoom_all": lambda: window.timeline.set_visible_range(0, window.timeline.duration),
        "zoom_selection": window.controller.zoom_to_selection,
        "zoom_back": window.controller.zoom_back,
        "accept_next": window.controller.accept_and_next,
        "delete": window.controller.delete_selected,
        "split": window.controller.split_at_cursor,
        "merge": window.controller.merge_with_next,
        "relabel": window.start_relabel,
        **{f"toggle_{k}": (lambda k=k: window.controller.toggle_class(k - 1)) for k in range(1, 5)},
        "undo": window.undo,
        "redo": window.redo,
        "save": window.save,
        "open_files": window.choose_files,
        "open_folder": window.choose_folder,
        "export": lambda: window.export(settings_dialog.export_format(window.settings)),
        "next_file": lambda: window.step_file(1),
        "prev_file": lambda: window.step_file(-1),
        "keys": window.show_keys,
        "review_next": lambda: window.explain.reviewing.review_step(1),
        "review_prev": lambda: window.explain.reviewing.review_step(-1),
        "disagreement_next": lambda: window.explain.reviewing.disagreement_step(1),
        "disagreement_prev": lambda: window.explain.reviewing.disagreement_step(-1),
        "copy_reference": lambda: window.explain.reviewing.copy_reference(),
        "why": lambda: window.explain.show_panel("why"),
        "inspector": lambda: window.explain.show_panel("inspector"),
    }
    for b in BINDINGS:
        action = QAction(b.text, window)
        action.setShortcuts([QKeySequence(k) for k in b.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False, h=handlers[b.action]: h())
        window.addAction(action)
        window.actions[b.action] = action
    for name in ("textgrid", "rttm", "audacity", "json"):
        action = QAction(f"Export {file_actions.FORMATS[name].description}…", window)
        action.triggered.connect(lambda _c=False, n=name: window.export(n))
        window.actions[f"export_{name}"] = action
    window.actions["import"] = QAction(
        "Import labels…", window, triggered=lambda: window.import_labels()
    )
    for name, text, key in (
        ("waveform_local", "Waveform scaled to the view", settings_dialog.WAVEFORM_LOCAL_KEY),
        ("waveform_db", "Waveform in dB", settings_dialog.WAVEFORM_DB_KEY),
    ):
        action = QAction(text, window, checkable=True)
        action.toggled.connect(lambda on, k=key: settings_dialog.set_view_option(window, k, on))
        window.actions[name] = action
    every = QAction("Heatmap: every component", window, checkable=True)
    every.setToolTip("Off: the 8 components that push each class most (rows tall enough to read)")
    every.toggled.connect(window.timeline.show_every_component)
    window.actions["heatmap_all"] = every
    window.prelabel.add_actions(window.actions)
    window.explain.add_actions(window.actions)
    window.actions["settings"] = QAction(
        "Settings…", window, triggered=lambda: settings_dialog.show_settings(window)
    )
    window.playback = PlaybackControls(window)
    window.lane_actions = LaneActions(window)
    settings_dialog.apply(window)
    window.actions["mark_done"] = QAction(
        "Mark recording done", window, triggered=lambda: window.save(RecordingStatus.DONE)
    )
    window.actions["quit"] = QAction(
        "Quit", window, shortcut=QKeySequence("Ctrl+Q"), triggered=window.close
    )


def build_menus(window: MainWindow) -> None:
    """Menus and the toolbar, all made of the actions in ``window.actions``."""
    a, bar = window.actions, window.menuBar()
    file_menu = bar.addMenu("&File")
    for name in ("open_files", "open_folder", None, "save", "mark_done", None, "import"):
        file_menu.addSeparator() if name is None else file_menu.addAction(a[name])
    export_menu = file_menu.addMenu("Export")
    for name in ("textgrid", "rttm", "audacity", "json"):
        export_menu.addAction(a[f"export_{name}"])
    for name in (None, "next_file", "prev_file", None, "quit"):
        file_menu.addSeparator() if name is None else file_menu.addAction(a[name])
    edit_menu = bar.addMenu("&Edit")
    for name in (
        "undo",
        "redo",
        None,
        "copy",
        "paste",
        "paste_at_cursor",
        None,
        "delete",
        "split",
        "merge",
        "relabel",
        "boundary_to_cursor",
        "insert_boundary",
        "remove_boundary",
        "accept_next",
        None,
        "toggle_1",
        "toggle_2",
        "toggle_3",
        "toggle_4",
    ):
        edit_menu.addSeparator() if name is None else edit_menu.addAction(a[name])
    view_menu = bar.addMenu("&View")
    for name in (
        "zoom_in",
        "zoom_out",
        "zoom_all",
        "zoom_selection",
        "zoom_back",
        None,
        "segment_prev",
        "segment_next",
        "lane_up",
        "lane_down",
        None,
        "go_start",
        "go_end",
        "play_pause",
        "play_span",
    ):
        view_menu.addSeparator() if name is None else view_menu.addAction(a[name])
    view_menu.addSeparator()
    view_menu.addAction(a["waveform_local"])
    view_menu.addAction(a["waveform_db"])
    view_menu.addAction(a["heatmap_all"])
    window.playback.fill_menu(view_menu)
    lanes_menu = bar.addMenu("&Lanes")
    window.lane_actions.fill_menu(lanes_menu)
    lanes_menu.addSeparator()
    lanes_menu.addAction(window.floors.action)
    review_menu = bar.addMenu("&Review")
    for name in ("why", "inspector", None, "review_next", "review_prev", None,
                 "disagreement_next", "disagreement_prev", "copy_reference"):  # fmt: skip
        review_menu.addSeparator() if name is None else review_menu.addAction(a[name])
    tools = bar.addMenu("&Tools")
    tools.addAction(a["prelabel"])
    tools.addAction(a["prelabel_all"])
    window.prelabel.fill_menu(tools.addMenu("Pre-label with"))
    window.explain.fill_menus(view_menu, tools)
    tools.addSeparator()
    tools.addAction(a["settings"])
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a["keys"])
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    for name in (
        "open_files",
        "open_folder",
        "save",
        None,
        "undo",
        "redo",
        None,
        "zoom_in",
        "zoom_out",
        "zoom_all",
        None,
        "play_pause",
        None,
        "prelabel",
        "keys",
    ):
        toolbar.addSeparator() if name is None else toolbar.addAction(a[name])
    short = {
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
    for name, text in short.items():
        a[name].setIconText(text)
