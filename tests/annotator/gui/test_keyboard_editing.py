"""Keyboard editing through the window's real shortcuts, checked on the model and on export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import Qt

from annotator.core import AddSegment, Segment, Source
from annotator.formats import read_annotation
from annotator.gui.shortcuts import BINDINGS, cheat_sheet_html


def spans(window, lane: str = "speech") -> list[tuple[float, float, str]]:
    return [(s.start, s.end, s.label) for s in window.document.annotation.lane(lane)]


def exported(window, tmp_path: Path, name: str) -> list[tuple[float, float, str]]:
    """Export a TextGrid through the window and read back the speech tier (non-empty intervals)."""
    path = tmp_path / f"{name}.TextGrid"
    assert window.export("textgrid", path)
    text = path.read_text(encoding="utf-8")
    assert 'class = "IntervalTier"' in text
    annotation = read_annotation(path)
    return [(round(s.start, 6), round(s.end, 6), s.label) for s in annotation.lane("speech")]


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, k, modifier)


def test_split_merge_relabel_undo_redo_by_keys_and_export_after_each(window, qtbot, tmp_path):
    window.setFocus()
    segment = Segment(2.0, 6.0, "speech", 0.7, Source.MODEL)
    assert window.controller.push(AddSegment("speech", segment))
    assert exported(window, tmp_path, "0") == [(2.0, 6.0, "speech")]

    window.controller.set_selection([("speech", segment)])
    window.controller.set_cursor(3.5)
    key(qtbot, window, Qt.Key.Key_S)
    assert spans(window) == [(2.0, 3.5, "speech"), (3.5, 6.0, "speech")]
    assert exported(window, tmp_path, "1") == [(2.0, 3.5, "speech"), (3.5, 6.0, "speech")]

    first = window.document.annotation.lane("speech")[0]
    window.controller.set_selection([("speech", first)])
    key(qtbot, window, Qt.Key.Key_M)
    assert spans(window) == [(2.0, 6.0, "speech")]
    assert exported(window, tmp_path, "2") == [(2.0, 6.0, "speech")]

    key(qtbot, window, Qt.Key.Key_F2)
    editor = window.label_editor
    assert editor.isVisible() and editor.text() == "speech"
    editor.selectAll()
    qtbot.keyClicks(editor, "laughing speech")
    key(qtbot, editor, Qt.Key.Key_Return)
    assert not editor.isVisible()
    assert spans(window) == [(2.0, 6.0, "laughing speech")]
    assert exported(window, tmp_path, "3") == [(2.0, 6.0, "laughing speech")]

    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert spans(window) == [(2.0, 6.0, "speech")]
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert spans(window) == [(2.0, 3.5, "speech"), (3.5, 6.0, "speech")]
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.annotation.lane("speech").segments == (segment,)
    assert exported(window, tmp_path, "4") == [(2.0, 6.0, "speech")]
    for _ in range(3):
        key(
            qtbot,
            window,
            Qt.Key.Key_Z,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert spans(window) == [(2.0, 6.0, "laughing speech")]
    assert exported(window, tmp_path, "5") == [(2.0, 6.0, "laughing speech")]


def test_escape_cancels_the_inline_editor(window, qtbot):
    segment = Segment(1.0, 2.0, "speech")
    window.controller.push(AddSegment("speech", segment))
    key(qtbot, window, Qt.Key.Key_F2)
    qtbot.keyClicks(window.label_editor, "xyz")
    key(qtbot, window.label_editor, Qt.Key.Key_Escape)
    assert spans(window) == [(1.0, 2.0, "speech")]
    assert window.document.stack.count() == 1


def test_enter_accepts_model_segment_and_jumps_to_next(window, qtbot):
    a = Segment(1.0, 2.0, "speech", 0.6, Source.MODEL)
    b = Segment(3.0, 4.0, "speech", 0.9, Source.MODEL)
    window.controller.push(AddSegment("speech", a))
    window.controller.push(AddSegment("speech", b))
    window.controller.set_selection([("speech", a)])
    key(qtbot, window, Qt.Key.Key_Return)
    first, second = window.document.annotation.lane("speech")
    assert first.source is Source.HUMAN and first.confidence is None
    assert second == b and window.controller.selection == [("speech", b)]
    assert window.timeline.cursor_time == pytest.approx(3.0)


def test_number_keys_toggle_a_class_over_a_dragged_span(window, qtbot):
    from tests.annotator.gui._gui_helpers import drag

    window.timeline.set_visible_range(0.0, 10.0)
    wave = window.timeline.rows["waveform"]
    box = wave.getViewBox()

    def at(t):
        return wave.mapFromScene(box.mapViewToScene(pg_point(t, 0.0)))

    drag(qtbot, wave, at(2.0), at(3.0))
    span = window.controller.span
    assert span == pytest.approx((2.0, 3.0), abs=0.05)
    key(qtbot, window, Qt.Key.Key_2)
    (music,) = window.document.annotation.lane("music")
    assert (music.start, music.end) == pytest.approx(span) and music.label == "music"
    key(qtbot, window, Qt.Key.Key_2)
    assert len(window.document.annotation.lane("music")) == 0
    key(qtbot, window, Qt.Key.Key_1)
    assert len(window.document.annotation.lane("speech")) == 1


def pg_point(x, y):
    from PyQt6.QtCore import QPointF

    return QPointF(x, y)


def test_zoom_and_cursor_keys(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    window.controller.set_cursor(5.0)
    key(qtbot, window, Qt.Key.Key_Plus)
    x0, x1 = window.timeline.visible_range()
    assert x1 - x0 == pytest.approx(8.0, rel=1e-3) and x0 <= 5.0 <= x1
    key(qtbot, window, Qt.Key.Key_Right)
    assert window.timeline.cursor_time == pytest.approx(5.08, abs=1e-3)
    key(qtbot, window, Qt.Key.Key_End)
    assert window.timeline.cursor_time == pytest.approx(10.0)
    assert window.timeline.visible_range()[1] == pytest.approx(10.0)
    key(qtbot, window, Qt.Key.Key_Home)
    assert window.timeline.cursor_time == 0.0
    key(qtbot, window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.timeline.visible_range() == pytest.approx((0.0, 10.0))


def test_cheat_sheet_lists_every_binding(window, qtbot):
    html = cheat_sheet_html()
    for b in BINDINGS:
        assert b.text.replace("…", "").split(" (")[0].replace("&", "&amp;") in html.replace("…", "")
    key(qtbot, window, Qt.Key.Key_F1)
    assert window.cheat_sheet is not None and window.cheat_sheet.isVisible()
