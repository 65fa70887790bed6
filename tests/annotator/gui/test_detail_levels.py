"""Heat map levels must be the rounded means of the columns they cover, and stay bounded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.gui.detail_levels import ColumnLevels, DrawnSpan


def brute_mean(image: np.ndarray, b0: int, b1: int, step: int) -> np.ndarray:
    """Columns b0..b1 of the level with ``step`` frames a column, the slow way (the last column
    of the image may cover fewer frames: it is the mean of those)."""
    cols = []
    for b in range(b0, b1):
        block = image[:, b * step : (b + 1) * step].astype(np.float64)
        cols.append(np.floor(block.mean(axis=1) + 0.5))
    return np.stack(cols, axis=1).astype(np.uint8)


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 7),
    t=st.integers(1, 3000),
    factor=st.sampled_from([2, 3, 4]),
    c0=st.floats(0, 1),
    span=st.floats(0.0005, 1),
    max_columns=st.integers(1, 300),
    seed=st.integers(0, 2**16),
)
def test_query_matches_brute_force_means(k, t, factor, c0, span, max_columns, seed):
    image = np.random.default_rng(seed).integers(0, 256, (k, t)).astype(np.uint8)
    levels = ColumnLevels(image, factor=factor)
    a, b = c0 * t, min(c0 + span, 1.0) * t
    got = levels.query(a, b, max_columns)
    i0, i1 = int(np.floor(a)), int(np.ceil(b))
    if i1 <= i0:
        assert got.image.shape[1] == 0
        return
    assert got.image.dtype == np.uint8 and got.image.flags.c_contiguous
    assert got.image.shape[0] == k
    step = got.step
    b0, b1 = i0 // step, -(-i1 // step)
    assert got.first == b0
    expected = brute_mean(image, b0, b1, step)
    if step <= factor:  # one fold: the rounded mean itself
        np.testing.assert_array_equal(got.image, expected)
    else:  # a mean of rounded means: each further fold may round by half a step more
        folds = round(np.log(step) / np.log(factor))
        diff = np.abs(got.image.astype(int) - expected.astype(int))
        assert diff.max() <= np.ceil(0.5 * folds)
    coarsest = levels.levels[-1][1] if levels.levels else 1
    if step != coarsest:
        assert got.image.shape[1] <= max_columns
    if step > 1:  # the next finer level would have had too many columns
        finer = step // factor
        assert -(-i1 // finer) - i0 // finer > max_columns


def test_an_hour_of_a_large_model_is_folded_small_and_queried_small():
    image = np.zeros((256, 180_000), np.uint8)
    image[7, 90_000] = 255  # one bright frame in the middle
    levels = ColumnLevels(image)
    assert levels.nbytes < image.nbytes * 0.35
    got = levels.query(0, 180_000, 2000)
    assert got.image.shape[1] <= 2000 and got.step > 1
    assert got.image[7].max() > 0  # a mean keeps a trace of it
    assert got.image.sum() == got.image[7].sum()


def test_rejects_what_is_not_a_uint8_image():
    with pytest.raises(ValueError):
        ColumnLevels(np.zeros((3, 10), np.float32))
    with pytest.raises(ValueError):
        ColumnLevels(np.zeros(10, np.uint8))
    with pytest.raises(ValueError):
        ColumnLevels(np.zeros((3, 10), np.uint8), factor=1)


def test_drawn_span_is_kept_for_a_pan_inside_it_only():
    drawn = DrawnSpan()
    assert not drawn.covers(10, 20, 800)
    lo, hi = drawn.widened(10, 20)
    assert (lo, hi) == (5, 25)
    drawn.remember(10, 20, 800, lo, hi)
    assert drawn.covers(10, 20, 800)
    assert drawn.covers(14, 24, 800)  # a pan inside the margin
    assert not drawn.covers(16, 26, 800)  # out of it
    assert not drawn.covers(10, 19, 800)  # a zoom: other resolution
    assert not drawn.covers(10, 20, 900)  # a wider view
    drawn.reset()
    assert not drawn.covers(10, 20, 800)
