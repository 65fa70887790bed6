"""Fixtures for driving the real editor window headless (QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

pytest.importorskip("pytestqt")

from PyQt6.QtCore import QSettings, QStandardPaths  # noqa: E402

SR = 16000


def write_wav(path: Path, seconds: float = 10.0, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    signal = 0.2 * np.sin(2 * np.pi * 200 * t) * (np.sin(2 * np.pi * 0.2 * t) > 0)
    signal += 0.01 * rng.standard_normal(t.size)
    soundfile.write(str(path), signal.astype(np.float32), SR)
    return path


class ScriptedPrompts:
    """Answers the window's questions from attributes; records what was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, object]] = []
        self.unsaved_answer = "cancel"
        self.recover_answer = "later"
        self.save_answer: Path | None = None
        self.recording_answer: str | None = None
        self.speakers_answer = False
        self.confirm_answer = True
        self.errors: list[str] = []

    def unsaved(self, what: str) -> str:
        self.asked.append(("unsaved", what))
        return self.unsaved_answer

    def recover(self, names: list[str]) -> str:
        self.asked.append(("recover", names))
        return self.recover_answer

    def save_path(self, title: str, suggested: str, filters: str) -> Path | None:
        self.asked.append(("save_path", suggested))
        return self.save_answer

    def choose_recording(self, file_name: str, ids) -> str | None:
        self.asked.append(("choose_recording", (file_name, list(ids))))
        return self.recording_answer

    def map_speakers(self, file_name: str, speakers) -> bool:
        self.asked.append(("map_speakers", (file_name, list(speakers))))
        return self.speakers_answer

    def confirm(self, message: str) -> bool:
        self.asked.append(("confirm", message))
        return self.confirm_answer

    def error(self, message: str) -> None:
        self.errors.append(message)

    def open_files(self, folder: str) -> list[Path]:
        return []

    def open_folder(self, folder: str) -> Path | None:
        return None

    def open_annotation(self, folder: str, filters: str) -> Path | None:
        return None


@pytest.fixture(autouse=True)
def _isolated_paths():
    QStandardPaths.setTestModeEnabled(True)
    yield


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_wav(folder / "a.wav", 10.0, seed=1)
    write_wav(folder / "b.wav", 6.0, seed=2)
    return folder


@pytest.fixture
def make_window(qtbot, tmp_path: Path):
    from annotator.gui.app import configure_pyqtgraph
    from annotator.gui.main_window import MainWindow
    from annotator.gui.player import Player

    configure_pyqtgraph()
    made = []

    def make(prompts: ScriptedPrompts | None = None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        player = Player(backend=None, reason="playback unavailable: no audio output device (test)")
        window = MainWindow(settings=settings, player=player)
        window.prompts = prompts or ScriptedPrompts()
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.prompts.unsaved_answer = "discard"  # let qtbot close it without asking


@pytest.fixture
def window(make_window, corpus: Path):
    win = make_window()
    assert win.open_path(corpus / "a.wav")
    return win
