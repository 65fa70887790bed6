"""The envelope pyramid must agree with brute-force min/max and stay small and bounded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.envelope import EnvelopePyramid


def brute(samples: np.ndarray, i0: int, i1: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    b0, b1 = i0 // block, -(-i1 // block)
    mins = [samples[b * block : (b + 1) * block].min() for b in range(b0, b1)]
    maxs = [samples[b * block : (b + 1) * block].max() for b in range(b0, b1)]
    return np.array(mins), np.array(maxs)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5000),
    start=st.floats(0, 1),
    span=st.floats(0.001, 1),
    max_blocks=st.integers(1, 600),
    seed=st.integers(0, 2**16),
)
def test_query_matches_brute_force(n, start, span, max_blocks, seed):
    rng = np.random.default_rng(seed)
    samples = rng.standard_normal(n).astype(np.float32)
    pyramid = EnvelopePyramid(samples, sample_rate=1000.0, base=8, factor=4)
    t0, t1 = start * n / 1000.0, min(start + span, 1.0) * n / 1000.0
    got = pyramid.query(t0, t1, max_blocks)
    i0, i1 = int(np.floor(t0 * 1000)), int(np.ceil(t1 * 1000))
    if i1 <= i0:
        assert len(got) == 0
        return
    block = got.samples_per_block
    mins, maxs = brute(samples, i0, i1, block)
    np.testing.assert_array_equal(got.mins, mins)
    np.testing.assert_array_equal(got.maxs, maxs)
    assert got.times[0] == pytest.approx((i0 // block) * block / 1000.0)
    # the finest level that fits was chosen: the next finer one would have been too many blocks
    coarsest = pyramid.levels[-1][2]
    if block not in (1, coarsest):
        finer = 1 if block == pyramid.base else block // pyramid.factor
        assert -(-i1 // finer) - i0 // finer > max_blocks
    if block != coarsest:
        assert len(got) <= max_blocks


def test_an_hour_fully_zoomed_out_reads_few_blocks_and_little_memory():
    sr = 16000
    samples = np.zeros(sr * 3600, dtype=np.float32)
    samples[sr * 1800] = 0.9  # a single click must survive any zoom level
    pyramid = EnvelopePyramid(samples, sr)
    got = pyramid.query(0, 3600, 2000)
    assert len(got) <= 2000
    assert got.maxs.max() == pytest.approx(0.9)
    assert pyramid.nbytes < samples.nbytes * 0.17


def test_zigzag_interleaves_min_and_max():
    pyramid = EnvelopePyramid(np.array([0, 1, -1, 2, 5, -3, 0, 0], np.float32), 8, base=2)
    x, y = pyramid.query(0, 1, 4).zigzag()
    np.testing.assert_array_equal(y, [0, 1, -1, 2, -3, 5, 0, 0])
    np.testing.assert_allclose(x, [0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75])


def test_raw_samples_when_zoomed_in_far():
    samples = np.arange(100, dtype=np.float32)
    got = EnvelopePyramid(samples, 100).query(0.1, 0.2, 50)
    assert got.samples_per_block == 1
    np.testing.assert_array_equal(got.mins, samples[10:20])


def test_rejects_stereo_and_bad_rate():
    with pytest.raises(ValueError):
        EnvelopePyramid(np.zeros((10, 2)), 16000)
    with pytest.raises(ValueError):
        EnvelopePyramid(np.zeros(10), 0)


def test_empty_signal():
    pyramid = EnvelopePyramid(np.zeros(0, np.float32), 16000)
    assert len(pyramid.query(0, 1, 100)) == 0


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 4000),
    start=st.floats(0, 1),
    span=st.floats(0.001, 1),
    max_blocks=st.integers(1, 400),
    seed=st.integers(0, 2**16),
)
def test_int16_levels_are_exact_and_scaled_only_on_the_way_out(n, start, span, max_blocks, seed):
    rng = np.random.default_rng(seed)
    samples = rng.integers(-32768, 32768, n).astype(np.int16)
    scale = 1 / 32768
    pyramid = EnvelopePyramid(samples, 1000.0, base=4, factor=3, scale=scale)
    assert pyramid.samples is samples  # no float copy of the signal
    assert all(m.dtype == np.int16 for m, _, _ in pyramid.levels)
    t0, t1 = start * n / 1000.0, min(start + span, 1.0) * n / 1000.0
    got = pyramid.query(t0, t1, max_blocks)
    i0, i1 = int(np.floor(t0 * 1000)), int(np.ceil(t1 * 1000))
    if i1 <= i0:
        assert len(got) == 0
        return
    mins, maxs = brute(samples, i0, i1, got.samples_per_block)
    assert got.mins.dtype == np.float32 and got.maxs.dtype == np.float32
    np.testing.assert_array_equal(got.mins, mins.astype(np.float32) * np.float32(scale))
    np.testing.assert_array_equal(got.maxs, maxs.astype(np.float32) * np.float32(scale))


def test_peak_is_the_largest_magnitude_in_drawing_units():
    samples = np.zeros(10_000, np.int16)
    samples[1234] = -16384
    samples[5000] = 8192
    assert EnvelopePyramid(samples, 8000, scale=1 / 32768).peak() == pytest.approx(0.5)
    assert EnvelopePyramid(np.zeros(0, np.float32), 8000).peak() == 0.0


def test_rejects_bad_scale_and_non_real_samples():
    with pytest.raises(ValueError, match="scale"):
        EnvelopePyramid(np.zeros(10, np.int16), 16000, scale=0.0)
    with pytest.raises(ValueError, match="real"):
        EnvelopePyramid(np.zeros(10, np.complex64), 16000)
