"""Praat and ELAN keyboard habits on the real window: active lane, segment to segment, a
selection made with the keys, boundaries inserted and removed at the cursor (issue 17)."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from annotator.core import AddSegment, Segment
from annotator.gui.shortcuts import cheat_sheet_html

M = Qt.KeyboardModifier


def press(qtbot, window, key, modifier=M.NoModifier, times=1):
    for _ in range(times):
        qtbot.keyClick(window, key, modifier)


def spans(window, lane):
    return [(round(s.start, 6), round(s.end, 6)) for s in window.document.annotation.lane(lane)]


def add(window, lane, start, end):
    assert window.controller.push(AddSegment(lane, Segment(start, end, lane)))


@pytest.fixture
def view(window):
    window.timeline.set_visible_range(0.0, 10.0)  # one arrow press = 0.1 s
    window.go_to(2.0)
    return window


def test_up_and_down_choose_the_active_lane_and_it_is_drawn(view, qtbot):
    c = view.controller
    assert c.current_lane == "speech"
    press(qtbot, view, Qt.Key.Key_Down, times=2)
    assert c.current_lane == "noise" and view.timeline.lanes.active == "noise"
    press(qtbot, view, Qt.Key.Key_Down, times=5)  # stops at the last lane
    assert c.current_lane == view.document.annotation.lane_names[-1]
    press(qtbot, view, Qt.Key.Key_Up)
    assert c.current_lane == "noise"
    assert "Active lane: noise" in view.statusBar().currentMessage()


def test_alt_arrows_walk_the_segments_of_the_active_lane(view, qtbot):
    for a, b in ((1.0, 1.5), (3.0, 4.0), (6.0, 7.0)):
        add(view, "speech", a, b)
    view.controller.set_selection([])
    press(qtbot, view, Qt.Key.Key_Right, M.AltModifier)
    assert view.controller.selection[0][1].start == 3.0 and view.timeline.cursor_time == 3.0
    press(qtbot, view, Qt.Key.Key_Right, M.AltModifier)
    assert view.controller.selection[0][1].start == 6.0
    press(qtbot, view, Qt.Key.Key_Right, M.AltModifier)  # none after: stays, says so
    assert view.controller.selection[0][1].start == 6.0
    press(qtbot, view, Qt.Key.Key_Left, M.AltModifier, times=2)
    assert view.controller.selection[0][1].start == 1.0


def test_shift_arrows_select_a_span_and_ctrl_enter_makes_it_a_segment(view, qtbot):
    press(qtbot, view, Qt.Key.Key_Down)  # music
    press(qtbot, view, Qt.Key.Key_Right, M.ShiftModifier, times=5)
    assert view.controller.time_span == pytest.approx((2.0, 2.5))
    press(qtbot, view, Qt.Key.Key_Left, M.ShiftModifier, times=7)  # back past the anchor
    assert view.controller.time_span == pytest.approx((1.8, 2.0))
    press(qtbot, view, Qt.Key.Key_Return, M.ControlModifier)
    assert spans(view, "music") == [(1.8, 2.0)]
    assert spans(view, "speech") == []


def test_ctrl_enter_in_a_gap_starts_then_ends_a_segment_and_inside_one_splits(view, qtbot):
    press(qtbot, view, Qt.Key.Key_Return, M.ControlModifier)  # starts at 2.0
    assert spans(view, "speech") == []
    press(qtbot, view, Qt.Key.Key_Right, M.NoModifier, times=10)
    press(qtbot, view, Qt.Key.Key_Return, M.ControlModifier)  # ends at 3.0
    assert spans(view, "speech") == [(2.0, 3.0)]
    view.go_to(2.4)
    press(qtbot, view, Qt.Key.Key_Return, M.ControlModifier)
    assert spans(view, "speech") == [(2.0, 2.4), (2.4, 3.0)]


def test_alt_backspace_merges_at_a_shared_boundary_and_fills_a_gap_elsewhere(view, qtbot):
    add(view, "speech", 1.0, 2.0)
    add(view, "speech", 2.0, 3.0)
    add(view, "speech", 4.0, 5.0)
    view.go_to(2.05)
    press(qtbot, view, Qt.Key.Key_Backspace, M.AltModifier)
    assert spans(view, "speech") == [(1.0, 3.0), (4.0, 5.0)]
    view.go_to(3.9)  # nearest: the start of 4–5, which takes in the gap back to 3.0
    press(qtbot, view, Qt.Key.Key_Backspace, M.AltModifier)
    assert spans(view, "speech") == [(1.0, 3.0), (3.0, 5.0)]
    view.document.stack.undo()
    assert spans(view, "speech") == [(1.0, 3.0), (4.0, 5.0)]


def test_escape_clears_the_selection_and_a_half_made_segment(view, qtbot):
    add(view, "speech", 1.0, 2.0)
    assert view.controller.selection
    press(qtbot, view, Qt.Key.Key_Return, M.ControlModifier)  # in the gap at 2.0: a start mark
    press(qtbot, view, Qt.Key.Key_Escape)
    assert view.controller.selection == [] and view.controller.time_span is None
    assert view.controller.segment_start_mark is None
    assert not view.player.playing


def test_every_habit_is_in_the_keyboard_map_and_a_menu(view):
    html = cheat_sheet_html()
    for keys in ("Alt+Left", "Alt+Right", "Shift+Left", "Ctrl+Return", "Alt+Backspace",
                 "Escape", "Ctrl+Space", "Up", "Down"):  # fmt: skip
        assert keys in html, keys
    in_menus = {a.text() for m in view.menuBar().actions() if m.menu() for a in m.menu().actions()}
    for name in ("insert_boundary", "remove_boundary", "segment_prev", "segment_next", "lane_up"):
        assert view.actions[name].text() in in_menus, name


def test_copy_and_paste_segments_between_lanes(view, qtbot):
    from PyQt6.QtWidgets import QApplication

    add(view, "speech", 1.0, 1.5)
    add(view, "speech", 3.0, 4.0)
    lane = view.document.annotation.lane("speech")
    view.controller.set_selection([("speech", lane[0]), ("speech", lane[1])])
    press(qtbot, view, Qt.Key.Key_C, M.ControlModifier)
    assert QApplication.clipboard().text() == "1.000\t1.500\tspeech\n3.000\t4.000\tspeech\n"
    press(qtbot, view, Qt.Key.Key_Down)  # music
    press(qtbot, view, Qt.Key.Key_V, M.ControlModifier)
    assert spans(view, "music") == [(1.0, 1.5), (3.0, 4.0)]
    assert {s.label for s in view.document.annotation.lane("music")} == {"music"}
    view.go_to(6.0)
    press(qtbot, view, Qt.Key.Key_V, M.ControlModifier | M.ShiftModifier)
    assert spans(view, "music") == [(1.0, 1.5), (3.0, 4.0), (6.0, 6.5), (8.0, 9.0)]
    press(qtbot, view, Qt.Key.Key_V, M.ControlModifier)  # the same place again: refused whole
    assert len(spans(view, "music")) == 4
    view.document.stack.undo()
    assert spans(view, "music") == [(1.0, 1.5), (3.0, 4.0)]
