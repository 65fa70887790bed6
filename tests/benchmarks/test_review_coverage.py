"""The review-coverage benchmark's counting (hand-made frames) and one run on a tiny model."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from annotator.review.queue import ReviewItem
from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

bench = load_benchmark("review_coverage")


def item(start: float, end: float, lane: str = "speech", score: float = 1.0) -> ReviewItem:
    return ReviewItem(lane, start, end, "uncertain", score, "")


def test_random_stretches_cover_exactly_their_length_without_overlap():
    region = np.ones(200, dtype=bool)
    region[50:60] = False  # a hole in the UEM is never covered
    rng = np.random.default_rng(0)
    for _ in range(50):
        mask = bench.random_mask([30, 5, 12], region, rng)
        assert mask.sum() == 47 and not (mask & ~region).any()
    assert bench.chronological_mask(55, region).sum() == 55
    assert np.flatnonzero(bench.chronological_mask(55, region))[-1] == 64


def test_tally_counts_every_lane_under_an_item_and_the_baselines_cover_the_same():
    T = 100  # 2 s
    region = np.ones(T, dtype=bool)
    speech = np.zeros(T, dtype=bool)
    speech[80:90] = True
    noise = np.zeros(T, dtype=bool)
    noise[85:95] = True
    items = [item(1.6, 1.8, "overlap"), item(0.0, 0.2, score=0.5), item(1.7, 1.9, score=0.1)]
    frames = bench.FileFrames("f", region, {"speech": speech, "noise": noise}, {"q": items})
    tally = bench.Tally()
    bench.tally_file(frames, "q", 1, 20, np.random.default_rng(0), tally)
    row = tally.row()
    # the first item (an overlap item) covers 1.6-1.8 s: it holds speech 80-90 and noise 85-90
    assert row["first_audio"] == pytest.approx(0.1)
    assert row["first_wrong"] == pytest.approx(15 / 20)
    assert row["chrono_wrong"] == 0.0  # the first 10 frames hold nothing
    assert 0.0 < row["random_wrong"] < 0.75
    assert row["all_audio"] == pytest.approx(0.25) and row["all_wrong"] == pytest.approx(1.0)
    assert tally.kinds_first == {"uncertain": 1}


def test_a_run_on_a_tiny_model_prints_before_and_after(tmp_path, capsys, monkeypatch):
    model = tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov"))
    demo = tmp_path / "demo"
    demo.mkdir()
    rng = np.random.default_rng(0)
    t = np.arange(3 * 16000) / 16000
    audio = 0.2 * np.sin(2 * np.pi * 220 * t) * (t > 1.0) + 0.01 * rng.standard_normal(t.size)
    sf.write(demo / "demo.wav", audio.astype(np.float32), 16000)
    (demo / "demo.rttm").write_text("SPEAKER demo 1 1.000 2.000 <NA> <NA> speech <NA> <NA>\n")
    out = tmp_path / "rows.json"
    code = bench.main(["--model", str(model), "--demo", str(demo), "--ami",
                       str(tmp_path / "none"), "--draws", "3", "--json", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    for queue in ("posterior", "before", "after"):
        assert f"demo       {queue}" in printed
    assert "none stored (each recording" in printed  # the tiny model has no reference profile
    assert "none stored ('after' is the uncalibrated queue)" in printed
    import json

    rows = json.loads(out.read_text())
    assert [(r["set"], r["queue"]) for r in rows] == [
        ("demo", "posterior"), ("demo", "before"), ("demo", "after"),
    ]  # fmt: skip
    assert all(r["audio_s"] == pytest.approx(3.0, abs=0.05) for r in rows)
    # with a cache, the validation mixtures (samples in memory, no file) are labelled too
    from segmenter.training.data import Recording

    mixture = Recording(
        uri="val00", path=tmp_path / "val.mix", duration=3.0,
        spans={"sp": [(1.0, 3.0)], "mu": [], "no": [], "ov": []},
        annotated=("sp", "mu", "no", "ov"), audio=audio.astype(np.float32),
    )  # fmt: skip
    seen = {}

    def fake_validation(cache, exclude=()):
        seen["args"] = (cache, tuple(exclude))
        return [mixture]

    monkeypatch.setattr(bench, "validation_set", fake_validation)
    monkeypatch.setattr(bench, "held_out_sources", lambda cache, training: ("new-package",))
    code = bench.main(["--model", str(model), "--demo", str(tmp_path / "none"), "--ami",
                       str(tmp_path / "none"), "--cache", str(tmp_path), "--draws", "3",
                       "--json", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0 and seen["args"] == (tmp_path, ("new-package",))
    assert "added to the cache after the model was built (1: new-package" in printed
    rows = json.loads(out.read_text())
    assert [(r["set"], r["queue"]) for r in rows] == [
        ("validation", "posterior"), ("validation", "before"), ("validation", "after"),
    ]  # fmt: skip
    assert rows[0]["wrong_s"] > 0 and rows[0]["audio_s"] == pytest.approx(3.0, abs=0.05)
