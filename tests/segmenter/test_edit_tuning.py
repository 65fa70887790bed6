"""Tuning for edits: on planted posteriors, it removes fragments F1 tuning keeps, and the chosen
thresholds, applied by ``decide``, score the edits and F1 the tuner reported."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.decisions import decide
from segmenter.evaluation import EvaluationError, corpus_edits, evaluate
from segmenter.evaluation.edit_tuning import EMPTY_LANE, EditGrid, tune_for_edits

D = 0.02


def _planted() -> tuple[dict, dict, dict]:
    """Three 60-s files, each with seven 4-s events at 0.9 whose true edges are 0.18-s ramps at
    0.7 (behind a one-frame dip), and 25 false blips of 0.06 s at 0.7 between them. Onset 0.65
    wins the ramps' time (the best F1) and costs a deletion per blip; onset 0.8 misses the ramps (F1
    about 0.015 lower) but every boundary stays within the rule's 0.2 s: no edit at all."""
    posteriors, references, uems = {}, {}, {}
    for f in range(3):
        p = np.full(3000, 0.05)
        ref = []
        for start in range(2, 58, 8):
            first, last = start * 50, (start + 4) * 50
            p[first - 9 : first - 1] = p[last + 1 : last + 9] = 0.7
            p[first - 1] = p[last] = 0.6  # a dip: hysteresis cannot carry an event into a ramp
            p[first:last] = 0.9
            ref.append(((first - 9) * D, (last + 9) * D))
        for k in range(25):
            at = 2 * 50 + 4 * 50 + 20 + (k % 7) * 400 + (k // 7) * 40 + f * 3
            p[at : at + 3] = 0.7
        posteriors[f"f{f}"] = p[None, :]
        references[f"f{f}"] = {"no": ref}
        uems[f"f{f}"] = [(0.0, 60.0)]
    return posteriors, references, uems


GRID = EditGrid(onsets=(0.65, 0.8), offsets=(0.65, 0.8), min_on=(0.0,), min_off=(0.0,),
                min_confidence=(0.0,))  # fmt: skip


def test_fewer_edits_than_the_f1_choice_within_tolerance() -> None:
    posteriors, references, uems = _planted()
    tuned = tune_for_edits(posteriors, references, uems, classes=("no",), grid=GRID)["no"]
    assert tuned.edits_at_best_f1.delete > 50  # blips within 0.3 s of another merge into it
    assert tuned.thresholds.onset == 0.8 and tuned.edits.total == 0
    assert 0.005 < tuned.best_f1 - tuned.f1 <= 0.02


def test_reported_figures_are_what_decide_gives() -> None:
    posteriors, references, uems = _planted()
    grid = EditGrid(min_on=(0.0, 0.1), min_off=(0.0, 0.5), min_confidence=(0.0, 0.8))
    for tolerance in (0.0, 0.02):
        tuned = tune_for_edits(posteriors, references, uems, ("no",), grid, tolerance)["no"]
        hyps = {u: decide(p, {"no": tuned.thresholds}, ("no",)) for u, p in posteriors.items()}
        edits = corpus_edits(references, hyps, uems, classes=("no",))
        scores = evaluate(references, hyps, uems, classes=("no",))
        assert edits.totals["no"] == tuned.edits
        assert edits.minutes == pytest.approx(tuned.minutes)
        assert scores.time["no"].f1 == pytest.approx(tuned.f1, abs=1e-9)


def test_zero_tolerance_keeps_the_best_f1_unless_that_costs_more_than_an_empty_lane() -> None:
    posteriors, references, uems = _planted()
    unguarded = tune_for_edits(
        posteriors, references, uems, ("no",), GRID, f1_tolerance=0, empty_lane_guard=False
    )["no"]
    assert unguarded.f1 == pytest.approx(unguarded.best_f1) and unguarded.thresholds.onset == 0.65
    assert unguarded.edits.total > unguarded.empty_edits.total == 21  # 75 blips against 21 adds
    tuned = tune_for_edits(posteriors, references, uems, ("no",), GRID, f1_tolerance=0)["no"]
    assert tuned.guarded and tuned.thresholds.onset == 0.8 and tuned.edits.total == 0


def test_confidence_floor_drops_weak_segments_in_decide() -> None:
    from segmenter.decisions import Thresholds

    p = np.array([[0.9] * 20 + [0.0] * 10 + [0.6] * 20])
    assert len(decide(p, Thresholds(0.5, 0.5), ("no",))["no"]) == 2
    kept = decide(p, Thresholds(0.5, 0.5, min_confidence=0.7), ("no",))["no"]
    assert [(round(d.start, 2), round(d.end, 2)) for d in kept] == [(0.0, 0.4)]


def test_bad_tolerance_is_refused() -> None:
    posteriors, references, _ = _planted()
    with pytest.raises(EvaluationError, match="f1_tolerance"):
        tune_for_edits(posteriors, references, classes=("no",), grid=GRID, f1_tolerance=2)


def _blips_beside_few_events() -> tuple[dict, dict, dict]:
    """Three 60-s files, each with two 4-s events at 0.6 and 30 false 0.06-s blips at 0.6: onset
    0.5 wins all the event time (F1 about 0.97) and costs 30 deletions a file, more than the 2
    additions an empty lane costs; onset 0.9 finds nothing."""
    posteriors, references, uems = {}, {}, {}
    for f in range(3):
        p = np.full(3000, 0.05)
        ref = []
        for start in (10, 40):
            p[start * 50 : (start + 4) * 50] = 0.6
            ref.append((float(start), float(start + 4)))
        for k in range(30):
            at = 200 + k * 80 + (1000 if k >= 10 else 0) + f
            at = at if at < 2900 else at - 2600
            p[at : at + 3] = 0.6
        posteriors[f"f{f}"] = p[None, :]
        references[f"f{f}"] = {"ov": ref}
        uems[f"f{f}"] = [(0.0, 60.0)]
    return posteriors, references, uems


def test_a_lane_costlier_than_an_empty_one_takes_the_fewest_edits() -> None:
    posteriors, references, uems = _blips_beside_few_events()
    grid = EditGrid(onsets=(0.5, 0.9), offsets=(0.5, 0.9), min_on=(0.0,), min_off=(0.0,),
                    min_confidence=(0.0,))  # fmt: skip
    tuned = tune_for_edits(posteriors, references, uems, ("ov",), grid)["ov"]
    assert tuned.edits_at_best_f1.delete >= 30 and tuned.best_f1 > 0.9
    assert tuned.empty_edits.add == 6 and tuned.empty_edits.total == 6
    assert tuned.guarded and tuned.thresholds.onset == 0.9
    assert tuned.edits.total <= tuned.empty_edits.total


def test_the_guard_stays_out_of_a_lane_that_saves_work() -> None:
    posteriors, references, uems = _planted()
    tuned = tune_for_edits(posteriors, references, uems, classes=("no",), grid=GRID)["no"]
    assert not tuned.guarded and tuned.edits.total < tuned.empty_edits.total


def _a_small_saving() -> tuple[dict, dict, dict]:
    """Three 60-s files, each with ten 2-s events at 0.9 and nine false 1-s stretches at 0.9
    between them: any threshold finds both, 9 deletions against the empty lane's 10 additions
    (a 10 % saving)."""
    posteriors, references, uems = {}, {}, {}
    for f in range(3):
        p = np.full(3000, 0.05)
        ref = []
        for k in range(10):
            start = 1 + 6 * k
            p[start * 50 : (start + 2) * 50] = 0.9
            ref.append((float(start), float(start + 2)))
            if k < 9:
                p[start * 50 + 175 : start * 50 + 225] = 0.9
        posteriors[f"f{f}"] = p[None, :]
        references[f"f{f}"] = {"ov": ref}
        uems[f"f{f}"] = [(0.0, 60.0)]
    return posteriors, references, uems


def test_a_lane_saving_less_than_min_saving_is_left_empty() -> None:
    posteriors, references, uems = _a_small_saving()
    kept = tune_for_edits(posteriors, references, uems, ("ov",), GRID, min_saving=0.05)["ov"]
    assert not kept.guarded and (kept.edits.total, kept.empty_edits.total) == (27, 30)
    tuned = tune_for_edits(posteriors, references, uems, ("ov",), GRID, min_saving=0.2)["ov"]
    assert tuned.guarded and tuned.thresholds == EMPTY_LANE
    assert tuned.edits == tuned.empty_edits and tuned.f1 == 0.0
    assert all(not decide(p, {"ov": EMPTY_LANE}, ("ov",))["ov"] for p in posteriors.values())
    saturated = np.ones((1, 500))  # the one way through: a posterior of exactly 1 throughout
    assert decide(saturated, {"ov": EMPTY_LANE}, ("ov",))["ov"]
    with pytest.raises(EvaluationError, match="min_saving"):
        tune_for_edits(posteriors, references, uems, ("ov",), GRID, min_saving=1.0)
