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


def test_edit_counts_per_lane_beside_empty_lanes_and_the_prelabel() -> None:
    reference = annotation(speech=[(1, 4, "speech"), (6, 8, "speech")], music=[(4, 6, "music")])
    working = annotation(speech=[(2, 5, "speech"), (6, 8, "speech")], music=[])
    # the model flickered over the first speech turn and found spurious noise, which the
    # reference does not score (it has no noise lane)
    flicker = [(1, 1.5, "speech"), (2, 2.5, "speech"), (3, 3.5, "speech"), (6, 8, "speech")]
    prelabel = annotation(speech=flicker, noise=[(8.5, 9, "noise")])
    result = compare(reference, working, prelabel=prelabel)
    speech, music = result.lanes["speech"], result.lanes["music"]
    # by hand: both speech starts are 1 s off → two boundary moves; the music is all missed
    assert speech.edits.to_dict() == {"delete": 0, "add": 0, "boundary": 2, "split": 0, "merge": 0}
    assert music.edits.to_dict() == {"delete": 0, "add": 1, "boundary": 0, "split": 0, "merge": 0}
    assert (speech.empty_edits.add, music.empty_edits.add) == (2, 1)
    assert speech.empty_edits.total == 2 and music.empty_edits.total == 1
    # three fragments for one turn: two merges, and its end 0.5 s early; no music lane → add
    assert (speech.prelabel_edits.merge, speech.prelabel_edits.boundary) == (2, 1)
    assert speech.prelabel_edits.total == 3 and music.prelabel_edits.add == 1
    assert "noise" not in result.lanes
    assert (result.edits.total, result.empty_edits.total, result.prelabel_edits.total) == (3, 3, 4)
    row = {r["lane"]: r for r in result.summary_rows()}["speech"]
    assert row["edits"]["boundary"] == 2 and row["prelabel_edits"]["merge"] == 2
    text = result.effort()
    assert text.headline == "About 3 edits to correct this recording (from empty lanes: 3)"
    assert text.prelabel == "Model pre-label: 4 edits, costs 1 edit more than empty lanes"
    assert text.detail == "Edits left: delete 0 · add 1 · boundary 2 · split 0 · merge 0"
    # without the pre-label nothing is said about it
    plain = compare(reference, working)
    assert plain.lanes["speech"].prelabel_edits is None and plain.prelabel_edits is None
    assert plain.effort().prelabel == "" and plain.lanes["speech"].edits == speech.edits


def test_edit_counts_follow_the_shared_rule_on_random_lanes() -> None:
    """The comparison counts with `segmenter.evaluation.edit_cost` over the recording, so a
    lane's figure is the rule's figure on its spans, whatever the lanes look like."""
    import random

    from segmenter.evaluation.edit_cost import count_edits

    rng = random.Random(3)

    def spans(n: int) -> list[tuple[float, float, str]]:
        cuts = sorted(rng.uniform(0, 10) for _ in range(2 * n))
        return [(a, b, "speech") for a, b in zip(cuts[::2], cuts[1::2], strict=True) if b > a]

    for _ in range(30):
        reference, working = annotation(speech=spans(6)), annotation(speech=spans(8))
        lane = compare(reference, working).lanes["speech"]
        ref = [(s.start, s.end) for s in reference.lane("speech")]
        hyp = [(s.start, s.end) for s in working.lane("speech")]
        assert lane.edits == count_edits(ref, hyp, [(0.0, 10.0)])
        assert lane.empty_edits == count_edits(ref, [], [(0.0, 10.0)])
