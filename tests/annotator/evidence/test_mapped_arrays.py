"""Arrays on disk (`mapped_arrays`): archives written block by block and mapped in place, the
columns sampled from a whole array, passes that leave RSS where it was, and the row envelope of
a wide range; what lets ten hours of H cost disk instead of memory."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from annotator.evidence import mapped_arrays
from annotator.evidence.cache import display_activations
from annotator.evidence.mapped_arrays import (
    column_blocks,
    is_mapped,
    map_npz,
    sample_columns,
    time_major_file,
    write_npz,
)


def activations(k: int = 12, t: int = 9000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = rng.gamma(0.3, 1.0, (k, t)).astype(np.float32)
    h[3, 4000:4100] = 50.0  # a bright stretch
    return h


def mapped(h: np.ndarray) -> np.ndarray:
    """``h`` as the inference sink's "mmap" mode returns it: a (K, T) view of a time-major file."""
    blocks = (h[:, a : a + 1000] for a in range(0, h.shape[1], 1000))
    return time_major_file(blocks, h.shape[0], h.dtype)


def test_a_compressed_archive_is_still_read(tmp_path: Path):
    path = tmp_path / "c.npz"
    np.savez_compressed(path, a=np.arange(10), b=np.eye(3, dtype=np.float32))
    got = map_npz(path)
    np.testing.assert_array_equal(got["a"], np.arange(10))
    np.testing.assert_array_equal(got["b"], np.eye(3))
    assert not is_mapped(got["a"])
    plain = tmp_path / "p.npz"
    write_npz(
        plain, {"x": (np.arange(6.0).reshape(2, 3), np.float32), "y": (np.arange(3), np.int64)}
    )
    with zipfile.ZipFile(plain) as archive:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    got = map_npz(plain)
    np.testing.assert_array_equal(got["x"], np.arange(6.0).reshape(2, 3))
    assert is_mapped(got["x"]) and got["y"].tolist() == [0, 1, 2]


def test_samples_of_columns_are_runs_spread_over_the_whole_array():
    a = np.arange(100_000)[None, :].repeat(2, axis=0)
    got = sample_columns(a, 1024, run=64)
    assert got.shape == (2, 1024) and got[0, 0] == 0 and got[0, -1] == 99_999
    assert np.array_equal(sample_columns(a[:, :500], 1024), a[:, :500])


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_pass_over_a_mapped_array_does_not_keep_its_pages():
    k, t = 256, 200_000  # 200 MB as float32
    block = np.ones((k, 10_000), np.float32)
    h = time_major_file((block for _ in range(t // 10_000)), k, np.float32)
    before = _rss_mb()
    total = 0.0
    for _, columns in column_blocks(h, 4096):
        total += float(columns[0].sum())
    assert total == t
    assert _rss_mb() - before < 40  # not the 200 MB the pass read
    heat = display_activations(h)  # the drawn image of a mapped H goes to a mapped file too
    assert is_mapped(heat) and heat.shape == (k, t)
    assert _rss_mb() - before < 40


@pytest.mark.parametrize(("a", "b", "points"), [(0, 9000, 100), (17, 8999, 7), (100, 160, 500),
                                                (8990, 9100, 3), (50, 50, 10)])  # fmt: skip
def test_a_row_over_a_wide_range_is_the_max_of_each_group(monkeypatch, a, b, points):
    monkeypatch.setattr(mapped_arrays, "WRITE_BYTES", 5000)  # several blocks
    h = activations()
    first, values, g = mapped_arrays.row_envelope(mapped(h), 3, a, b, points)
    b = min(b, h.shape[1])
    if b <= a:
        assert values.size == 0
        return
    assert values.size <= points or g == 1
    expected = [h[3, s : min(s + g, b)].max() for s in range(a, b, g)]
    np.testing.assert_array_equal(first, np.arange(a, b, g))
    np.testing.assert_array_equal(values, np.asarray(expected, dtype=np.float32))
