"""Scores against hand-computed values; pyannote vs frame counts; tuning recovers planted values."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.decisions import Thresholds, decide, frame_runs
from segmenter.evaluation import (
    DetectionCounts,
    EvaluationError,
    ThresholdGrid,
    evaluate,
    format_table,
    frame_counts,
    harmonic_mean,
    time_counts,
    to_frames,
    tune_thresholds,
    tune_thresholds_detailed,
)

D = 0.02


def test_time_counts_hand_computed() -> None:
    # ref [0,2) [3,5), hyp [1,4): correct [1,2)+[3,4) = 2, hyp 3, ref 4
    c = time_counts([(0, 2), (3, 5)], [(1, 4)], [(0, 5)])
    assert (c.retrieved, c.relevant, c.relevant_retrieved) == pytest.approx((3, 4, 2))
    assert (c.precision, c.recall, c.f1) == pytest.approx((2 / 3, 0.5, 4 / 7))


def test_time_counts_restricted_to_uem() -> None:
    # inside [0, 3.5): ref [0,2)+[3,3.5) = 2.5, hyp [1,3.5) = 2.5, correct [1,2)+[3,3.5) = 1.5
    c = time_counts([(0, 2), (3, 5)], [(1, 4)], [(0, 3.5)])
    assert (c.retrieved, c.relevant, c.relevant_retrieved) == pytest.approx((2.5, 2.5, 1.5))
    # without a UEM, everything counts
    c = time_counts([(0, 2), (3, 5)], [(1, 4), (6, 7)])
    assert (c.retrieved, c.relevant, c.relevant_retrieved) == pytest.approx((4, 4, 2))


def test_empty_sides_follow_pyannote_conventions() -> None:
    assert time_counts([], []) == DetectionCounts()
    nothing_found = time_counts([(0, 1)], [], [(0, 2)])
    assert (nothing_found.precision, nothing_found.recall, nothing_found.f1) == (1.0, 0.0, 0.0)
    false_alarm = time_counts([], [(0, 1)], [(0, 2)])
    assert (false_alarm.precision, false_alarm.recall, false_alarm.f1) == (0.0, 1.0, 0.0)


def test_corpus_scores_sum_components_over_files() -> None:
    refs = {"a": {"sp": [(0, 10)]}, "b": {"sp": [(0, 1)]}}
    hyps = {"a": {"sp": [(0, 10)]}, "b": {"sp": [(0, 0.5)]}}
    result = evaluate(refs, hyps, classes=("sp",))
    sp = result.time["sp"]
    assert (sp.retrieved, sp.relevant, sp.relevant_retrieved) == pytest.approx((10.5, 11, 10.5))
    # corpus F1 = 2·1·(10.5/11) / (1 + 10.5/11) = 21/21.5, not the mean of 1 and 2/3
    assert sp.f1 == pytest.approx(21 / 21.5)
    assert [r["f1"] for r in result.rows] == pytest.approx([1.0, 2 / 3])
    assert result.summary_f1 == pytest.approx(21 / 21.5)


def test_summary_is_harmonic_mean_of_class_f1() -> None:
    refs = {"a": {"sp": [(0, 4)], "mu": [(0, 2)]}}
    hyps = {"a": {"sp": [(0, 4)], "mu": [(0, 1)]}}  # sp F1 1, mu P 1 R 0.5 F1 2/3
    result = evaluate(refs, hyps, uems={"a": [(0, 4)]}, classes=("sp", "mu"))
    assert result.summary_f1 == pytest.approx(2 / (1 / 1 + 1 / (2 / 3)))
    assert harmonic_mean([0.5, 0.0]) == 0.0


def test_frame_counts_hand_computed_and_masked() -> None:
    ref = np.array([1, 1, 0, 0, 1], bool)
    hyp = np.array([0, 1, 1, 0, 1], bool)
    c = frame_counts(ref, hyp)
    assert (c.retrieved, c.relevant, c.relevant_retrieved) == (3, 3, 2)
    c = frame_counts(ref, hyp, mask=np.array([1, 1, 1, 1, 0], bool), frame_duration=D)
    assert (c.retrieved, c.relevant, c.relevant_retrieved) == pytest.approx((2 * D, 2 * D, D))


def test_to_frames_uses_frame_centres() -> None:
    # [0.03, 0.07) holds the centres 0.03 (frame 1) and 0.05 (frame 2); 0.07 is excluded
    assert to_frames([(0.03, 0.07)], 5, D).tolist() == [False, True, True, False, False]
    assert to_frames([(0.06, 0.08)], 5, D).tolist() == [False, False, False, True, False]


@settings(max_examples=40, deadline=None)
@given(
    ref=st.lists(st.booleans(), min_size=1, max_size=80),
    hyp_seed=st.integers(0, 2**16),
    uem_from=st.integers(0, 20),
)
def test_pyannote_agrees_with_frame_f1_on_frame_aligned_segments(
    ref: list[bool], hyp_seed: int, uem_from: int
) -> None:
    ref_frames = np.array(ref)
    hyp_frames = np.random.default_rng(hyp_seed).random(len(ref)) < 0.5
    to_spans = lambda m: [(s * D, e * D) for s, e in zip(*frame_runs(m), strict=True)]  # noqa: E731
    uem = [(min(uem_from, len(ref)) * D, len(ref) * D)]
    tc = time_counts(to_spans(ref_frames), to_spans(hyp_frames), uem)
    fc = frame_counts(ref_frames, hyp_frames, to_frames(uem, len(ref), D), D)
    for a, b in zip(
        (tc.retrieved, tc.relevant, tc.relevant_retrieved),
        (fc.retrieved, fc.relevant, fc.relevant_retrieved),
        strict=True,
    ):
        assert a == pytest.approx(b, abs=1e-9)
    assert tc.f1 == pytest.approx(fc.f1, abs=1e-9)


def test_table_and_errors() -> None:
    refs = {"rec-1": {"sp": [(0, 2)]}}
    result = evaluate(refs, {"rec-1": {"sp": [(1, 2)]}}, classes=("sp",))
    text = result.table()
    assert "rec-1" in text and "(corpus)" in text and "summary F1" in text
    assert "0.667" in text  # F1 = 2·1·0.5/1.5
    lines = format_table(result.rows).splitlines()
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule aligned
    with pytest.raises(EvaluationError, match="rec-2"):
        evaluate(refs | {"rec-2": {}}, {"rec-1": {}}, classes=("sp",))
    with pytest.raises(EvaluationError, match="rec-1.*ends before"):
        evaluate(refs, {"rec-1": {"sp": [(2, 1)]}}, classes=("sp",))


def _planted_file(rng: np.random.Generator, n_blocks: int) -> tuple[np.ndarray, list]:
    """sp blocks open with a 0.8 peak then sit at 0.45; outside: 0.1 with decoy 1-frame spikes at
    0.6 and 0.45-level stretches. Only onset in (0.6, 0.8] and offset in (0.1, 0.45] are perfect."""
    p, ref, t = [], [], 0
    for _ in range(n_blocks):
        gap = [0.1] * rng.integers(4, 8) + [0.6] + [0.1] * 3 + [0.45] * 3 + [0.1] * 3
        block = [0.8] + [0.45] * int(rng.integers(3, 10))
        p += gap + block
        t += len(gap)
        ref.append((t * D, (t + len(block)) * D))
        t += len(block)
    p += [0.1] * 5
    return np.array(p), ref


def test_tuning_recovers_planted_hysteresis() -> None:
    rng = np.random.default_rng(0)
    posteriors, refs = {}, {}
    for uri in ("a", "b", "c"):
        curve, spans = _planted_file(rng, 6)
        posteriors[uri] = np.stack([curve, 1 - curve])
        refs[uri] = {"sp": spans, "mu": []}
    tuned = tune_thresholds_detailed(posteriors, refs, classes=("sp", "mu"))
    assert tuned["sp"].f1 == pytest.approx(1.0)
    # first perfect candidate in grid order: smallest onset above 0.6, smallest offset above 0.1
    assert tuned["sp"].thresholds == Thresholds(onset=0.65, offset=0.15)
    plain = tune_thresholds(
        posteriors,
        refs,
        classes=("sp", "mu"),
        grid=ThresholdGrid(onsets=[0.3, 0.5, 0.7], offsets=[0.3, 0.5, 0.7]),
    )
    assert plain["sp"] == Thresholds(onset=0.7, offset=0.3)


def test_tuning_recovers_planted_min_off() -> None:
    # three 10-frame sp blocks each broken by a 2-frame dip (0.04 s); blocks 8 frames apart
    block = [1.0] * 4 + [0.0] * 2 + [1.0] * 4
    curve = np.array(([0.0] * 8 + block) * 3 + [0.0] * 8)
    refs = {"a": {"sp": [((8 + 18 * i) * D, (18 + 18 * i) * D) for i in range(3)]}}
    grid = ThresholdGrid(onsets=[0.5], offsets=[0.5], min_off=[0.0, 0.02, 0.06, 0.2])
    tuned = tune_thresholds_detailed({"a": curve[None]}, refs, classes=("sp",), grid=grid)
    assert tuned["sp"].thresholds.min_off == 0.06  # fills 0.04 dips, not 0.16 gaps
    assert tuned["sp"].f1 == pytest.approx(1.0)


def test_tuning_scores_agree_with_evaluate_on_decided_segments() -> None:
    rng = np.random.default_rng(3)
    classes = ("sp", "mu")
    posteriors, refs, uems = {}, {}, {}
    for i, n in enumerate((150, 90, 200)):
        uri = f"f{i}"
        smooth = np.convolve(rng.random(n + 6), np.ones(7) / 7, mode="valid")
        posteriors[uri] = np.stack([smooth, rng.random(n)])
        # reference boundaries off the frame grid, one reaching beyond the posteriors
        refs[uri] = {
            "sp": [(0.013, 0.5), (0.77, 1.431), (n * D - 0.3, n * D + 0.2)],
            "mu": [(0.2, 0.9)],
        }
        uems[uri] = [(0.05, n * D - 0.511), (n * D - 0.4, n * D + 0.3)]
    grid = ThresholdGrid(onsets=[0.55], offsets=[0.45], min_on=[0.06], min_off=[0.1])
    tuned = tune_thresholds_detailed(posteriors, refs, uems, classes, grid)
    hyps = {
        u: decide(p, {c: tuned[c].thresholds for c in classes}, classes)
        for u, p in posteriors.items()
    }
    result = evaluate(refs, hyps, uems, classes)
    for c in classes:
        got, want = tuned[c].counts, result.time[c]
        assert got.retrieved == pytest.approx(want.retrieved, abs=1e-9)
        assert got.relevant == pytest.approx(want.relevant, abs=1e-9)
        assert got.relevant_retrieved == pytest.approx(want.relevant_retrieved, abs=1e-9)


def test_tuning_refuses_bad_input_and_is_fast() -> None:
    with pytest.raises(EvaluationError, match="x.*NaN"):
        tune_thresholds({"x": np.full((1, 3), np.nan)}, {"x": {}}, classes=("sp",))
    with pytest.raises(EvaluationError, match="no reference"):
        tune_thresholds({"x": np.zeros((1, 3))}, {}, classes=("sp",))
    rng = np.random.default_rng(1)
    n = 30_000  # 10 minutes of 20 ms frames, 4 classes, the default 171-pair grid
    post = {"x": rng.random((4, n))}
    refs = {"x": {c: [(10.0, 100.0), (300.0, 420.5)] for c in ("sp", "mu", "no", "ov")}}
    t0 = time.perf_counter()
    tune_thresholds(post, refs)
    assert time.perf_counter() - t0 < 20  # generous: a few seconds on 2 cores


def test_tuning_never_joins_segments_across_files() -> None:
    # a ends and b starts with a 2-frame segment; min_off would join them through the separator
    # into one 5-frame run that survives min_on 0.06, but per file both are too short
    posteriors = {"a": np.array([[0, 0, 0, 1, 1.0]]), "b": np.array([[1, 1, 0, 0, 0.0]])}
    refs = {"a": {"sp": [(0.06, 0.10)]}, "b": {"sp": [(0.0, 0.04)]}}
    grid = ThresholdGrid(onsets=[0.5], offsets=[0.5], min_on=[0.06], min_off=[0.1])
    tuned = tune_thresholds_detailed(posteriors, refs, classes=("sp",), grid=grid)
    assert tuned["sp"].counts.retrieved == 0.0
    assert all(decide(p, tuned["sp"].thresholds, ("sp",))["sp"] == [] for p in posteriors.values())
