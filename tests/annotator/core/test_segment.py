"""Segment: validation on construction, half-open membership, ordering and round trips."""

from __future__ import annotations

import dataclasses
import math

import pytest

from annotator.core import AnnotationError, InvalidEdit, Segment, Source


def test_times_become_floats_and_source_an_enum() -> None:
    segment = Segment(1, 2, "speech", 1, "model")
    assert isinstance(segment.start, float) and isinstance(segment.end, float)
    assert segment.confidence == 1.0
    assert segment.source is Source.MODEL
    assert segment.duration == 1.0


def test_defaults_are_an_unlabelled_human_segment() -> None:
    segment = Segment(0, 0.5)
    assert (segment.label, segment.confidence, segment.source) == ("", None, Source.HUMAN)


@pytest.mark.parametrize(
    "start, end",
    [(-0.1, 1.0), (1.0, 1.0), (2.0, 1.0), (math.nan, 1.0), (0.0, math.inf), (0.0, math.nan)],
)
def test_impossible_times_are_refused(start: float, end: float) -> None:
    with pytest.raises(InvalidEdit) as caught:
        Segment(start, end)
    assert caught.value.reason  # a sentence for the status bar
    assert "\n" not in caught.value.reason


def test_segment_may_start_at_zero() -> None:
    assert Segment(0.0, 1e-6).start == 0.0


@pytest.mark.parametrize("confidence", [-0.01, 1.01, math.nan])
def test_confidence_outside_unit_interval_is_refused(confidence: float) -> None:
    with pytest.raises(InvalidEdit):
        Segment(0, 1, confidence=confidence)


def test_label_must_be_text() -> None:
    with pytest.raises(InvalidEdit):
        Segment(0, 1, label=3)  # type: ignore[arg-type]


def test_invalid_edit_is_both_a_domain_error_and_a_value_error() -> None:
    error = InvalidEdit("why")
    assert isinstance(error, AnnotationError) and isinstance(error, ValueError)
    assert error.reason == "why" and str(error) == "why"


def test_membership_is_half_open() -> None:
    segment = Segment(1.0, 2.0)
    assert segment.contains(1.0)
    assert segment.contains(1.999)
    assert not segment.contains(2.0)
    assert not segment.contains(0.999)


def test_touching_is_not_overlapping() -> None:
    a, b = Segment(0, 1), Segment(1, 2)
    assert not a.overlaps(b) and not b.overlaps(a)
    assert a.overlaps(Segment(0.5, 1.5))
    assert Segment(0, 3).overlaps(Segment(1, 2))  # containment counts


def test_ordering_is_by_start_then_end_then_label() -> None:
    segments = [Segment(1, 3, "b"), Segment(1, 2, "z"), Segment(0, 5), Segment(1, 3, "a")]
    assert sorted(segments) == [
        Segment(0, 5),
        Segment(1, 2, "z"),
        Segment(1, 3, "a"),
        Segment(1, 3, "b"),
    ]


def test_equality_includes_confidence_and_source() -> None:
    assert Segment(0, 1, "x") == Segment(0, 1, "x")
    assert Segment(0, 1, "x", 0.5) != Segment(0, 1, "x")
    assert Segment(0, 1, "x", source=Source.MODEL) != Segment(0, 1, "x")


def test_segments_are_frozen_and_hashable() -> None:
    segment = Segment(0, 1, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        segment.start = 0.5  # type: ignore[misc]
    assert len({segment, Segment(0, 1, "x")}) == 1


def test_with_changes_fields_and_validates() -> None:
    segment = Segment(0, 1, "x", 0.3, Source.MODEL)
    assert segment.with_(end=2.0) == Segment(0, 2, "x", 0.3, Source.MODEL)
    with pytest.raises(InvalidEdit):
        segment.with_(end=0.0)
    assert segment.end == 1.0


def test_dict_round_trip() -> None:
    segment = Segment(0.25, 1.5, "speech", 0.75, Source.MODEL)
    data = segment.to_dict()
    assert data["source"] == "model"
    assert Segment.from_dict(data) == segment
    assert Segment.from_dict({"start": 0, "end": 1}) == Segment(0, 1)
