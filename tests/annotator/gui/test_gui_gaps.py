"""The editor's later features through real keys and menus: playback range, loop and speed,
boundary-to-cursor, bulk relabel, user lanes and the Settings dialog."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from annotator.core import AddSegment, Segment, Source
from annotator.gui.player import Player
from annotator.gui.settings_dialog import EXPORT_KEY, SNAP_KEY, autosave_seconds
from tests.annotator.gui.test_views_and_player import FakeSoundDevice


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, k, modifier)


def undo(qtbot, window):
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def spans(window, lane: str = "speech") -> list[tuple[float, float, str]]:
    return [(s.start, s.end, s.label) for s in window.document.annotation.lane(lane)]


def add(window, lane: str, start: float, end: float, label: str | None = None) -> Segment:
    segment = Segment(start, end, label or lane, None, Source.HUMAN)
    assert window.controller.push(AddSegment(lane, segment), select=False)
    return segment


@pytest.fixture
def playing_window(window):
    backend = FakeSoundDevice()
    window.player._sd, window.player.reason = backend, None
    window.setFocus()
    return window, backend


def pump(player: Player, blocks: int, size: int = 1024) -> np.ndarray:
    """Run the audio callback like PortAudio would; returns what it played."""
    stream = player._stream
    out, played = np.zeros((size, 1), np.float32), []
    for _ in range(blocks):
        try:
            stream.callback(out, size, None, None)
        finally:
            played.append(out[:, 0].copy())
    return np.concatenate(played)


# --- playback ---------------------------------------------------------------------------------
def test_shift_space_plays_the_visible_range(playing_window, qtbot):
    window, _ = playing_window
    window.timeline.set_visible_range(2.0, 4.0)
    x0, x1 = window.timeline.visible_range()
    key(qtbot, window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert window.player.playing
    assert window.player.position == pytest.approx(x0, abs=1e-4)
    assert window.player._end == int(x1 * window.player.sample_rate)
    window.player.stop()


def test_cursor_follows_playback_and_the_view_scrolls(playing_window, qtbot):
    window, _ = playing_window
    window.timeline.set_visible_range(0.0, 1.0)
    window.controller.set_cursor(0.9)
    key(qtbot, window, Qt.Key.Key_Space)
    assert window.player.playing
    pump(window.player, 4)  # 4096 frames = 0.256 s past 0.9
    window.player._poll()
    t = window.player.position
    assert t == pytest.approx(0.9 + 4096 / 16000, abs=1e-6)
    assert window.timeline.cursor_time == pytest.approx(t)
    x0, x1 = window.timeline.visible_range()
    assert x0 <= t <= x1 and x0 > 0.0
    window.player.stop()


def test_loop_replays_the_selection_until_toggled_off(playing_window, qtbot):
    window, _ = playing_window
    window.controller.push(AddSegment("speech", Segment(1.0, 1.1, "speech")))  # 1600 frames
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    player = window.player
    assert window.actions["loop"].isChecked() and player.loop and player.playing
    pump(player, 5)  # 5120 frames: more than three passes, never stops
    assert 1.0 <= player.position < 1.1
    expected = (1.0 * 16000 + (5120 % 1600)) / 16000
    assert player.position == pytest.approx(expected)
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not player.loop and not window.actions["loop"].isChecked()
    with pytest.raises(FakeSoundDevice.CallbackStop):
        pump(player, 2)
    player.stop()


def test_speed_keys_resample_the_played_buffer(playing_window, qtbot):
    window, _ = playing_window
    player = window.player
    ramp = np.arange(32000, dtype=np.float32)
    player.set_audio(ramp, 16000)
    key(qtbot, window, Qt.Key.Key_BracketLeft)
    key(qtbot, window, Qt.Key.Key_BracketLeft)
    assert player.speed == 0.5
    assert window.playback.speed_actions[0.5].isChecked()
    key(qtbot, window, Qt.Key.Key_BracketLeft)  # stays at the slowest
    assert player.speed == 0.5
    assert player.play(0.0, 1.0) is None
    played = pump(player, 1)
    np.testing.assert_allclose(played[:8], np.arange(8) * 0.5)  # half speed: half steps
    assert player.position == pytest.approx(512 / 16000)
    for _ in range(6):
        key(qtbot, window, Qt.Key.Key_BracketRight)
    assert player.speed == 2.0
    played = pump(player, 1)
    np.testing.assert_allclose(np.diff(played[:100]), 2.0)
    player.stop()


def test_speed_menu_and_no_device_still_says_unavailable(window, qtbot):
    window.playback.speed_actions[1.5].trigger()
    assert window.player.speed == 1.5
    key(qtbot, window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert "playback unavailable" in window.statusBar().currentMessage()
    assert not window.player.playing


# --- keyboard editing -------------------------------------------------------------------------
def test_b_moves_the_nearest_boundary_to_the_cursor_as_one_undo_step(window, qtbot):
    window.setFocus()
    add(window, "speech", 1.0, 3.0)
    add(window, "speech", 5.0, 8.0)
    window.controller.current_lane = "speech"
    window.controller.set_cursor(3.4)
    key(qtbot, window, Qt.Key.Key_B)
    assert spans(window) == [(1.0, 3.4, "speech"), (5.0, 8.0, "speech")]
    assert window.document.stack.undoText().startswith("Move end boundary")
    window.controller.set_cursor(4.5)
    key(qtbot, window, Qt.Key.Key_B)
    assert spans(window) == [(1.0, 3.4, "speech"), (4.5, 8.0, "speech")]
    undo(qtbot, window)
    assert spans(window) == [(1.0, 3.4, "speech"), (5.0, 8.0, "speech")]
    undo(qtbot, window)
    assert spans(window) == [(1.0, 3.0, "speech"), (5.0, 8.0, "speech")]


def test_b_moves_a_shared_boundary_for_both_segments(window, qtbot):
    window.setFocus()
    a = add(window, "noise", 1.0, 3.0)
    add(window, "noise", 3.0, 6.0)
    window.controller.set_selection([("noise", a)])
    window.controller.set_cursor(2.5)
    key(qtbot, window, Qt.Key.Key_B)
    assert spans(window, "noise") == [(1.0, 2.5, "noise"), (2.5, 6.0, "noise")]
    undo(qtbot, window)
    assert spans(window, "noise") == [(1.0, 3.0, "noise"), (3.0, 6.0, "noise")]


def test_relabel_applies_to_every_selected_segment_in_one_step(window, qtbot):
    window.setFocus()
    a, b = add(window, "speech", 1.0, 2.0), add(window, "speech", 4.0, 5.0)
    window.controller.set_selection([("speech", a), ("speech", b)])
    key(qtbot, window, Qt.Key.Key_F2)
    editor = window.label_editor
    assert editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "child")
    key(qtbot, editor, Qt.Key.Key_Return)
    assert spans(window) == [(1.0, 2.0, "child"), (4.0, 5.0, "child")]
    undo(qtbot, window)
    assert spans(window) == [(1.0, 2.0, "speech"), (4.0, 5.0, "speech")]


# --- lanes ------------------------------------------------------------------------------------
def test_add_rename_remove_a_lane_from_the_menu_with_undo(window, qtbot):
    lanes = window.lane_actions
    names = list(window.document.annotation.lane_names)
    window.controller.current_lane = names[0]
    lanes.ask_name = lambda title, default: "words"
    window.actions["lane_add"].trigger()
    assert window.document.annotation.lane_names == (names[0], "words", *names[1:])
    assert "words" in window.timeline.lanes.lane_names
    add(window, "words", 1.0, 2.0, "hello")
    lanes.ask_name = lambda title, default: f"{default}-2"
    window.actions["lane_rename"].trigger()
    assert "words-2" in window.document.annotation
    assert spans(window, "words-2") == [(1.0, 2.0, "hello")]
    asked = []
    lanes.confirm_remove = lambda lane, count: asked.append((lane, count)) or False
    window.actions["lane_remove"].trigger()
    assert asked == [("words-2", 1)] and "words-2" in window.document.annotation
    lanes.confirm_remove = lambda lane, count: True
    window.controller.current_lane = "words-2"
    window.actions["lane_remove"].trigger()
    assert "words-2" not in window.document.annotation
    undo(qtbot, window)  # back comes the lane with its segment
    assert spans(window, "words-2") == [(1.0, 2.0, "hello")]
    undo(qtbot, window)
    undo(qtbot, window)  # the rename, then the segment
    assert spans(window, "words") == []
    undo(qtbot, window)
    assert window.document.annotation.lane_names == tuple(names)


def test_a_refused_lane_name_says_why(window, qtbot):
    existing = window.document.annotation.lane_names[1]
    window.lane_actions.ask_name = lambda title, default: existing
    assert not window.lane_actions.add_lane()
    assert existing in window.statusBar().currentMessage()
    assert not window.document.stack.canUndo()


# --- settings ---------------------------------------------------------------------------------
def test_settings_dialog_persists_and_applies(window, qtbot, tmp_path, monkeypatch):
    from annotator.gui.document import AUTOSAVE_ENV

    monkeypatch.delenv(AUTOSAVE_ENV, raising=False)
    add(window, "speech", 1.0, 2.0)
    near = 1.0 + window.timeline.lanes.seconds_per_pixel()  # one pixel off the boundary
    assert window.controller.snap(near) == 1.0  # the default snaps
    window.actions["settings"].trigger()
    dialog = window.settings_dialog
    assert dialog.isVisible()
    dialog.autosave.setValue(12)
    dialog.export.setCurrentIndex(dialog.export.findData("rttm"))
    dialog.snap.setValue(0.0)
    dialog.accept()
    assert window.settings.value(EXPORT_KEY) == "rttm"
    assert float(window.settings.value(SNAP_KEY)) == 0.0
    assert autosave_seconds(window.settings) == 12
    assert window.document.autosaver.interval_s == 12
    assert window.controller.snap_px == 0.0
    assert window.controller.snap(near) == near  # snapping off
    target = tmp_path / "out.rttm"
    window.prompts.save_answer = target
    key(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert target.exists() and "SPEAKER" in target.read_text()


def test_bad_settings_values_fall_back_to_defaults(window):
    window.settings.setValue(SNAP_KEY, "wide")
    window.settings.setValue(EXPORT_KEY, "docx")
    from annotator.gui import settings_dialog

    assert settings_dialog.snap_px(window.settings) == settings_dialog.SNAP_PX
    assert settings_dialog.export_format(window.settings) == "textgrid"
