"""The keys that move the cursor, the view and the labels: actions on the editor controller and
the timeline alone, so they are made here and not by the window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction

from annotator.gui import keyboard_moves
from annotator.gui.boundary_keys import move_nearest_boundary
from annotator.gui.shortcuts import key_actions
from annotator.gui.timeline_view import ZOOM_STEP

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QWidget

    from annotator.gui.editor import EditorController
    from annotator.gui.timeline_view import TimelineView


def go_to(controller: EditorController, timeline: TimelineView, t: float) -> None:
    """The cursor to ``t``, scrolled into view."""
    controller.set_cursor(t)
    timeline.ensure_visible(t)


def edit_actions(
    controller: EditorController, timeline: TimelineView, host: QWidget
) -> dict[str, QAction]:
    """The cursor, selection, zoom and editing keys, and the heatmap's View toggle."""
    c = controller
    handlers = {
        "boundary_to_cursor": lambda: move_nearest_boundary(c),
        "cursor_left": lambda: c.move_cursor(-0.01),
        "cursor_right": lambda: c.move_cursor(0.01),
        "cursor_left_far": lambda: c.move_cursor(-0.1),
        "cursor_right_far": lambda: c.move_cursor(0.1),
        "extend_left": lambda: keyboard_moves.extend_span(c, -0.01),
        "extend_right": lambda: keyboard_moves.extend_span(c, 0.01),
        "segment_prev": lambda: keyboard_moves.step_segment(c, -1),
        "segment_next": lambda: keyboard_moves.step_segment(c, 1),
        "lane_up": lambda: keyboard_moves.step_lane(c, -1),
        "lane_down": lambda: keyboard_moves.step_lane(c, 1),
        "insert_boundary": lambda: keyboard_moves.insert_boundary(c),
        "remove_boundary": lambda: keyboard_moves.remove_boundary(c),
        "copy": c.clipboard.copy,
        "paste": c.clipboard.paste,
        "paste_at_cursor": lambda: c.clipboard.paste(at_cursor=True),
        "go_start": lambda: go_to(c, timeline, 0.0),
        "go_end": lambda: go_to(c, timeline, timeline.duration),
        "zoom_in": lambda: timeline.zoom(1 / ZOOM_STEP),
        "zoom_out": lambda: timeline.zoom(ZOOM_STEP),
        "zoom_all": lambda: timeline.set_visible_range(0, timeline.duration),
        "zoom_selection": c.zoom_to_selection,
        "zoom_back": c.zoom_back,
        "accept_next": c.accept_and_next,
        "delete": c.delete_selected,
        "split": c.split_at_cursor,
        "merge": c.merge_with_next,
        **{f"toggle_{k}": (lambda k=k: c.toggle_class(k - 1)) for k in range(1, 5)},
    }
    actions = key_actions(host, handlers)
    every = QAction("Heatmap: every component", host, checkable=True)
    every.setToolTip("Off: the 8 components that push each class most (rows tall enough to read)")
    every.toggled.connect(timeline.show_every_component)
    actions["heatmap_all"] = every
    return actions
