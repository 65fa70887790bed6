"""Two ``annotator label`` runs on one ``--out`` never overwrite each other (issue 19, bug 3).

"Exists" used to be checked once, at start-up, and nothing stopped a second run: both exited 0,
one's outputs silently replaced by the other's. Now a run holds a lock on its output folder (the
second says who holds it and exits 1), and an output that appears while a run works is not
overwritten without ``--force``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from annotator.batch import CorpusItem, write_outputs
from annotator.batch.outputs import OutputError
from annotator.core import Annotation, Lane, Segment
from annotator.formats import FORMATS, read_annotation
from tests.robustness._checks import ROOT, assert_one_error, run_cli
from tests.robustness.catalogue import tone


def wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the first run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{path} never appeared")
        time.sleep(0.1)


def test_a_second_run_on_the_same_out_is_refused_and_names_the_first(
    gated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for name in ("a", "b"):
        sf.write(corpus / f"{name}.wav", tone(seconds=0.3), 16000)
    first_gate, second_gate = tmp_path / "first", tmp_path / "second"
    second_gate.with_suffix(".go").touch()  # the second run would not wait
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(gated), str(ROOT)])}
    first = subprocess.Popen(
        [sys.executable, "-m", "annotator", "label", str(corpus), "--out", str(out),
         "--prelabeler", "gated", "--option", f"gate={first_gate}", "--format", "json",
         "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(first_gate.with_suffix(".started"), first)
        second = run_cli(capsys, "label", corpus, "--out", out, "--prelabeler", "gated",
                         "--option", f"gate={second_gate}", "--format", "json")  # fmt: skip
    finally:
        first_gate.with_suffix(".go").touch()
        stdout, stderr = first.communicate(timeout=120)
    line = assert_one_error(second, out, "another annotator label run")
    assert f"pid {first.pid}" in line and socket.gethostname() in line
    assert first.returncode == 0, stderr
    for name in ("a", "b"):  # the first run's outputs, whole and its own
        assert read_annotation(out / f"{name}.json").lane("speech")[0].label == "first"
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.json"]  # no lock file left


def test_the_folder_is_free_again_after_a_run(gated: Path, tmp_path: Path, capsys) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    sf.write(corpus / "a.wav", tone(seconds=0.3), 16000)
    for _ in range(2):
        outcome = run_cli(capsys, "label", corpus, "--out", out, "--prelabeler", "gated",
                          "--format", "json", "--force")  # fmt: skip
        assert outcome.code == 0, outcome.err
    assert sorted(p.name for p in out.iterdir()) == ["a.json"]


def _intruding(target: Path) -> object:
    """A format whose writer lets another process create ``target`` while it writes."""

    class Intruding:
        name, extensions, description = "json", (".json",), "another writer meanwhile"

        @staticmethod
        def writer(annotation: Annotation, path: Path, **options: object) -> None:
            FORMATS["json"].writer(annotation, path, **options)
            target.write_text("theirs", encoding="utf-8")

    return Intruding


def test_an_output_that_appeared_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    annotation = Annotation([Lane("speech", [Segment(0.0, 1.0, "speech")])])
    item = CorpusItem("a", tmp_path / "a.wav")
    grid, js = tmp_path / "a.TextGrid", tmp_path / "a.json"
    targets = {grid: FORMATS["textgrid"], js: _intruding(js)}
    with pytest.raises(OutputError, match=r"a\.json: exists already"):
        write_outputs(annotation, item, targets)
    assert js.read_text(encoding="utf-8") == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # nothing half-committed
    write_outputs(annotation, item, targets, overwrite=True)  # --force, --resume: replaced
    assert read_annotation(js).lane("speech")[0].label == "speech" and grid.exists()
