"""Decision rule on hand-made curves; every expected segment is computed by hand in a comment."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.decisions import (
    Decision,
    DecisionError,
    Thresholds,
    active_frames,
    binarize,
    decide,
)

D = 0.02


def spans(decisions: list[Decision]) -> list[tuple[float, float]]:
    return [(d.start, d.end) for d in decisions]


def assert_spans(decisions: list[Decision], expected: list[tuple[float, float]]) -> None:
    got = spans(decisions)
    assert len(got) == len(expected), got
    np.testing.assert_allclose(
        np.array(got).reshape(-1, 2), np.array(expected).reshape(-1, 2), atol=1e-12
    )


def test_hysteresis_keeps_on_between_offset_and_onset() -> None:
    p = [0.2, 0.6, 0.45, 0.45, 0.3, 0.7, 0.2]
    # on at frame 1 (0.6 >= 0.5), stays on through 0.45s (>= 0.4), off at frame 4 (0.3 < 0.4)
    assert_spans(binarize(p, Thresholds(onset=0.5, offset=0.4)), [(0.02, 0.08), (0.10, 0.12)])
    # a single threshold: frames 1 and 5 only
    assert_spans(binarize(p, Thresholds(onset=0.5, offset=0.5)), [(0.02, 0.04), (0.10, 0.12)])


def test_hysteresis_starts_at_onset_crossing_not_at_offset_crossing() -> None:
    p = [0.45, 0.45, 0.6, 0.45, 0.1]
    # frames 0-1 are above offset but nothing triggered yet: segment is frames 2-3
    assert_spans(binarize(p, Thresholds(onset=0.5, offset=0.4)), [(0.04, 0.08)])


def test_threshold_is_inclusive() -> None:
    assert_spans(binarize([0.5, 0.49], Thresholds()), [(0.0, 0.02)])


def test_min_off_fills_short_gaps_only() -> None:
    p = [1, 1, 0, 1, 1, 0, 0, 0, 1]
    # gap of 1 frame (0.02 s < 0.04) filled, gap of 3 frames (0.06 s) kept
    out = binarize(p, Thresholds(min_off=0.04))
    assert_spans(out, [(0.0, 0.10), (0.16, 0.18)])
    assert out[0].confidence == pytest.approx(0.8)  # mean of 1,1,0,1,1: gap frames count
    assert out[1].confidence == pytest.approx(1.0)


def test_min_off_gap_of_exactly_min_off_is_kept() -> None:
    # gap of 2 frames = 0.04 s is not shorter than min_off 0.04
    assert_spans(binarize([1, 0, 0, 1], Thresholds(min_off=0.04)), [(0.0, 0.02), (0.06, 0.08)])


def test_min_on_drops_short_segments_and_keeps_exact_length() -> None:
    p = [1, 0, 0, 0, 1, 1, 1, 0]
    # first segment is 1 frame (0.02 s) < 0.06: dropped; second is 3 frames = 0.06: kept
    assert_spans(binarize(p, Thresholds(min_on=0.06)), [(0.08, 0.14)])


def test_fill_happens_before_drop() -> None:
    p = [1, 1, 0, 1, 1, 0, 0, 0, 0, 0]
    # pieces of 2 frames each would be dropped by min_on 0.08, but they are joined first (5 frames)
    assert_spans(binarize(p, Thresholds(min_off=0.04, min_on=0.08)), [(0.0, 0.10)])
    assert binarize(p, Thresholds(min_on=0.08)) == []


def test_padding_is_clipped_and_merges_with_weighted_confidence() -> None:
    p = [0, 0.8, 0.6, 0, 0, 0, 0.9, 0]
    # unpadded: frames 1-2 -> [0.02, 0.06), frame 6 -> [0.12, 0.14); duration 0.16
    th = Thresholds(pad_onset=0.03, pad_offset=0.03)
    # padded: [-0.01 -> 0, 0.09) and [0.09, 0.17 -> 0.16): touching -> merged
    out = binarize(p, th)
    assert_spans(out, [(0.0, 0.16)])
    assert out[0].confidence == pytest.approx((0.8 + 0.6 + 0.9) / 3)
    out = binarize(p, Thresholds(pad_onset=0.01, pad_offset=0.01))
    assert_spans(out, [(0.01, 0.07), (0.11, 0.15)])
    assert [d.confidence for d in out] == pytest.approx([0.7, 0.9])


def test_explicit_duration_bounds_padding() -> None:
    out = binarize([0, 1], Thresholds(pad_offset=1.0), duration=0.05)
    assert_spans(out, [(0.02, 0.05)])


def test_edges_all_one_all_zero_and_empty() -> None:
    assert binarize(np.ones(5), Thresholds()) == [Decision(0.0, 0.1, 1.0)]
    assert binarize(np.zeros(5), Thresholds()) == []
    assert binarize(np.zeros(0), Thresholds()) == []
    # segments touching t=0 and t=T
    assert_spans(binarize([1, 0, 0, 1], Thresholds()), [(0.0, 0.02), (0.06, 0.08)])


def test_frame_duration_is_a_parameter() -> None:
    assert_spans(binarize([0, 1, 1, 0], Thresholds(), frame_duration=0.01), [(0.01, 0.03)])


def test_nan_and_bad_input_are_refused() -> None:
    with pytest.raises(DecisionError, match="NaN"):
        binarize([0.1, float("nan"), 0.9], Thresholds())
    with pytest.raises(DecisionError, match="shape"):
        binarize(np.zeros((2, 3)), Thresholds())
    with pytest.raises(DecisionError, match="frame_duration"):
        binarize([0.1], Thresholds(), frame_duration=0)
    with pytest.raises(DecisionError, match="NaN"):
        decide(np.full((4, 3), np.nan))


def test_thresholds_validate_and_round_trip() -> None:
    with pytest.raises(DecisionError, match="offset"):
        Thresholds(onset=0.4, offset=0.6)
    with pytest.raises(DecisionError, match="min_on"):
        Thresholds(min_on=-1)
    with pytest.raises(DecisionError, match="finite"):
        Thresholds(onset=float("nan"))
    with pytest.raises(DecisionError, match="unknown"):
        Thresholds.from_dict({"onset": 0.5, "onsett": 0.5})
    th = Thresholds(0.7, 0.3, 0.1, 0.2, 0.05, 0.06)
    assert Thresholds.from_dict(th.to_dict()) == th


def test_decide_clips_overlap_to_speech_and_accepts_torch() -> None:
    classes = ("sp", "mu", "no", "ov")
    post = np.zeros((4, 6))
    post[0] = [1, 1, 0, 0, 1, 1]  # sp: [0, 0.04), [0.08, 0.12)
    post[3] = [0, 0.9, 0.7, 0.7, 0.9, 0]  # ov: [0.02, 0.10)
    post[1] = [0, 0, 0, 1, 1, 1]  # mu: [0.06, 0.12)
    out = decide(torch.tensor(post), None, classes)
    assert_spans(out["sp"], [(0.0, 0.04), (0.08, 0.12)])
    assert_spans(out["ov"], [(0.02, 0.04), (0.08, 0.10)])
    assert all(d.confidence == pytest.approx(0.8) for d in out["ov"])  # parent's mean
    assert_spans(out["mu"], [(0.06, 0.12)])
    assert out["no"] == []
    # ov pieces shorter than ov's min_on are dropped after clipping
    th = {c: Thresholds() for c in classes} | {"ov": Thresholds(min_on=0.03)}
    assert decide(post, th, classes)["ov"] == []


def test_decide_checks_shape_and_thresholds() -> None:
    with pytest.raises(DecisionError, match="shape"):
        decide(np.zeros((3, 5)))
    with pytest.raises(DecisionError, match="ov"):
        decide(np.zeros((4, 5)), {"sp": Thresholds(), "mu": Thresholds(), "no": Thresholds()})


def _reference_hysteresis(p: list[float], onset: float, offset: float) -> list[bool]:
    on, out = False, []
    for value in p:
        if not on and value >= onset:
            on = True
        elif on and value < offset:
            on = False
        out.append(on)
    return out


@settings(max_examples=200, deadline=None)
@given(
    p=st.lists(st.floats(0, 1), max_size=60),
    onset=st.floats(0, 1),
    gap=st.floats(0, 1),
)
def test_vectorised_hysteresis_matches_a_loop(p: list[float], onset: float, gap: float) -> None:
    offset = onset * gap
    got = active_frames(np.array(p, dtype=float), onset, offset)
    assert got.tolist() == _reference_hysteresis(p, onset, offset)


@settings(max_examples=100, deadline=None)
@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=60), pad=st.floats(0, 0.1))
def test_segments_are_sorted_disjoint_and_inside_the_file(p: list[float], pad: float) -> None:
    out = binarize(p, Thresholds(0.6, 0.3, 0.04, 0.04, pad, pad))
    for d in out:
        assert 0.0 <= d.start < d.end <= len(p) * D + 1e-12
        assert 0.0 <= d.confidence <= 1.0
    for a, b in zip(out, out[1:], strict=False):
        assert a.end < b.start
