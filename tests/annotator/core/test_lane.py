"""Lane: sorted, non-overlapping segments and the queries views and formats rely on."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import InvalidEdit, Lane, Segment, Source

A, B, C = Segment(0.0, 1.0, "a"), Segment(1.0, 2.0, "b"), Segment(3.0, 4.5, "c")


@pytest.fixture
def lane() -> Lane:
    """Touching a|b, then a gap 2..3, then c."""
    return Lane("speech", [C, A, B])


def test_segments_are_kept_sorted_whatever_the_insertion_order(lane: Lane) -> None:
    assert lane.segments == (A, B, C)
    assert list(lane) == [A, B, C]
    assert lane[0] == A and lane[-1] == C
    assert len(lane) == 3


def test_a_lane_needs_a_name() -> None:
    for name in ("", "   "):
        with pytest.raises(InvalidEdit):
            Lane(name)


@pytest.mark.parametrize(
    "segment",
    [
        Segment(0.5, 1.5),  # straddles a|b
        Segment(1.5, 3.5),  # straddles the gap
        Segment(3.5, 4.0),  # inside c
        Segment(2.5, 5.0),  # contains c
        Segment(0.0, 1.0, "a"),  # a duplicate of a
        Segment(0.0, 1.0, "other"),  # same times as a
    ],
)
def test_overlap_is_refused_and_the_lane_unchanged(lane: Lane, segment: Segment) -> None:
    before = lane.to_dict()
    with pytest.raises(InvalidEdit) as caught:
        lane.add(segment)
    assert "speech" in caught.value.reason
    assert lane.to_dict() == before


def test_touching_on_both_sides_is_allowed(lane: Lane) -> None:
    lane.add(Segment(2.0, 3.0, "fill"))
    assert [s.label for s in lane] == ["a", "b", "fill", "c"]


@pytest.mark.parametrize(
    "t, expected",
    [
        (0.0, A),  # the very start of the recording
        (0.5, A),
        (1.0, B),  # a shared boundary belongs to the later segment
        (1.999, B),
        (2.0, None),  # end of b opens the gap
        (2.5, None),
        (3.0, C),
        (4.5, None),  # the end of the last segment is outside it
        (-1.0, None),
        (100.0, None),
    ],
)
def test_at_is_half_open(lane: Lane, t: float, expected: Segment | None) -> None:
    assert lane.at(t) == expected


def test_in_range_counts_only_positive_overlap(lane: Lane) -> None:
    assert lane.in_range(0.0, 4.5) == [A, B, C]
    assert lane.in_range(1.0, 2.0) == [B]  # touching a at 1.0 and the gap at 2.0 do not count
    assert lane.in_range(2.0, 3.0) == []
    assert lane.in_range(0.9, 1.1) == [A, B]
    assert lane.in_range(4.0, 10.0) == [C]
    assert lane.in_range(0.5, 0.5) == []  # an empty range shares nothing
    assert lane.in_range(2.0, 1.0) == []


def test_gaps_fill_what_no_segment_covers(lane: Lane) -> None:
    assert lane.gaps(0.0, 6.0) == [(2.0, 3.0), (4.5, 6.0)]
    assert lane.gaps(0.0, 4.5) == [(2.0, 3.0)]  # no zero-length gap at a|b or at the end
    assert lane.gaps(1.5, 3.5) == [(2.0, 3.0)]
    assert lane.gaps(2.2, 2.8) == [(2.2, 2.8)]
    assert Lane("empty").gaps(0.0, 3.0) == [(0.0, 3.0)]
    assert lane.gaps(0.5, 0.9) == []


def test_neighbours(lane: Lane) -> None:
    assert lane.neighbours(A) == (None, B)
    assert lane.neighbours(B) == (A, C)
    assert lane.neighbours(C) == (B, None)
    with pytest.raises(InvalidEdit):
        lane.neighbours(Segment(2.0, 3.0))


def test_collisions_can_ignore_segments(lane: Lane) -> None:
    wide = Segment(0.5, 3.5)
    assert lane.collisions(wide) == [A, B, C]
    assert lane.collisions(wide, ignoring=[B]) == [A, C]
    assert lane.collisions(Segment(2.0, 3.0)) == []


def test_identity_is_by_value_with_every_field(lane: Lane) -> None:
    assert A in lane
    assert lane.index(B) == 1
    assert Segment(0.0, 1.0, "a", 0.5) not in lane
    assert Segment(0.0, 1.0, "a", source=Source.MODEL) not in lane
    assert lane.index(Segment(0.0, 1.0, "x")) is None
    assert "a" not in lane


def test_remove_needs_the_exact_segment(lane: Lane) -> None:
    before = lane.to_dict()
    with pytest.raises(InvalidEdit):
        lane.remove(Segment(0.0, 1.0, "a", 0.5))
    assert lane.to_dict() == before
    lane.remove(B)
    assert lane.segments == (A, C)
    assert lane.at(1.5) is None


def test_copy_is_independent_and_equal(lane: Lane) -> None:
    twin = lane.copy()
    assert twin == lane and twin is not lane
    twin.remove(A)
    assert A in lane and twin != lane
    assert Lane("other", [A, B, C]) != lane  # the name is part of a lane


def test_dict_round_trip(lane: Lane) -> None:
    assert Lane.from_dict(lane.to_dict()) == lane


def test_clear(lane: Lane) -> None:
    lane.clear()
    assert len(lane) == 0 and lane.at(0.5) is None
    lane.add(A)
    assert lane.segments == (A,)


# --- invariants under random use ------------------------------------------------------------
grid = st.integers(min_value=0, max_value=40).map(lambda i: i / 4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(grid, grid), max_size=25), st.lists(grid, max_size=20))
def test_random_adds_keep_the_invariants(
    pairs: list[tuple[float, float]], probes: list[float]
) -> None:
    lane = Lane("x")
    kept: list[Segment] = []
    for a, b in pairs:
        if a == b:
            continue
        segment = Segment(min(a, b), max(a, b))
        before = lane.to_dict()
        if any(segment.overlaps(s) for s in kept):
            with pytest.raises(InvalidEdit):
                lane.add(segment)
            assert lane.to_dict() == before
        else:
            lane.add(segment)
            kept.append(segment)
    assert list(lane) == sorted(kept)
    for left, right in pairwise(lane.segments):
        assert left.end <= right.start
    for t in probes:
        covering = [s for s in kept if s.start <= t < s.end]
        assert lane.at(t) == (covering[0] if covering else None)
    # segments and gaps tile the range exactly
    pieces = sorted([(s.start, s.end) for s in lane.in_range(0.0, 10.0)] + lane.gaps(0.0, 10.0))
    assert pieces[0][0] == 0.0 and pieces[-1][1] == 10.0
    for (_, end), (start, _) in pairwise(pieces):
        assert end == start
