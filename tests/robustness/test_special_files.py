"""FIFOs, sockets and device files named like recordings are never opened (issue 19, bug 1).

Opening a FIFO for reading blocks until someone writes to it, so a stray ``a.wav`` FIFO used to
stop a whole corpus run with nothing printed. In a folder such files are skipped with one warning
line each; named directly they are one error line. The commands run in a subprocess with a time
limit, so that a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf

from tests.robustness._checks import assert_one_error, run_cli, run_process
from tests.robustness.catalogue import tiny_model, tone

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX special files")


@pytest.fixture
def specials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A folder with one real recording beside a FIFO, a socket and a device file named .wav."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sf.write(corpus / "good.wav", tone(seconds=0.5), 16000)
    os.mkfifo(corpus / "f.wav")  # short names: the error must say the kind, not the name
    os.symlink(os.devnull, corpus / "d.wav")
    monkeypatch.chdir(corpus)  # a relative socket name stays under the 108-byte limit
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("s.wav")
    try:
        names = {"good": "good", "fifo": "f", "socket": "s", "device": "d"}
        yield {kind: corpus / f"{name}.wav" for kind, name in names.items()}
    finally:
        server.close()


def test_special_files_in_a_corpus_folder_are_skipped_with_a_warning(
    specials: dict[str, Path], tmp_path: Path
) -> None:
    model = tiny_model(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    outcome = run_process(
        "label", specials["good"].parent, "--out", out, "--model", model, "--quiet"
    )
    assert outcome.code == 0, outcome.err
    lines = outcome.err.splitlines()
    assert len(lines) == 3, outcome.err
    for name, kind in (("fifo", "FIFO"), ("socket", "socket"), ("device", "device")):
        line = next(x for x in lines if f"{specials[name]}:" in x)
        assert line.startswith("annotator: warning: ") and "skipped" in line, line
        assert kind in line.replace(str(specials[name]), ""), line
    assert sorted(p.name for p in out.iterdir()) == ["good.TextGrid"]


def test_a_fifo_named_directly_is_one_error_line(specials: dict[str, Path], tmp_path: Path):
    fifo = specials["fifo"]
    model = tiny_model(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    assert_one_error(run_process("label", fifo, "--out", out, "--model", model), fifo, "FIFO")
    assert not out.exists()
    assert_one_error(run_process("info", fifo), fifo, "FIFO")


def test_a_fifo_in_a_list_file_fails_alone(specials: dict[str, Path], tmp_path: Path) -> None:
    listing = tmp_path / "corpus.lst"
    listing.write_text(f"{specials['good']}\n{specials['fifo']}\n", encoding="utf-8")
    model = tiny_model(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    outcome = run_process("label", listing, "--out", out, "--model", model, "--quiet")
    assert outcome.code == 1, outcome.err
    assert_one_error(outcome, specials["fifo"], "FIFO")
    assert sorted(p.name for p in out.iterdir()) == ["good.TextGrid"]


@pytest.mark.parametrize("name", ["socket", "device"])
def test_other_kinds_through_info(
    specials: dict[str, Path], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = specials[name]
    line = assert_one_error(run_cli(capsys, "info", path), path, "")
    assert name in line.replace(str(path), ""), line
