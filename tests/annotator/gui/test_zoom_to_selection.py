"""Praat's zoom to selection (Ctrl+N) and zoom back (Ctrl+B), driven by keys on the window."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from annotator.core import AddSegment, Segment
from annotator.gui.shortcuts import cheat_sheet_html

CTRL = Qt.KeyboardModifier.ControlModifier


def test_ctrl_n_zooms_to_the_selected_segment_and_ctrl_b_goes_back(window, qtbot):
    segment = Segment(6.25, 6.75, "speech")
    assert window.controller.push(AddSegment("speech", segment))
    window.controller.set_selection([("speech", segment)])
    window.timeline.set_visible_range(0.0, 10.0)
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert window.timeline.visible_range() == pytest.approx((6.25, 6.75), abs=1e-6)
    # a dragged span next, zoomed to from there; then back twice
    window.controller._on_span_drag(6.4, 6.5, "finish")
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert window.timeline.visible_range() == pytest.approx((6.4, 6.5), abs=1e-6)
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL)
    assert window.timeline.visible_range() == pytest.approx((6.25, 6.75), abs=1e-6)
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL)
    assert window.timeline.visible_range() == pytest.approx((0.0, 10.0), abs=1e-6)
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL)  # nothing earlier: the view stays, and says so
    assert window.timeline.visible_range() == pytest.approx((0.0, 10.0), abs=1e-6)
    assert "No earlier view" in window.statusBar().currentMessage()


def test_nothing_selected_says_so(window, qtbot):
    window.controller.set_selection([])
    window.timeline.set_visible_range(0.0, 10.0)
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert window.timeline.visible_range() == pytest.approx((0.0, 10.0), abs=1e-6)
    assert "zoom to" in window.statusBar().currentMessage()


def test_the_keys_are_in_the_view_menu_and_the_keyboard_map(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions() if a.menu() is not None}
    view = menus["&View"]
    texts = [action.text() for action in view.actions()]
    assert (
        "Zoom to the selection (as in Praat)" in texts and "Zoom back to the view before" in texts
    )
    html = cheat_sheet_html()
    assert "Ctrl+N" in html and "Ctrl+B" in html
