"""A file name holding a newline or another control character stays one escaped line in every
message (issue 19, weak spot).

A bad recording named ``bad<newline>name.wav`` used to print a two-line error with its path
twice (once raw, once with the newline turned into a space); a name holding ``ESC`` could
drive the terminal. Names are now shown with such characters escaped, as Python writes them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import soundfile as sf

from tests.robustness._checks import ROOT, Outcome, run_cli, run_process
from tests.robustness.catalogue import tone

NAMES = ["bad\nname.wav", "bad\rname.wav", "esc\x1b[2Jname.wav", "del\x7fname.wav", "nel\x85x.wav"]


def shown(path: Path) -> str:
    """How a message must show ``path``: control characters escaped, nothing else changed."""
    escapes = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b", "\x7f": "\\x7f", "\x85": "\\x85"}
    return "".join(escapes.get(c, c) for c in str(path))


def assert_one_escaped_line(outcome: Outcome, path: Path, reason: str, code: int = 1) -> str:
    lines = outcome.err.splitlines()
    assert outcome.code == code, (outcome.code, outcome.err)
    assert len(lines) == 1, outcome.err
    line = lines[0]
    assert line.startswith(f"annotator: {shown(path)}: ") and reason in line, line
    assert line.count(shown(path).rsplit("/", 1)[-1]) == 1, f"named twice: {line!r}"
    assert not any(c in line for c in "\r\x1b\x7f\x85"), repr(line)
    return line


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    sf.write(folder / "good.wav", tone(seconds=0.3), 16000)
    return folder


@pytest.mark.parametrize("name", NAMES, ids=[repr(n) for n in NAMES])
def test_a_bad_recording_with_a_control_character(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], gated: Path, name: str
) -> None:
    bad = corpus / name
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "label", corpus, "--out", out, "--prelabeler", "gated",
                      "--format", "json", "--quiet")  # fmt: skip
    assert_one_escaped_line(outcome, bad, "not a readable audio file")
    listed = outcome.out.split("failed files:\n", 1)[1].splitlines()
    assert listed == [f"  {outcome.err.splitlines()[0].removeprefix('annotator: ')}"], outcome.out
    assert_one_escaped_line(run_cli(capsys, "info", bad), bad, "not a readable audio file")


def test_a_missing_input_with_a_newline(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    gone = tmp_path / "gone\nfile.wav"
    outcome = run_cli(capsys, "label", gone, "--out", tmp_path / "out")
    assert_one_escaped_line(outcome, gone, "no such file")
    assert_one_escaped_line(run_cli(capsys, "info", gone), gone, "no such file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_skipped_fifo_with_a_newline_is_one_warning_line(
    corpus: Path, tmp_path: Path, gated: Path
) -> None:
    fifo = corpus / "pipe\nname.wav"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(gated), str(ROOT)])}
    outcome = run_process("label", corpus, "--out", tmp_path / "out", "--prelabeler", "gated",
                          "--format", "json", "--quiet", env=env)  # fmt: skip
    assert outcome.code == 0, outcome.err
    (line,) = outcome.err.splitlines()
    assert line == f"annotator: warning: {shown(fifo)}: is a FIFO (named pipe), not a regular " \
                   "file; skipped"  # fmt: skip
