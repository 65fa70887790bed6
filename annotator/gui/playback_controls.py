"""Playback: play/pause, the selection, the visible range, looping and the speed (0.5x-2x).

The `Player` does the sound; this module owns every playback action and the speed choices, and
moves the cursor with playback, so the window only places the label that says playback is
unavailable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction, QActionGroup

from annotator.gui.player import SPEEDS, Player
from annotator.gui.shortcuts import key_actions

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QLabel, QWidget

    from annotator.gui.context import EditorContext
    from annotator.gui.editor import EditorController
    from annotator.gui.timeline_view import TimelineView


def speed_key(speed: float) -> str:
    """The action name of one playback speed (``speed:1.5``)."""
    return f"speed:{speed:g}"


class PlaybackControls:
    """Holds the loop state and the speed actions of one window."""

    def __init__(
        self,
        context: EditorContext,
        player: Player,
        controller: EditorController,
        timeline: TimelineView,
        label: QLabel,
        host: QWidget,
    ) -> None:
        self.context = context
        self.player = player
        self.controller = controller
        self.timeline = timeline
        self.label = label  # says "playback unavailable" once a play finds no sound card
        actions = key_actions(
            host,
            {
                "play_pause": self.play_pause,
                "escape": self.escape,
                "play_span": self.play_span,
                "play_visible": self.play_visible,
                "loop": self.toggle_loop,
                "slower": lambda: self.step_speed(-1),
                "faster": lambda: self.step_speed(1),
            },
        )
        loop = actions["loop"]
        loop.setCheckable(True)
        loop.setChecked(player.loop)
        self.loop_action = loop
        self.speed_group = QActionGroup(host)
        self.speed_actions: dict[float, QAction] = {}
        for speed in SPEEDS:
            action = QAction(f"{speed:g}×", host, checkable=True)
            action.setChecked(speed == player.speed)
            action.triggered.connect(lambda _c=False, s=speed: self.set_speed(s))
            self.speed_group.addAction(action)
            self.speed_actions[speed] = action
            actions[speed_key(speed)] = action
        context.actions.update(actions)
        player.positionChanged.connect(self._follow)

    def _say(self, text: str) -> None:
        self.context.say(text, 3000)

    def play(self, start: float, end: float | None) -> None:
        problem = self.player.play(start, end)
        if problem:
            self.label.setText("playback unavailable" if not self.player.available else "")
            self.context.say(problem, 5000)

    def play_pause(self) -> None:
        if self.player.playing:
            self.player.stop()
            return
        self.play(self.timeline.cursor_time, None)

    def escape(self) -> None:
        """Escape: stop playback and drop the selection (ELAN's and Praat's reflex)."""
        self.player.stop()
        self.controller.clear()

    def play_span(self) -> None:
        span = self.controller.span
        if span is None:
            self.context.say("Nothing selected to play", 3000)
            return
        self.play(*span)

    def play_visible(self) -> None:
        """Play what is on screen (Praat's 'visible part'), from its start to its end."""
        self.play(*self.timeline.visible_range())

    def toggle_loop(self) -> None:
        """Loop on: the selection (else the visible range) replays until stopped; off: the
        current pass plays to its end and stops."""
        self.player.loop = self.loop_action.isChecked()
        if not self.player.loop:
            self._say("Loop off")
            return
        span = self.controller.span or self.timeline.visible_range()
        self._say(f"Looping {span[0]:.3f}–{span[1]:.3f} s (toggle again to stop)")
        self.play(*span)

    def set_speed(self, speed: float) -> None:
        self.player.set_speed(speed)
        speed = self.player.speed
        if speed in self.speed_actions:
            self.speed_actions[speed].setChecked(True)
        self._say(f"Playback speed {speed:g}× (pitch changes with speed)")

    def step_speed(self, step: int) -> None:
        """[ and ]: the next slower or faster speed of `SPEEDS`."""
        current = self.player.speed
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - current))
        self.set_speed(SPEEDS[min(max(index + step, 0), len(SPEEDS) - 1)])

    def _follow(self, t: float) -> None:
        """The cursor follows playback and stays in view (the window's status line follows)."""
        self.timeline.set_cursor(t)
        self.timeline.ensure_visible(t)
