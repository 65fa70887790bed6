"""``benchmarks/fuzz_readers.py`` with a CI-sized budget (the full 10^5 runs from benchmarks/)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.robustness._checks import ROOT

BUDGET = 700  # 100 per reader: ~5 s on two busy cores


def load_benchmark(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("fuzz_readers")


def test_readers_raise_only_our_one_line_errors(bench: ModuleType) -> None:
    results = bench.run(BUDGET, at=7)
    readers = ["textgrid", "rttm", "audacity", "eaf", "csv", "json", "sidecar"]
    assert [s.reader for s in results] == readers
    for stats in results:
        assert stats.tried == BUDGET // len(readers), stats.reader
        assert stats.failures == [], (stats.reader, stats.failures[:3])


def test_the_harness_reports_a_reader_that_crashes(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader leaking a KeyError must show up as failures, not pass silently."""
    seeds = bench.seed_files(tmp_path, count=2)

    def leaky(path: Path):
        raise KeyError("lanes")

    monkeypatch.setattr(bench, "read_annotation", leaky)
    stats = bench.fuzz("rttm", 20, seeds["rttm"], tmp_path)
    assert stats.tried == 20 and len(stats.failures) == 20
    assert stats.failures[0].startswith("KeyError")
