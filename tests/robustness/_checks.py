"""What every bad input must satisfy, as small functions the catalogue tests share.

A bad input ends in exactly one ``annotator: <file>: <reason>`` line on stderr, no traceback,
exit code 1 (or the failure count of a corpus run), and no file that existed before is changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotator.cli import main

ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))

#: Files above this size are fingerprinted by their size, mtime and first MiB (the 4 GiB sparse).
BIG = 16 * 1024 * 1024


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> Outcome:
    """``annotator ARGV`` in this process: a traceback would fail the test as an exception."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


#: Generous for a loaded 2-core machine; a FIFO opened by mistake blocks for ever.
TIME_LIMIT = 180


def run_process(*argv: str | Path, env: dict[str, str] | None = None) -> Outcome:
    """``python -m annotator ARGV`` in its own process (real warnings, a hang that cannot stop
    the suite): failed, not hung, past ``TIME_LIMIT``."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "annotator", *map(str, argv)],
            capture_output=True, text=True, cwd=ROOT, timeout=TIME_LIMIT, env=env,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"annotator {' '.join(map(str, argv))} still ran after {TIME_LIMIT} s (hung?)")
    return Outcome(done.returncode, done.stdout, done.stderr)


def _fingerprint(path: Path) -> str:
    if path.is_dir():
        return "<folder>"
    stat = path.stat()
    if stat.st_size > BIG:
        with open(path, "rb") as handle:
            head = hashlib.sha256(handle.read(1 << 20)).hexdigest()
        return f"{stat.st_size}:{stat.st_mtime_ns}:{head}"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except PermissionError:
        return f"<unreadable {stat.st_size}:{stat.st_mtime_ns}>"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a fingerprint of its content."""
    return {p.relative_to(folder).as_posix(): _fingerprint(p) for p in sorted(folder.rglob("*"))}


def assert_untouched(before: dict[str, str], after: dict[str, str]) -> None:
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert not changed, f"changed or removed: {changed}"


def assert_one_error(outcome: Outcome, path: Path, reason: str, code: int = 1) -> str:
    """Exactly one stderr line, naming ``path`` and containing ``reason`` (case-insensitive)."""
    lines = outcome.err.splitlines()
    assert outcome.code == code, (outcome.code, outcome.err)
    assert len(lines) == 1, outcome.err
    line = lines[0]
    assert line.startswith("annotator: ") and str(path) in line, line
    assert reason.lower() in line.lower(), f"{reason!r} not in {line!r}"
    assert "Traceback" not in outcome.err + outcome.out
    return line


def is_root() -> bool:
    """Root reads a chmod-000 file anyway, so permission cases cannot be staged."""
    return hasattr(os, "geteuid") and os.geteuid() == 0
