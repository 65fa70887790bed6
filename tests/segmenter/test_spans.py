"""segmenter.spans against a brute-force raster: random spans on a 0.1 s grid, where a point is
"on" when it lies inside a span, compared cell by cell."""

from __future__ import annotations

import random

import pytest

from segmenter.spans import covered, intersect, subtract, total, union

GRID = 40  # cells of 0.1 s


def random_spans(rng: random.Random, n: int) -> list[tuple[float, float]]:
    out = []
    for _ in range(n):
        a = rng.randrange(GRID)
        b = rng.randrange(a, GRID + 1)
        out.append((a / 10, b / 10))
    return out


def cells(spans) -> set[int]:
    """Cells whose centre lies in one of ``spans``."""
    return {k for k in range(GRID) for a, b in spans if a <= (k + 0.5) / 10 < b}


def assert_disjoint_sorted(spans) -> None:
    for (_, b0), (a1, _) in zip(spans, spans[1:], strict=False):
        assert b0 < a1, spans  # touching spans are joined
    assert all(b > a for a, b in spans), spans


@pytest.mark.parametrize("seed", range(30))
def test_union_intersect_subtract_covered_match_a_raster(seed):
    rng = random.Random(seed)
    a, b = random_spans(rng, rng.randrange(6)), random_spans(rng, rng.randrange(6))
    ua, ub = union(a), union(b)
    assert_disjoint_sorted(ua)
    assert cells(ua) == cells(a)
    assert cells(intersect(ua, ub)) == cells(a) & cells(b)
    assert cells(subtract(ua, b)) == cells(a) - cells(b)
    assert total(ua) == pytest.approx(len(cells(a)) / 10)
    groups = [union(random_spans(rng, rng.randrange(4))) for _ in range(3)]
    for k in (1, 2, 3):
        want = {c for c in range(GRID) if sum(c in cells(g) for g in groups) >= k}
        got = covered(groups, at_least=k)
        assert cells(got) == want
        assert_disjoint_sorted(got)


def test_touching_spans_join_but_touching_talkers_do_not_overlap():
    assert union([(0.0, 1.0), (1.0, 2.0)]) == [(0.0, 2.0)]
    assert covered([[(0.0, 1.0)], [(1.0, 2.0)]], at_least=2) == []
    # one talker ends as another starts while a third talks on: two stretches of overlap join
    assert covered([[(0.0, 1.0)], [(1.0, 2.0)], [(0.5, 1.5)]], at_least=2) == [(0.5, 1.5)]


def test_tolerance_drops_slivers_and_closes_float_gaps():
    eps = 1e-9
    assert union([(0.0, 1.0), (1.0 + eps / 2, 2.0), (3.0, 3.0 + eps / 2)], tolerance=eps) == [
        (0.0, 2.0)
    ]
    assert union([(0.0, 1.0), (1.0 + eps / 2, 2.0)]) == [(0.0, 1.0), (1.0 + eps / 2, 2.0)]
    assert intersect([(0.0, 1.0)], [(1.0 - eps / 2, 2.0)], tolerance=eps) == []
    # a hole shorter than the tolerance neither splits a span nor leaves a sliver
    assert subtract([(0.0, 2.0)], [(1.0, 1.0 + eps / 2)], tolerance=eps) == [(0.0, 2.0)]
    assert subtract([(0.0, 2.0)], [(1.0, 1.0 + eps / 2)]) == [(0.0, 1.0), (1.0 + eps / 2, 2.0)]


def test_extra_fields_after_end_are_ignored():
    assert union([(0.0, 1.0, 0.9), (0.5, 2.0, "x")]) == [(0.0, 2.0)]
