"""SIGKILL a process in the middle of saving, again and again: what is on disk must stay loadable.

Each trial starts `crash_writer.py`, which resumes from the file the previous (killed) trial left
and keeps saving a growing annotation; the test kills it at a seeded random moment and checks
that the file is a complete version (the last acknowledged one or the one being written), that
the ``.bak`` is complete and one step behind at most, and that the project still opens.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.core.autosave import find_recoverable
from annotator.core.project import Project
from annotator.core.sidecar import backup_path, load_sidecar

WRITER = Path(__file__).with_name("crash_writer.py")
BASE, STEP = 3000, 5
FSYNC_DELAY_S = 0.02  # a slow disk: most kills then land between temp write and rename


def _generation_and_check(path: Path) -> int:
    state = load_sidecar(path)
    generation = int(state.extra["generation"])
    assert len(state.annotation.lane("speech")) == BASE + generation * STEP, path
    return generation


def _run_trials(mode: str, project: Project, target: Path, trials: int, seed: int) -> dict:
    rng = random.Random(seed)
    stats = {"trials": 0, "torn_moments": 0, "saves": 0}
    expected = 0  # generation the file must hold at least
    seen_temps: set[str] = set()
    for _ in range(trials):
        child = subprocess.Popen(
            [
                sys.executable,
                str(WRITER),
                mode,
                str(target),
                str(BASE),
                str(STEP),
                str(FSYNC_DELAY_S),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            ready = child.stdout.readline().split()
            assert ready[:1] == ["ready"], f"writer did not start: {ready}"
            assert int(ready[1]) >= expected
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(child.pid, signal.SIGKILL)
            rest = child.communicate(timeout=10)[0]
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL, "writer died on its own"
        stats["trials"] += 1
        acknowledged = [int(x) for x in rest.split()]
        last_ack = acknowledged[-1] if acknowledged else int(ready[1])
        stats["saves"] += len(acknowledged)

        if not target.exists():  # killed before the very first save finished: nothing to lose
            assert last_ack == 0 and not backup_path(target).exists()
            continue
        generation = _generation_and_check(target)
        assert generation in (last_ack, last_ack + 1)
        if mode == "sidecar" and generation > 1:
            bak_generation = _generation_and_check(backup_path(target))
            assert bak_generation in (generation - 1, generation)
        temps = {p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")}
        new_temps, seen_temps = temps - seen_temps, seen_temps | temps
        if new_temps or generation == last_ack + 1:
            stats["torn_moments"] += 1
        reopened = Project.open(project.root)  # stray temp files must not disturb it
        entry = reopened.entry("a.wav")
        assert entry.sidecar_error is None
        if mode == "autosave":
            (found,) = find_recoverable(reopened)
            assert found.error is None and found.entry.rel_path == "a.wav"
        else:
            assert entry.n_segments == BASE + generation * STEP
        expected = generation
    return stats


@pytest.fixture
def project(tmp_path: Path) -> Project:
    sf.write(tmp_path / "a.wav", np.zeros(1600, dtype=np.float32), 16000)
    return Project.create(tmp_path)


@pytest.mark.slow
def test_sidecar_survives_sigkill_during_saves(project: Project) -> None:
    target = project.sidecar_path(project.entry("a.wav"))
    stats = _run_trials("sidecar", project, target, trials=20, seed=1234)
    assert stats["trials"] == 20
    assert stats["saves"] >= 5  # the writer really was saving between kills
    # Most kills land inside a save's write window; if none did, the test proved nothing.
    assert stats["torn_moments"] >= 1, stats


@pytest.mark.slow
def test_autosave_survives_sigkill_during_writes(project: Project) -> None:
    target = project.autosave_path(project.entry("a.wav"))
    stats = _run_trials("autosave", project, target, trials=10, seed=99)
    assert stats["trials"] == 10
    assert stats["torn_moments"] >= 1, stats
