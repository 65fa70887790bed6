"""Speaker turns compared with the class lanes: speech = their union, overlap = two or more."""

from __future__ import annotations

from annotator.core import Annotation, Lane, Segment
from annotator.review.compare import compare
from annotator.review.speaker_lanes import as_class_lanes, speaker_lane_names


def _lane(name, *spans, label=None):
    return Lane(name, [Segment(a, b, label or name) for a, b in spans])


def _spans(annotation, name):
    return [(s.start, s.end) for s in annotation.lane(name)]


def meeting() -> Annotation:
    return Annotation(
        [
            _lane("MEE009", (0.0, 2.0), (2.0, 3.0), (5.0, 6.0)),  # own turns touch: one turn
            _lane("MEE012", (2.5, 4.0), (6.0, 7.0)),  # touches MEE009 at 6.0: no overlap
            _lane("MEE013", (3.5, 3.8)),
            _lane("music", (8.0, 9.0)),
            Lane("empty tier"),
        ]
    )


def test_speakers_become_speech_and_overlap():
    reference = meeting()
    assert speaker_lane_names(reference) == ["MEE009", "MEE012", "MEE013"]
    mapped = as_class_lanes(reference, speaker_lane_names(reference))
    assert mapped.lane_names == ("speech", "music", "overlap", "empty tier")
    assert _spans(mapped, "speech") == [(0.0, 4.0), (5.0, 7.0)]
    assert _spans(mapped, "overlap") == [(2.5, 3.0), (3.5, 3.8)]
    assert _spans(mapped, "music") == [(8.0, 9.0)]
    assert {s.label for s in mapped.lane("speech")} == {"speech"}
    assert reference.lane_names[0] == "MEE009"  # the reference itself is not changed


def test_a_reference_with_its_own_speech_lane_is_left_alone():
    reference = Annotation([_lane("speech", (0.0, 1.0)), _lane("words", (0.0, 0.5), label="hi")])
    assert speaker_lane_names(reference) == []


def test_compare_scores_the_speech_and_overlap_lanes_against_the_turns():
    reference = meeting()
    working = Annotation([_lane("speech", (0.0, 4.0), (5.0, 6.5)), _lane("overlap", (2.5, 3.0))])
    by_name = compare(reference, working)
    assert "speech" not in by_name.lanes  # by name, nothing scores the speech lane
    mapped = compare(as_class_lanes(reference, speaker_lane_names(reference)), working)
    assert mapped.lanes["speech"].missed_s == 0.5
    assert round(mapped.lanes["overlap"].missed_s, 9) == 0.3
