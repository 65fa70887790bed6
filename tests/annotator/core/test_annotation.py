"""Annotation: ordered lanes, recording bounds, value semantics and the JSON-able dict form."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest

from annotator.core import (
    CLASS_LANES,
    Annotation,
    InvalidEdit,
    Lane,
    Provenance,
    RecordingInfo,
    Segment,
    Source,
    file_checksum,
)


def make() -> Annotation:
    annotation = Annotation.with_class_lanes(RecordingInfo("a.wav", 10.0, 16000, "sha256:00"))
    annotation.lane("speech").add(Segment(0.0, 1.5, "speech", 0.9, Source.MODEL))
    annotation.lane("speech").add(Segment(1.5, 10.0, "speech"))
    annotation.lane("music").add(Segment(2.0, 3.0, "music"))
    annotation.provenance.append(Provenance("nmf", ("speech", "music"), "m1", {"k": [1, 2]}))
    annotation.passthrough.append({"name": "points", "kind": "point", "points": [[1.0, "x"]]})
    return annotation


def test_class_lanes_come_in_display_order() -> None:
    annotation = Annotation.with_class_lanes()
    assert annotation.lane_names == CLASS_LANES == ("speech", "music", "noise", "overlap")
    assert [lane.name for lane in annotation] == list(CLASS_LANES)
    assert len(annotation) == 4 and "noise" in annotation and "words" not in annotation


def test_lanes_are_added_at_a_position_and_removed() -> None:
    annotation = Annotation.with_class_lanes()
    words = annotation.add_lane("words", position=1)
    assert isinstance(words, Lane)
    assert annotation.lane_names == ("speech", "words", "music", "noise", "overlap")
    assert annotation.lane_position("words") == 1
    assert annotation.remove_lane("words") is words
    assert annotation.lane_names == CLASS_LANES


def test_lane_errors_name_the_lane() -> None:
    annotation = Annotation.with_class_lanes()
    with pytest.raises(InvalidEdit, match="speech"):
        annotation.add_lane("speech")
    with pytest.raises(InvalidEdit, match="words"):
        annotation.lane("words")
    with pytest.raises(InvalidEdit):
        annotation.remove_lane("words")
    with pytest.raises(InvalidEdit):
        annotation.lane_position("words")
    assert annotation.lane_names == CLASS_LANES


@pytest.mark.parametrize("duration", [-1.0, math.nan, math.inf])
def test_impossible_durations_are_refused(duration: float) -> None:
    with pytest.raises(InvalidEdit):
        RecordingInfo(duration=duration)


def test_duration_becomes_a_float() -> None:
    assert RecordingInfo(duration=3).duration == 3.0
    assert isinstance(RecordingInfo(duration=3).duration, float)


def test_segments_must_end_inside_the_recording() -> None:
    annotation = Annotation(recording=RecordingInfo(duration=5.0))
    annotation.check_inside(Segment(0.0, 5.0))  # both ends exactly on the bounds
    with pytest.raises(InvalidEdit, match="end of the recording"):
        annotation.check_inside(Segment(4.0, 5.5))
    with pytest.raises(InvalidEdit):
        annotation.add_lane(Lane("late", [Segment(4.0, 6.0)]))
    assert "late" not in annotation
    Annotation().check_inside(Segment(0.0, 1e6))  # unknown duration: no upper bound


def test_end_time_falls_back_to_the_last_segment() -> None:
    assert make().end_time == 10.0
    annotation = Annotation([Lane("a", [Segment(0, 2)]), Lane("b", [Segment(1, 7)]), Lane("c")])
    assert annotation.duration is None
    assert annotation.end_time == 7.0
    assert Annotation().end_time == 0.0


def test_segments_iterates_lane_by_lane() -> None:
    names = [(lane, s.start) for lane, s in make().segments()]
    assert names == [("speech", 0.0), ("speech", 1.5), ("music", 2.0)]


def test_copy_is_deep_where_it_matters() -> None:
    original = make()
    twin = original.copy()
    assert twin == original
    twin.lane("speech").remove(twin.lane("speech")[0])
    twin.passthrough[0]["points"].append([2.0, "y"])
    twin.provenance.clear()
    assert original == make()
    assert twin != original


def test_equality_is_sensitive_to_lane_order_and_metadata() -> None:
    a = Annotation([Lane("x"), Lane("y")])
    assert a == Annotation([Lane("x"), Lane("y")])
    assert a != Annotation([Lane("y"), Lane("x")])
    assert a != Annotation([Lane("x"), Lane("y")], recording=RecordingInfo(duration=1.0))
    assert a.__eq__("x") is NotImplemented


def test_dict_round_trip_keeps_everything() -> None:
    annotation = make()
    data = annotation.to_dict()
    again = Annotation.from_dict(data)
    assert again == annotation
    assert again.to_dict() == data
    assert data["lanes"][0]["segments"][0]["source"] == "model"


def test_passthrough_is_copied_on_the_way_in() -> None:
    layer = {"name": "p", "points": [[1.0, "x"]]}
    annotation = Annotation(passthrough=[layer])
    layer["points"].clear()
    assert annotation.passthrough[0]["points"] == [[1.0, "x"]]


def test_file_checksum_is_sha256_of_the_content(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    payload = bytes(range(256)) * 5000  # spans several chunks
    path.write_bytes(payload)
    expected = "sha256:" + hashlib.sha256(payload).hexdigest()
    assert file_checksum(path, chunk_size=4096) == expected
