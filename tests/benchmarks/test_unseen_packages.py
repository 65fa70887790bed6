"""The unseen-package benchmark end to end on a tiny on-disk cache: train on the rest, score a
model, and say so when a model heard the held-out packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchmarks import load_benchmark
from tests.segmenter.recipes.test_train_recipe import TINY
from tests.segmenter.recipes.tiny_cache import write_tiny_cache
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"tune_chunks": 6, "eval_chunks": 6, "chunks_per_recording": 3}


bench = load_benchmark("unseen_packages")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_cache(tmp_path_factory.mktemp("cache"))


def test_train_on_the_rest_then_score_the_model_it_wrote(cache: Path, tmp_path: Path) -> None:
    config = bench.bench_config(True, fraction=0.2, hold_out_seed=1, **TINY)
    out = tmp_path / "unseen.safetensors"
    report = bench.train_and_score(cache, config, out=out, work=tmp_path / "w", log=lambda s: None)
    assert report["unseen"] and report["trained_on_held_out"] == []
    assert set(report["rows"]) == {"sp", "mu", "no", "ov"}
    assert report["hold_out"]["seed"] == 1 and report["hold_out"]["sources"]
    sp = report["rows"]["sp"]
    assert sp["gap"] == pytest.approx(sp["in_package_f1"] - sp["unseen_f1"])
    assert sp["unseen_empty_edits_per_min"] > 0
    text = bench.format_report(report)
    assert "unseen F1" in text and "WARNING" not in text
    # the model it wrote remembers its hold-out: scoring it again is still an unseen figure
    again = bench.score_model(cache, out, overrides=SMALL, log=lambda s: None)
    assert again["unseen"] and again["hold_out"]["sources"] == report["hold_out"]["sources"]
    # a model that heard every package is not unseen-package evaluated, and is told so
    heard_all = tiny_model_file(tmp_path)
    other = bench.score_model(cache, heard_all, overrides=SMALL, log=lambda s: None)
    assert not other["unseen"]
    assert set(other["trained_on_held_out"]) == set(other["hold_out"]["sources"])
    assert "NOT unseen-package figures" in bench.format_report(other)


def test_command_line_scores_a_model_and_writes_json(
    cache: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    model = tiny_model_file(tmp_path)
    out = tmp_path / "report.json"
    args = ["--cache", str(cache), "--model", str(model), "--chunks", "6", "--json", str(out)]
    monkeypatch.setitem(bench.QUICK, "tune_chunks", 6)  # quick, and tiny for a test
    assert bench.main([*args, "--quick", "--hold-out-seed", "2"]) == 0
    printed = capsys.readouterr().out
    assert "QUICK mode" in printed and "WARNING" in printed and "in-pkg F1" in printed
    report = json.loads(out.read_text())
    assert report["hold_out"]["seed"] == 2 and report["quick"] and not report["unseen"]
    assert bench.main(["--cache", str(cache), "--model", str(model), "--fraction", "1.5"]) == 1
    assert "fraction must be in (0, 1)" in capsys.readouterr().err


@pytest.mark.skipif(not (ROOT / "cache" / "manifest.json").exists(), reason="cache not fetched")
def test_a_model_on_the_fetched_cache(tmp_path: Path) -> None:
    report = bench.score_model(
        ROOT / "cache", tiny_model_file(tmp_path), overrides=SMALL, log=lambda s: None
    )
    assert all(report["hold_out"]["packages"][k] for k in ("speech", "music", "noise"))
    for name in ("in_package", "unseen_pkg"):
        assert report["metrics"][name]["classes"]["sp"]["reference_s"] > 0
