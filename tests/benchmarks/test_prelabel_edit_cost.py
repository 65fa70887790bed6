"""The pre-label edit-cost benchmark: sets, systems and table, on the demo with a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

bench = load_benchmark("prelabel_edit_cost")


def test_every_set_gets_an_empty_lanes_row_and_the_table_prints(tmp_path: Path) -> None:
    model = bench.model_system(
        tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov"))
    )
    demo = bench.demo_set()
    results = bench.run_benchmark({"demo": demo}, {"tiny": model})
    empty = results["demo"]["empty lanes"]["classes"]
    # labelling from scratch adds every reference segment (after the rule closes gaps < 0.3 s)
    assert empty["sp"]["edits"]["add"] > 0 and empty["sp"]["edits"]["delete"] == 0
    assert empty["sp"]["edits_per_min"] == pytest.approx(empty["sp"]["empty_edits_per_min"])
    tiny = results["demo"]["tiny"]
    assert set(tiny["classes"]) == {"sp", "mu", "no", "ov"}
    text = bench.format_results(results, ("sp", "mu", "no", "ov"))
    assert "empty lanes" in text and "tiny" in text and "total" in text


def test_ami_music_counts_as_annotated_and_empty(tmp_path: Path) -> None:
    ami = Path(bench.DEFAULT_AMI)
    if not (ami / "dev.rttm").is_file():
        pytest.skip(f"{ami} not present")
    recordings = bench.ami_set(ami)
    assert all(r.annotated == ("sp", "mu", "ov") and not r.spans.get("mu") for r in recordings)


def test_silero_row_is_speech_only_when_installed() -> None:
    silero = bench.silero_system()
    if silero is None:
        pytest.skip("silero-vad not installed")
    hyps = silero(bench.demo_set())
    assert set(hyps["demo"]) == {"sp"} and hyps["demo"]["sp"]
