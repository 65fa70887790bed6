"""An output folder the run cannot write in fails at once, in one line (issue 19, weak spot).

It used to fail only after the model had run on every recording, once per recording, with a raw
``[Errno 30]`` naming a hidden temporary file. The lock a run takes on its output folder is the
first file it writes there, so the problem now shows before any recording is touched.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import soundfile as sf

from tests.robustness._checks import assert_one_error, is_root, run_cli
from tests.robustness.catalogue import tone


def read_only_file_system(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file made in ``out`` fails as on a read-only mount (root ignores permissions)."""
    from annotator.batch import lock

    def refuse(path: str | os.PathLike[str], *args: object, **kwargs: object) -> object:
        if Path(path).parent == out:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return open(path, *args, **kwargs)  # noqa: SIM115 - the caller closes it

    monkeypatch.setattr(lock, "open", refuse, raising=False)


def no_permission(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out.chmod(0o555)


@pytest.mark.parametrize(
    ("make_read_only", "reason"),
    [
        (read_only_file_system, "read-only file system"),
        pytest.param(
            no_permission, "permission denied",
            marks=pytest.mark.skipif(is_root(), reason="root writes in a 0555 folder anyway"),
        ),
    ],
    ids=["read-only-mount", "no-permission"],
)  # fmt: skip
def test_a_read_only_out_fails_before_any_recording(
    gated: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make_read_only: Callable[[Path, pytest.MonkeyPatch], None],
    reason: str,
) -> None:
    corpus, out, gate = tmp_path / "corpus", tmp_path / "out", tmp_path / "gate"
    corpus.mkdir()
    out.mkdir()
    for name in ("a", "b"):
        sf.write(corpus / f"{name}.wav", tone(seconds=0.3), 16000)
    gate.with_suffix(".go").touch()
    make_read_only(out, monkeypatch)
    try:
        outcome = run_cli(capsys, "label", corpus, "--out", out, "--prelabeler", "gated",
                          "--option", f"gate={gate}", "--format", "json")  # fmt: skip
    finally:
        out.chmod(0o755)
    line = assert_one_error(outcome, out, "cannot write in the output folder")
    assert reason in line.lower() and "[Errno" not in line and ".partial" not in line, line
    assert not gate.with_suffix(".started").exists(), "the pre-labeler ran on a recording"
    assert list(out.iterdir()) == []
