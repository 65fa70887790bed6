"""The heatmap of a long recording comes from mapped files (H, its drawn image, the cache) and
draws exactly what the in-memory path draws; passes over mapped arrays leave RSS where it was."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.gui import detail_levels, mapped_arrays
from annotator.gui import evidence as evidence_module
from annotator.gui.detail_levels import ColumnLevels
from annotator.gui.evidence import (
    Evidence,
    display_activations,
    load_activations,
    load_evidence,
    save_evidence,
)
from annotator.gui.heatmap_item import HeatmapItem
from annotator.gui.heatmap_order import mean_from_heat
from annotator.gui.mapped_arrays import (
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


def rendered(item: HeatmapItem, start: float, end: float, width: int) -> tuple:
    item.drawn.reset()
    item.show_range(start, end, width)
    rect = item.mapRectToParent(item.boundingRect())
    return np.array(item.image), (rect.left(), rect.width(), rect.height())


def test_a_mapped_h_renders_the_same_heatmap_as_one_in_memory(qtbot, monkeypatch):
    h = activations()
    rows = np.random.default_rng(1).permutation(h.shape[0])
    in_memory = display_activations(h)
    a, b = HeatmapItem(), HeatmapItem()
    a.set_activations(h, 0.02, rows)
    assert not is_mapped(in_memory) and not is_mapped(a.levels_of_detail.image)
    monkeypatch.setattr(evidence_module, "MAPPED_BYTES", 0)  # as for ten hours:
    monkeypatch.setattr(detail_levels, "LAZY_BYTES", 0)  # mapped, no first fold kept
    on_disk = mapped(h)
    heat = display_activations(on_disk)
    assert is_mapped(on_disk) and is_mapped(heat)
    np.testing.assert_array_equal(heat, in_memory)
    b.set_activations(on_disk, 0.02, rows)
    assert is_mapped(b.levels_of_detail.image) and b.levels_of_detail.lazy_step == 4
    for start, end, width in [(0, 180, 300), (0, 180, 5000), (79, 83, 400), (100, 101, 50),
                              (170, 200, 800)]:  # fmt: skip
        image_a, rect_a = rendered(a, start, end, width)
        image_b, rect_b = rendered(b, start, end, width)
        np.testing.assert_array_equal(image_a, image_b)
        assert rect_a == pytest.approx(rect_b)


def test_levels_folded_with_rows_equal_the_levels_of_the_permuted_image():
    image = np.random.default_rng(2).integers(0, 256, (9, 20_001)).astype(np.uint8)
    rows = np.random.default_rng(3).permutation(9)
    a = ColumnLevels(mapped(image), rows=rows)
    b = ColumnLevels(image[rows])
    for c0, c1, n in [(0, 20_001, 30), (100, 400, 500), (3, 19_000, 5), (0, 20_001, 20_001)]:
        qa, qb = a.query(c0, c1, n), b.query(c0, c1, n)
        assert (qa.first, qa.step) == (qb.first, qb.step)
        np.testing.assert_array_equal(qa.image, qb.image)
    with pytest.raises(ValueError, match="permutation"):
        ColumnLevels(image, rows=np.zeros(9, dtype=int))


def test_the_cache_is_written_in_blocks_and_read_back_mapped(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(mapped_arrays, "WRITE_BYTES", 4096)  # many blocks
    monkeypatch.setattr(evidence_module, "MAPPED_BYTES", 0)
    h = activations(t=5000)
    audio = tmp_path / "rec.wav"
    audio.write_bytes(b"stand-in: only its size and time are stamped")
    sidecar = tmp_path / "rec.annotation.json"
    posteriors = np.random.default_rng(4).uniform(0, 1, (4, 5000)).astype(np.float32)
    ev = Evidence("m", ("sp", "mu", "no", "ov"), ("speech", "music", "noise", "overlap"),
                  posteriors, H=mapped(h), W=np.ones((257, 12)), theta=np.ones((4, 12)),
                  bias=np.zeros(4), sample_rate=16000)  # fmt: skip
    save_evidence(sidecar, audio, ev)
    arrays = tmp_path / "rec.evidence.npz"
    with np.load(arrays) as plain:  # an ordinary .npz, for anyone reading it
        np.testing.assert_array_equal(plain["heat"], ev.heat)
        np.testing.assert_array_equal(plain["H"], h.astype(np.float16))
        np.testing.assert_array_equal(plain["bias"], np.zeros(4))
    back = load_evidence(sidecar, audio)
    assert back is not None and is_mapped(back.heat) and is_mapped(back.posteriors)
    np.testing.assert_array_equal(back.heat, ev.heat)
    np.testing.assert_array_equal(back.posteriors, posteriors)
    np.testing.assert_array_equal(back.W, np.ones((257, 12)))
    loaded = load_activations(sidecar)
    assert loaded is not None and is_mapped(loaded) and loaded.dtype == np.float16
    np.testing.assert_array_equal(loaded, h.astype(np.float16))
    np.testing.assert_allclose(mean_from_heat(back.heat), mean_from_heat(ev.heat))


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


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 6),
    t=st.integers(17, 3000),
    factor=st.sampled_from([2, 3, 4]),
    c0=st.floats(0, 1),
    span=st.floats(0.0005, 1),
    max_columns=st.integers(1, 400),
    seed=st.integers(0, 2**16),
)
def test_levels_without_a_kept_first_fold_answer_as_those_with_it(
    k, t, factor, c0, span, max_columns, seed
):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (k, t)).astype(np.uint8)
    rows = rng.permutation(k)
    kept = ColumnLevels(image, factor=factor, rows=rows)
    with mock.patch.object(detail_levels, "LAZY_BYTES", 0):
        lazy = ColumnLevels(image, factor=factor, rows=rows)
    if t > factor * factor:
        assert lazy.lazy_step == factor and lazy.nbytes < kept.nbytes
    a, b = c0 * t, min(c0 + span, 1.0) * t
    got, want = lazy.query(a, b, max_columns), kept.query(a, b, max_columns)
    assert (got.first, got.step) == (want.first, want.step)
    np.testing.assert_array_equal(got.image, want.image)
