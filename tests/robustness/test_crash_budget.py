"""``benchmarks/crash_safety.py`` with a few kills in CI (the 200-kill run is in benchmarks/)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.annotator.formats.test_formats_malformed import GOOD_TEXTGRID
from tests.robustness.test_fuzz_budget import load_benchmark

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("crash_safety")


def test_exports_survive_kills(bench: ModuleType, tmp_path: Path) -> None:
    tally = bench.export_trials(3, seed=5, folder=tmp_path)
    assert tally.kills == 3 and tally.violations == []
    assert (tmp_path / "export.TextGrid").exists()  # the child really exported between kills


@pytest.mark.slow
def test_a_killed_corpus_run_resumes_to_exactly_one_output_each(
    bench: ModuleType, tmp_path: Path
) -> None:
    tally = bench.label_trials(1, seed=3, folder=tmp_path)
    assert tally.violations == []
    outputs = sorted(p.name for p in (tmp_path / "out0").rglob("*") if p.is_file())
    assert len(outputs) == 12 and not any(n.startswith(".") for n in outputs)


def test_the_output_check_sees_torn_and_half_written_outputs(
    bench: ModuleType, tmp_path: Path
) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    for key in ("a", "b"):
        (corpus / f"{key}.wav").parent.mkdir(parents=True, exist_ok=True)
        (corpus / f"{key}.wav").write_bytes(b"")
    out.mkdir()
    (out / "a.TextGrid").write_text(GOOD_TEXTGRID[:200], encoding="utf-8")
    (out / "a.rttm").write_text("SPEAKER a 1 0 1 <NA> <NA> x <NA> <NA>\n", encoding="utf-8")
    (out / "b.TextGrid").write_text(GOOD_TEXTGRID, encoding="utf-8")
    (out / ".b.x1234567.partial.rttm").write_text("", encoding="utf-8")
    problems = " | ".join(bench._check_outputs(corpus, out, complete=True))
    assert "a.TextGrid torn" in problems and "b: missing" in problems
    assert "temporary files left" in problems
