"""The decision rule over long curves: the same segments as the mask-based rule, without a
float64 copy of the posteriors or full-length index arrays (ten hours are 1.8 M frames)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.decisions import (
    DecisionError,
    Thresholds,
    active_frames,
    binarize,
    decide,
    frame_runs,
    hysteresis_runs,
    run_sums,
)

CLASSES = ("sp", "mu", "no", "ov")


def walk(t: int, seed: int, rows: int = 4) -> np.ndarray:
    """Posterior-like curves that wander across the thresholds, as float32."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.06, (rows, t))
    return (np.abs(np.cumsum(steps, axis=1)) % 1.0).astype(np.float32)


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(
        st.sampled_from([0.0, 0.3, 0.39999998, 0.4, 0.40000001, 0.5, 0.6, 1.0]), max_size=60
    ),
    onset=st.sampled_from([0.4, 0.5, 0.6, 0.3]),
    offset=st.sampled_from([0.4, 0.3, 0.5, 0.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_runs_equal_the_runs_of_the_hysteresis_mask(values, onset, offset, dtype):
    p = np.array(values, dtype=dtype)
    # the mask rule on a float64 copy: what binarize used before, the reference
    want = frame_runs(active_frames(p.astype(np.float64), onset, offset))
    got = hysteresis_runs(p, onset, offset)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), max_size=40))
def test_frame_runs_are_the_runs_of_true(mask):
    a = np.array(mask, dtype=bool)
    starts, ends = frame_runs(a)
    rebuilt = np.zeros(a.size, dtype=bool)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        assert s < e and not rebuilt[s:e].any()
        rebuilt[s:e] = True
    np.testing.assert_array_equal(rebuilt, a)
    assert all(e < s for e, s in zip(ends[:-1].tolist(), starts[1:].tolist(), strict=True))


def test_float32_posteriors_are_compared_exactly_not_in_float32():
    # 0.6 rounds up in float32: a frame at float32(0.6) is above 0.6 (exactly so in float64)
    # while one just below float32(0.6) is not, though float32 would round the onset to it
    below = np.nextafter(np.float32(0.6), np.float32(0))
    p = np.array([0.1, below, 0.1, np.float32(0.6), 0.1], dtype=np.float32)
    starts, ends = hysteresis_runs(p, float(below) + 1e-12, 0.5)
    assert starts.tolist() == [3] and ends.tolist() == [4]


def test_run_sums_match_direct_sums_including_a_run_to_the_end():
    p = walk(1000, 1)[0]
    starts, ends = np.array([0, 10, 500, 990]), np.array([5, 11, 700, 1000])
    want = [p[a:b].astype(np.float64).sum() for a, b in zip(starts, ends, strict=True)]
    np.testing.assert_allclose(run_sums(p, starts, ends), want, rtol=1e-12)
    assert run_sums(p, starts[:0], ends[:0]).shape == (0,)


def test_decide_keeps_its_segments_for_float32_input():
    p = walk(20000, 2)
    th = {c: Thresholds(0.6, 0.4, 0.1, 0.1, 0.02, 0.04) for c in CLASSES}
    got = decide(p, th)
    want = decide(p.astype(np.float64), th)
    assert sum(len(v) for v in got.values()) > 50
    for c in CLASSES:
        a, b = np.array(got[c]), np.array(want[c])
        np.testing.assert_array_equal(a[:, :2], b[:, :2])
        np.testing.assert_allclose(a[:, 2], b[:, 2], rtol=1e-12)


def test_nan_is_still_refused_with_its_frame():
    p = walk(100, 3)
    p[2, 42] = np.nan
    with pytest.raises(DecisionError, match="42"):
        decide(p, Thresholds())
    with pytest.raises(DecisionError, match="42"):
        binarize(p[2])


def test_deciding_a_long_recording_allocates_a_fraction_of_its_posteriors():
    t = 400_000  # about 2 h 13 min of 20 ms frames
    p = walk(t, 4)
    th = {c: Thresholds(0.9, 0.85, 0.5, 0.2) for c in CLASSES}  # few segments: arrays dominate
    tracemalloc.start()
    try:
        decide(p, th)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a float64 copy alone would be 2 × p.nbytes, and the mask rule's int64 temporaries of a
    # curve 2 × more (4.5 × in all): now less than the posteriors themselves
    assert peak < p.nbytes, peak
