"""Training: held-out groups, class weighting, early stopping, figures that can fail."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.probe import ProbeError
from segmenter.probe.metrics import single_label_metrics
from segmenter.probe.train import Example, TrainOptions, split_groups, train_probe


def _frames(rng: np.random.Generator, label: int, T: int, K: int = 6) -> np.ndarray:
    H = rng.gamma(1.0, 0.5, size=(K, T))
    H[label] += 2.0  # component `label` is on for class `label`
    return H


def test_split_holds_out_whole_groups_per_class() -> None:
    groups = [f"g{i}" for i in range(10)]
    strata = [0] * 5 + [1] * 4 + [2]
    held = split_groups(groups, strata, 0.2, seed=0)
    assert held <= set(groups)
    assert len(held & set(groups[:5])) == 1 and len(held & set(groups[5:9])) == 1
    assert "g9" not in held  # a class's only group stays on the training side
    assert split_groups(groups, strata, 0.2, seed=0) == held


def test_file_level_single_label_learns_and_generalises() -> None:
    rng = np.random.default_rng(0)
    examples = [Example(f"rec{i}", _frames(rng, i % 3, 40), i % 3) for i in range(30)]
    probe, report = train_probe(examples, ("a", "b", "c"), level="file", mode="single")
    assert set(report["validation_groups"]).isdisjoint(report["train_groups"])
    assert report["validation"]["accuracy"] >= 0.9
    assert report["validation"]["uar"] >= 0.9
    assert probe.metrics["uar"] == report["validation"]["uar"]
    # the probe reads raw H: the standardisation was folded into its weights
    label, _ = probe.file_label(_frames(rng, 2, 40))
    assert label == "c"


def test_frame_level_multilabel_with_a_rare_class() -> None:
    """A class on 5 % of the frames is still found thanks to class weighting."""
    rng = np.random.default_rng(1)
    examples = []
    for i in range(8):
        T = 400
        H = rng.gamma(1.0, 0.5, size=(6, T))
        target = np.zeros((1, T), dtype=np.float32)
        target[0, 100:120] = 1
        H[3, 100:120] += 5.0
        examples.append(Example(f"rec{i}", H, target))
    probe, report = train_probe(
        examples,
        ("laugh",),
        level="frame",
        mode="multilabel",
        options=TrainOptions(validation=0.25),
    )
    row = report["validation"]["classes"]["laugh"]
    assert row["f1"] > 0.8, row
    assert report["validation"]["uar"] > 0.85


def test_frame_level_single_label_ignores_unlabelled_frames() -> None:
    rng = np.random.default_rng(2)
    examples = []
    for i in range(6):
        H = np.concatenate([_frames(rng, 0, 50), _frames(rng, 1, 50), _frames(rng, 2, 50)], 1)
        target = np.repeat([0, 1, -1], 50)  # the last third is unlabelled (and looks like c)
        examples.append(Example(f"rec{i}", H, target))
    probe, report = train_probe(examples, ("a", "b"), level="frame", mode="single")
    assert report["train_rows"] + report["validation_rows"] == 6 * 100
    assert report["validation"]["accuracy"] > 0.95


def test_early_stopping_stops_before_max_epochs() -> None:
    rng = np.random.default_rng(3)
    examples = [Example(f"r{i}", _frames(rng, i % 2, 30), i % 2) for i in range(12)]
    _, report = train_probe(
        examples,
        ("a", "b"),
        level="file",
        mode="single",
        options=TrainOptions(max_epochs=500, patience=5),
    )
    assert report["epochs"] < 500
    assert report["best_epoch"] <= report["epochs"]


def test_random_labels_score_near_chance() -> None:
    """The held-out figures are honest: labels unrelated to H give about chance UAR."""
    rng = np.random.default_rng(4)
    examples = [
        Example(f"r{i}", rng.gamma(1.0, 1.0, size=(6, 20)), int(rng.integers(0, 2)))
        for i in range(80)
    ]
    _, report = train_probe(
        examples, ("a", "b"), level="file", mode="single", options=TrainOptions(validation=0.5)
    )
    assert report["validation"]["uar"] < 0.7


def test_one_class_only_is_refused() -> None:
    rng = np.random.default_rng(5)
    examples = [Example(f"r{i}", _frames(rng, 0, 10), 0) for i in range(4)]
    with pytest.raises(ProbeError, match="no file is labelled 'b'"):
        train_probe(examples, ("a", "b"), level="file", mode="single")


def test_uar_against_hand_computation() -> None:
    y = np.array([0, 0, 0, 0, 1])
    pred = np.array([0, 0, 0, 0, 0])
    m = single_label_metrics(y, pred, ("a", "b"))
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["uar"] == pytest.approx(0.5)
    assert m["classes"]["b"]["f1"] == 0.0


def test_onsets_are_tuned_on_training_recordings_only() -> None:
    """Class weighting makes a rare lane's posteriors run high: at 0.5 it over-fires, and the
    onset chosen for the best F1 on the training side does better on held-out recordings."""
    from segmenter.probe.train import ONSETS, tune_onsets

    rng = np.random.default_rng(7)
    examples = []
    for i in range(10):
        H = rng.gamma(1.0, 0.5, size=(6, 400))
        target = np.zeros((1, 400), dtype=np.float32)
        target[0, 100:120] = 1
        H[3, 100:120] += 2.0
        examples.append(Example(f"r{i}", H, target))
    plain, at_half = train_probe(examples, ("laugh",), level="frame", mode="multilabel",
                                 options=TrainOptions(validation=0.3, tune_onsets=False))  # fmt: skip
    tuned, report = train_probe(examples, ("laugh",), level="frame", mode="multilabel",
                                options=TrainOptions(validation=0.3))  # fmt: skip
    assert plain.thresholds["laugh"].onset == 0.5
    onset = tuned.thresholds["laugh"].onset
    assert onset in ONSETS and onset > 0.5
    assert tuned.thresholds["laugh"].offset == pytest.approx(onset - 0.1)
    held_out = {ex.group for ex in examples} - set(report["train_groups"])
    assert held_out == set(report["validation_groups"])
    train_side = [ex for ex in examples if ex.group not in held_out]
    assert tune_onsets(plain, train_side)["laugh"].onset == onset  # chosen without held-out data
    f1 = report["validation"]["classes"]["laugh"]["f1"]
    assert f1 > at_half["validation"]["classes"]["laugh"]["f1"] + 0.1
