"""The heatmap of a long recording comes from mapped files (H and its drawn image) and draws
exactly what the in-memory path draws; its levels of detail fold a mapped image as they fold one
in memory. The arrays and the cache themselves are tested in tests/annotator/evidence/."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.evidence import cache as evidence_module
from annotator.evidence.cache import display_activations
from annotator.evidence.mapped_arrays import is_mapped
from annotator.gui import detail_levels
from annotator.gui.detail_levels import ColumnLevels
from annotator.gui.heatmap_item import HeatmapItem
from tests.annotator.evidence.test_mapped_arrays import activations, mapped


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
