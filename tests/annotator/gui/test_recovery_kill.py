"""SIGKILL during editing loses at most the last autosave interval; the next start recovers.

The real application runs in a subprocess (``run_app``, offscreen) with the autosave delay
shortened through ``NMF_ANNOTATOR_AUTOSAVE_S``; a few lines scheduled on its event loop make
edits through the window's own controller, as the mouse and keys do. Once the autosave is on
disk the process is killed without any chance to clean up, and a fresh window is started on
the same corpus.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.core.autosave import find_recoverable
from annotator.core.project import Project
from tests.annotator.gui.conftest import ScriptedPrompts

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

ROOT = Path(__file__).resolve().parents[3]
INTERVAL_S = 1.0

SCRIPT = r"""
import sys
from pathlib import Path

from PyQt6.QtCore import QTimer

from annotator.core import AddSegment, Segment
from annotator.gui.app import application, run_app
from annotator.gui.main_window import MainWindow

app = application()


def window():
    return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))


def edit():
    w = window()
    if w.document is None:  # still opening
        QTimer.singleShot(100, edit)
        return
    ok = w.controller.push(AddSegment("speech", Segment(1.0, 2.0, "speech")))
    ok = ok and w.controller.push(AddSegment("music", Segment(3.0, 5.5, "music")))
    print("EDITED" if ok else "REFUSED", flush=True)
    QTimer.singleShot(100, last_edit)


def last_edit():
    w = window()
    if not w.document.autosaver.saves:
        QTimer.singleShot(100, last_edit)
        return
    # after the autosave: an edit the kill may cost (it is younger than the interval)
    w.controller.push(AddSegment("noise", Segment(6.0, 7.0, "noise")))
    print("AUTOSAVED", flush=True)


QTimer.singleShot(200, edit)
sys.exit(run_app([Path(sys.argv[1])]))
"""


def read_until(proc: subprocess.Popen, word: str, timeout: float) -> list[str]:
    """Lines of the child's stdout up to the one that is ``word``; fails after ``timeout``."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.strip() == word:
                return lines
        if proc.poll() is not None:
            break
    err = proc.stderr.read() if proc.poll() is not None else ""
    pytest.fail(f"the editor never printed {word!r}; stdout {lines}, stderr {err[-2000:]}")


def test_sigkill_during_editing_loses_at_most_the_last_interval(tmp_path, corpus, make_window):
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        NMF_ANNOTATOR_AUTOSAVE_S=str(INTERVAL_S),
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(corpus / "a.wav")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        read_until(proc, "EDITED", timeout=60)
        edited = time.monotonic()
        read_until(proc, "AUTOSAVED", timeout=30)
        # the autosave came within the interval (plus the one-second poll and a loaded machine)
        assert time.monotonic() - edited < INTERVAL_S + 6
        project = Project.open(corpus)
        autosave = project.autosave_path(project.entry("a.wav"))
        assert autosave.exists()
        assert not project.sidecar_path(project.entry("a.wav")).exists()  # never saved by hand
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert [item.entry.rel_path for item in find_recoverable(Project.open(corpus))] == ["a.wav"]
    prompts = ScriptedPrompts()
    prompts.recover_answer = "recover"
    window = make_window(prompts)
    assert window.open_path(corpus / "a.wav")
    assert ("recover", ["a.wav"]) in prompts.asked  # the next start offers the recovered state
    ann = window.document.annotation
    assert [(s.start, s.end) for s in ann.lane("speech")] == [(1.0, 2.0)]
    assert [(s.start, s.end) for s in ann.lane("music")] == [(3.0, 5.5)]
    # the noise edit came after the autosave: it is the "last interval" a kill may cost
    assert len(ann.lane("noise")) <= 1
    assert not find_recoverable(window.project)  # recovered into the sidecar, offered once
