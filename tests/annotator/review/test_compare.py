"""Comparison with a reference: spans of each kind, error rates, the largest first, copying."""

from __future__ import annotations

import pytest

from annotator.core import Annotation, History, Lane, RecordingInfo, Segment, Source
from annotator.review.compare import compare, copy_reference_segment

INFO = RecordingInfo("a.wav", 10.0)


def annotation(**lanes: list[tuple[float, float, str]]) -> Annotation:
    return Annotation(
        [
            Lane(name, [Segment(a, b, label) for a, b, label in spans])
            for name, spans in lanes.items()
        ],
        INFO,
    )


def test_misses_false_alarms_and_error_rate_by_hand() -> None:
    reference = annotation(speech=[(1, 4, "speech"), (6, 8, "speech")], music=[(4, 6, "music")])
    working = annotation(speech=[(2, 5, "speech"), (6, 8, "speech")], music=[])
    result = compare(reference, working)
    speech = result.lanes["speech"]
    assert [(d.start, d.end) for d in speech.misses] == [(1, 2)]
    assert [(d.start, d.end) for d in speech.false_alarms] == [(4, 5)]
    assert speech.reference_s == 5 and speech.missed_s == 1 and speech.false_alarm_s == 1
    assert speech.detection_error_rate == pytest.approx((1 + 1) / 5)
    music = result.lanes["music"]
    assert music.detection_error_rate == pytest.approx(1.0) and music.missed_s == 2
    # Music missed where speech was a false alarm: one lane confusion, listed once.
    (confusion,) = result.lane_confusions
    assert (confusion.lane, confusion.other_lane, confusion.start, confusion.end) == (
        "music", "speech", 4, 5,
    )  # fmt: skip
    listed = [(d.kind, d.lane, d.start, d.end) for d in result.disagreements()]
    assert listed == [  # all 1 s long: in time order
        ("miss", "speech", 1, 2), ("lane confusion", "music", 4, 5), ("miss", "music", 5, 6),
    ]  # fmt: skip
    longer = compare(reference, annotation(speech=[(6, 8, "speech")], music=[]))
    assert longer.disagreements()[0].duration == 3  # the 1–4 s speech miss comes first


def test_label_confusions_only_where_labels_mean_something() -> None:
    reference = annotation(words=[(0, 1, "yes"), (1, 2, "no")], speech=[(0, 2, "x")])
    working = annotation(words=[(0, 1.5, "yes"), (1.5, 2, "no")], speech=[(0, 2, "speech")])
    result = compare(reference, working)
    (confusion,) = result.lanes["words"].confusions
    assert (confusion.start, confusion.end, confusion.reference, confusion.working) == (
        1, 1.5, "no", "yes",
    )  # fmt: skip
    assert result.lanes["speech"].confusions == ()
    assert result.lanes["speech"].detection_error_rate == 0.0
    assert result.disagreements()[0].kind == "confusion"


def test_lane_mapping_and_missing_working_lane() -> None:
    reference = annotation(sp=[(0, 3, "sp")], laughter=[(5, 6, "laughter")])
    working = annotation(speech=[(0, 3, "speech")])
    result = compare(reference, working, lanes={"sp": "speech"})
    assert result.lanes["speech"].detection_error_rate == 0.0
    assert result.lanes["laughter"].missed_s == 1.0
    assert set(result.lanes) == {"speech", "laughter"}


def test_copy_reference_segment_cuts_neighbours_and_undoes() -> None:
    working = Annotation(
        [Lane("speech", [Segment(0, 2, "speech", 0.8, Source.MODEL), Segment(3, 4, "speech")])],
        INFO,
    )
    before = working.to_dict()
    history = History()
    history.do(copy_reference_segment(working, "speech", Segment(1.5, 3.5, "sp")), working)
    segments = list(working.lane("speech"))
    assert [(s.start, s.end, s.label, s.source) for s in segments] == [
        (0, 1.5, "speech", Source.HUMAN), (1.5, 3.5, "speech", Source.HUMAN),
        (3.5, 4, "speech", Source.HUMAN),
    ]  # fmt: skip
    history.undo()
    assert working.to_dict() == before
    history.do(copy_reference_segment(working, "laughter", Segment(5, 6, "laugh")), working)
    assert [s.label for s in working.lane("laughter")] == ["laugh"]
    history.undo()
    assert "laughter" not in working
