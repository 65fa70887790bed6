"""The helpers share an `EditorContext`, not the window (issue 18 item 1): a helper can be made
from the context and the views it draws on alone, and what it says reaches the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QLabel, QWidget

from tests.annotator.gui.conftest import ScriptedPrompts


def test_a_helper_works_from_the_context_and_its_views_alone(qtbot, tmp_path: Path) -> None:
    from annotator.gui.context import EditorContext
    from annotator.gui.editor import EditorController
    from annotator.gui.playback_controls import PlaybackControls
    from annotator.gui.player import Player
    from annotator.gui.timeline_view import TimelineView

    host = QWidget()
    qtbot.addWidget(host)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    context = EditorContext(settings, ScriptedPrompts(), host)
    said: list[tuple[str, int]] = []
    context.message.connect(lambda text, ms: said.append((text, ms)))
    timeline = TimelineView()
    player = Player(backend=None, reason="playback unavailable: test")
    label = QLabel("")
    playback = PlaybackControls(
        context, player, EditorController(timeline, host), timeline, label, host
    )
    assert {"play_pause", "loop", "speed:1.5"} <= set(context.actions)
    playback.play_span()
    assert said == [("Nothing selected to play", 3000)]
    playback.play(0.0, None)
    assert label.text() == "playback unavailable"
    assert said[-1][0].startswith("playback unavailable")


def test_the_window_shows_what_the_context_says(window) -> None:
    shown = []
    window.context.documentChanged.connect(shown.append)
    window.context.say("hello", 0)
    assert window.statusBar().currentMessage() == "hello"
    window.context.fail("it broke")
    assert window.prompts.errors == ["it broke"]
    assert window.statusBar().currentMessage() == "it broke"
    assert window.open_path(window.document.path.parent / "b.wav")
    assert shown == [window.document]
    assert window.context.evidence is None


def test_a_key_of_the_map_that_no_helper_answers_stops_the_window(make_window, monkeypatch):
    """Each helper registers its own keys, so a forgotten one is said at once, not found as a
    dead key later."""
    from annotator.gui import main_window
    from annotator.gui.shortcuts import BINDINGS, Binding

    orphan = Binding("orphan", ("Ctrl+Alt+Shift+F12",), "Nobody answers", "Edit")
    monkeypatch.setattr(main_window, "BINDINGS", (*BINDINGS, orphan))
    with pytest.raises(RuntimeError, match="orphan"):
        make_window()
