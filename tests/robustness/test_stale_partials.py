"""Temporaries a killed ``annotator label`` run left are cleared by the next run on the same
``--out`` (issue 19, weak spot).

Each output is first written to a hidden ``.<name>.<random>.partial<ext>`` beside its target
(and a built-in writer's own ``.<that>.<random>.tmp``); a run killed mid-write leaves them. They
used to stay until a later run labelled the very same recordings. Now a run clears every such
file under its ``--out`` that is older than its lock, once it holds that lock: no other run can
be writing there, so they are stale.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import soundfile as sf

from tests.robustness._checks import run_cli
from tests.robustness.catalogue import tone

STALE = [
    ".a.k3j9x0q2.partial.TextGrid",  # ours
    ".a.8hd_2kq1.partial.json",
    "..a.k3j9x0q2.partial.rttm.w81nd0sl.tmp",  # a built-in writer's, inside ours
    "sub/deeper/.b.0aq9zm3c.partial.TextGrid",  # outputs mirror the input folders
]
#: Not ours: a user's hidden files and look-alikes that do not follow our naming.
KEPT = [".notes.txt", "a.k3j9x0q2.partial.TextGrid", ".a.short.partial.json", "sub/.keep"]


def make(out: Path, names: list[str], mtime: float) -> list[Path]:
    paths = []
    for name in names:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half an output", encoding="utf-8")
        os.utime(path, (mtime, mtime))
        paths.append(path)
    return paths


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    sf.write(folder / "c.wav", tone(seconds=0.3), 16000)  # not the recordings that left them
    return folder


def test_a_run_clears_stale_temporaries_of_other_recordings(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], gated: Path
) -> None:
    out = tmp_path / "out"
    hour_ago = time.time() - 3600
    stale = make(out, STALE, hour_ago)
    kept = make(out, KEPT, hour_ago)
    outcome = run_cli(capsys, "label", corpus, "--out", out, "--prelabeler", "gated",
                      "--format", "json", "--quiet")  # fmt: skip
    assert outcome.code == 0 and outcome.err == "", outcome.err
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)
    assert (out / "c.json").exists()


def test_a_temporary_newer_than_the_lock_is_left_alone(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], gated: Path
) -> None:
    """Only what is older than the lock is surely stale; a file from the future is not ours
    to judge (a clock step, a copy with kept times)."""
    out = tmp_path / "out"
    (newer,) = make(out, [".z.k3j9x0q2.partial.json"], time.time() + 3600)
    outcome = run_cli(capsys, "label", corpus, "--out", out, "--prelabeler", "gated",
                      "--format", "json", "--quiet")  # fmt: skip
    assert outcome.code == 0, outcome.err
    assert newer.exists()
