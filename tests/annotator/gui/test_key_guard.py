"""A focused input keeps the keys it uses; the window's shortcuts get the rest (issue 17 bug 6)."""

from __future__ import annotations

from PyQt6.QtCore import Qt


def test_a_focused_corpus_table_moves_its_rows_and_the_lanes_stay(window, qtbot):
    table = window.corpus
    window.show()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    table.setCurrentCell(0, 0)
    lane = window.controller.current_lane
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentRow() == 1  # the table moved
    assert window.controller.current_lane == lane  # the active lane did not
    cursor = window.timeline.cursor_time
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert window.timeline.cursor_time == cursor
    # Ctrl shortcuts still reach the window from the table
    window.timeline.set_visible_range(0.0, 10.0)
    qtbot.keyClick(table, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert window.timeline.cursor_time > cursor


def test_with_the_timeline_focused_the_same_keys_drive_the_editor(window, qtbot):
    window.show()
    window.timeline.rows["lanes"].setFocus()
    qtbot.waitUntil(window.timeline.rows["lanes"].hasFocus, timeout=2000)
    lane = window.controller.current_lane
    qtbot.keyClick(window.timeline.rows["lanes"], Qt.Key.Key_Down)
    assert window.controller.current_lane != lane


def test_a_spin_box_in_a_dock_takes_typing_and_arrows(window, qtbot):
    from PyQt6.QtWidgets import QSpinBox

    box = QSpinBox(window)
    box.setRange(0, 100)
    box.setValue(5)
    box.show()
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    before = window.controller.current_lane
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.value() == 6 and window.controller.current_lane == before
