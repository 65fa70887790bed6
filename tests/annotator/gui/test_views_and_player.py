"""Evidence views with synthetic arrays, the undo wrapper, the player without audio, run_app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from annotator.core import Annotation, Lane, MoveBoundary, Segment
from annotator.gui.player import Player, open_backend
from annotator.gui.undo import UndoStack, new_merge_key


def test_heatmap_and_posteriors_from_synthetic_arrays(window):
    rng = np.random.default_rng(0)
    frames = 500  # 10 s at 0.02 s
    h = rng.random((16, frames)).astype(np.float32)
    p = rng.random((4, frames)).astype(np.float32)
    names = ("speech", "music", "noise", "overlap")
    assert not window.timeline.rows["heatmap"].isVisibleTo(window)
    window.timeline.set_evidence(h, p, names, (0.5, 0.5, 0.6, 0.4))
    heat = window.timeline.heatmap
    assert heat.data_shape == (16, 500)
    rect = heat.mapRectToParent(heat.boundingRect())
    assert rect.width() == pytest.approx(10.0) and rect.height() == pytest.approx(16.0)
    curves = window.timeline.posteriors.curves
    assert set(curves) == set(names)
    x, y = curves["music"].getData()
    assert x[0] == pytest.approx(0.01) and np.allclose(y, p[1])
    assert window.timeline.posteriors.thresholds["noise"].value() == pytest.approx(0.6)
    assert window.timeline.rows["heatmap"].isVisibleTo(window)
    window.timeline.set_evidence(None, None)
    assert not window.timeline.rows["posteriors"].isVisibleTo(window)
    assert not curves["music"].isVisible()


def test_evidence_of_the_wrong_shape_is_refused(window):
    with pytest.raises(ValueError, match="posteriors"):
        window.timeline.set_evidence(
            None, np.zeros((3, 10)), ("speech", "music", "noise", "overlap")
        )
    with pytest.raises(ValueError, match="activations"):
        window.timeline.set_evidence(np.zeros(10), None)


def test_spectrogram_follows_the_view(window, qtbot):
    window.timeline.set_visible_range(2.0, 4.0)
    window.timeline._refresh_spectrogram()
    rect = window.timeline.spectrogram.mapRectToParent(window.timeline.spectrogram.boundingRect())
    assert rect.left() == pytest.approx(2.0, abs=0.01) and rect.right() == pytest.approx(
        4.0, abs=0.05
    )


def test_undo_stack_merges_a_drag_and_drops_a_drag_back_to_the_start(qtbot):
    annotation = Annotation([Lane("speech", [Segment(1.0, 2.0, "a")])])
    stack = UndoStack(annotation)
    refusals = []
    stack.refused.connect(refusals.append)
    key = new_merge_key()
    current = annotation.lane("speech")[0]
    for t in (2.2, 2.4, 2.6):
        edit = MoveBoundary("speech", current, "end", t)
        assert stack.push_edit(edit, key)
        current = edit.result
    assert stack.count() == 1 and annotation.lane("speech")[0].end == 2.6
    stack.undo()
    assert annotation.lane("speech")[0].end == 2.0
    stack.redo()
    assert annotation.lane("speech")[0].end == 2.6
    # a second gesture that comes back where it began leaves no step behind
    key = new_merge_key()
    for t in (3.0, 2.6):
        edit = MoveBoundary("speech", current, "end", t)
        assert stack.push_edit(edit, key)
        current = edit.result
    assert stack.count() == 1
    assert not stack.push_edit(MoveBoundary("speech", current, "end", 0.5))
    assert refusals and "\n" not in refusals[0]


def test_playback_unavailable_is_said_and_space_does_nothing_harmful(window, qtbot):
    assert window.playback_label.text() == "playback unavailable"
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert "playback unavailable" in window.statusBar().currentMessage()
    assert not window.player.playing


def test_open_backend_never_raises():
    module, reason = open_backend()
    assert (module is None) != (reason is None)


class FakeStream:
    def __init__(self, callback, **kwargs):
        self.callback, self.kwargs, self.active = callback, kwargs, False

    def start(self):
        self.active = True

    def stop(self):
        self.active = False

    def close(self):
        pass


class FakeSoundDevice:
    class CallbackStop(Exception):
        pass

    def __init__(self):
        self.streams = []

    def OutputStream(self, **kwargs):  # noqa: N802 (sounddevice's name)
        stream = FakeStream(**kwargs)
        self.streams.append(stream)
        return stream


def test_player_copies_the_requested_stretch(qtbot):
    backend = FakeSoundDevice()
    player = Player(backend=backend)
    samples = np.arange(16000, dtype=np.float32)
    player.set_audio(samples, 16000)
    assert player.play(0.5, 0.6) is None and player.playing
    stream = backend.streams[0]
    out = np.zeros((1024, 1), np.float32)
    with pytest.raises(FakeSoundDevice.CallbackStop):
        for _ in range(3):
            stream.callback(out, 1024, None, None)
    assert player.position == pytest.approx(0.6)
    player.stop()
    assert not player.playing


def test_player_without_backend_reports_why(qtbot):
    player = Player(backend=None, reason="playback unavailable: PortAudio not found")
    player.set_audio(np.zeros(10, np.float32), 16000)
    assert not player.available
    assert player.play(0.0) == "playback unavailable: PortAudio not found"


def test_run_app_opens_the_targets(monkeypatch, corpus, tmp_path, qtbot):
    from PyQt6.QtWidgets import QApplication

    from annotator.gui import app as app_module
    from annotator.gui import main_window

    seen = {}

    def fake_exec(self=None):
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, main_window.MainWindow) and w.isVisible()
        ]
        seen["titles"] = [w.windowTitle() for w in windows]
        for w in windows:
            w.prompts.unsaved = lambda what: "discard"
            w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    monkeypatch.setattr(main_window.MainWindow, "__init__", _init_with_tmp_settings(tmp_path))
    assert app_module.run_app([Path(corpus / "b.wav")]) == 0
    assert any("b.wav" in title for title in seen["titles"])


def _init_with_tmp_settings(tmp_path):
    from PyQt6.QtCore import QSettings

    from annotator.gui.main_window import MainWindow

    original = MainWindow.__init__

    def init(self, settings=None, player=None):
        original(
            self,
            QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
            Player(backend=None, reason="playback unavailable: test"),
        )

    return init


def test_demo_project_lives_outside_the_installation(monkeypatch, tmp_path, qtbot):
    from PyQt6.QtWidgets import QApplication

    from annotator.gui import app as app_module
    from annotator.gui import main_window
    from tests.annotator.gui.conftest import write_wav

    shipped = tmp_path / "resources" / "demo"
    shipped.mkdir(parents=True)
    write_wav(shipped / "demo.flac", 3.0)
    opened = {}

    def fake_exec(self=None):
        for w in QApplication.topLevelWidgets():
            if isinstance(w, main_window.MainWindow) and w.isVisible() and w.document:
                opened["path"] = w.document.path
                opened["state"] = w.project.state_dir
                w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    monkeypatch.setattr(main_window.MainWindow, "__init__", _init_with_tmp_settings(tmp_path))
    assert app_module.run_app([shipped / "demo.flac"], demo=True) == 0
    assert opened["path"].name == "demo.flac"
    assert not (shipped / ".nmf-annotator").exists()
    assert shipped not in opened["state"].parents


def test_tab_plays_the_selection(window, qtbot):
    backend = FakeSoundDevice()
    window.player._sd, window.player.reason = backend, None
    window.controller.push(AddSegmentOf("speech", 1.0, 2.0))
    qtbot.keyClick(window, Qt.Key.Key_Tab)
    assert window.player.playing
    assert window.player.position == pytest.approx(1.0)
    assert window.player._end == 32000
    window.player.stop()


def AddSegmentOf(lane, start, end):  # noqa: N802 (reads like the command it builds)
    from annotator.core import AddSegment

    return AddSegment(lane, Segment(start, end, lane))
