"""Playback verbs beyond play/pause: the visible range, looping, and the speed (0.5x-2x).

The `Player` does the sound; this module owns the window's playback actions and the Speed menu,
so the window itself only keeps play/pause and the cursor that follows playback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction, QActionGroup

from annotator.gui.player import SPEEDS

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QMenu

    from annotator.gui.main_window import MainWindow


class PlaybackControls:
    """Holds the loop state and the speed actions of one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        loop = window.actions["loop"]
        loop.setCheckable(True)
        loop.setChecked(window.player.loop)
        self.speed_group = QActionGroup(window)
        self.speed_actions: dict[float, QAction] = {}
        for speed in SPEEDS:
            action = QAction(f"{speed:g}×", window, checkable=True)
            action.setChecked(speed == window.player.speed)
            action.triggered.connect(lambda _c=False, s=speed: self.set_speed(s))
            self.speed_group.addAction(action)
            self.speed_actions[speed] = action

    def fill_menu(self, menu: QMenu) -> None:
        a = self.window.actions
        for name in ("play_visible", "loop", "slower", "faster"):
            menu.addAction(a[name])
        speed_menu = menu.addMenu("Playback speed")
        for action in self.speed_actions.values():
            speed_menu.addAction(action)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 3000)

    def play_visible(self) -> None:
        """Play what is on screen (Praat's 'visible part'), from its start to its end."""
        self.window._play(*self.window.timeline.visible_range())

    def toggle_loop(self) -> None:
        """Loop on: the selection (else the visible range) replays until stopped; off: the
        current pass plays to its end and stops."""
        player, action = self.window.player, self.window.actions["loop"]
        player.loop = action.isChecked()
        if not player.loop:
            self._say("Loop off")
            return
        span = self.window.controller.span or self.window.timeline.visible_range()
        self._say(f"Looping {span[0]:.3f}–{span[1]:.3f} s (toggle again to stop)")
        self.window._play(*span)

    def set_speed(self, speed: float) -> None:
        self.window.player.set_speed(speed)
        speed = self.window.player.speed
        if speed in self.speed_actions:
            self.speed_actions[speed].setChecked(True)
        self._say(f"Playback speed {speed:g}× (pitch changes with speed)")

    def step_speed(self, step: int) -> None:
        """[ and ]: the next slower or faster speed of `SPEEDS`."""
        current = self.window.player.speed
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - current))
        self.set_speed(SPEEDS[min(max(index + step, 0), len(SPEEDS) - 1)])
