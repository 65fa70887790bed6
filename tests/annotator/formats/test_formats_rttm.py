"""RTTM specifics: strict fields, labels kept as text, merging, file-ids, millisecond grid."""

from __future__ import annotations

import pytest

from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.formats import FormatError, read_rttm, read_rttm_one, write_rttm
from annotator.formats.rttm import default_uri, rttm_from_text, rttm_lines, rttm_text


def turns(annotation: Annotation) -> dict[str, list[tuple[float, float]]]:
    return {lane.name: [(s.start, s.end) for s in lane] for lane in annotation}


def line(onset: str, duration: str, label: str, file_id: str = "rec", conf: str = "<NA>") -> str:
    return f"SPEAKER {file_id} 1 {onset} {duration} <NA> <NA> {label} {conf} <NA>\n"


def test_labels_that_pandas_would_turn_into_nan_stay_text():
    text = (
        line("0", "1", "NA")
        + line("1", "1", "null")
        + line("2", "1", "nan")
        + line("3", "1", "None")
    )
    (annotation,) = rttm_from_text(text).values()
    assert annotation.lane_names == ("NA", "null", "nan", "None")
    assert [s.label for lane in annotation for s in lane] == ["NA", "null", "nan", "None"]


def test_overlapping_turns_of_one_label_merge_touching_ones_do_not():
    text = line("0", "2", "a") + line("1", "2", "a") + line("3", "1", "a") + line("0.5", "1", "b")
    (annotation,) = rttm_from_text(text).values()
    assert turns(annotation) == {"a": [(0, 3), (3, 4)], "b": [(0.5, 1.5)]}


def test_end_is_decimal_exact():
    (annotation,) = rttm_from_text(line("1.234", "0.5", "a")).values()
    assert annotation.lane("a")[0].end == 1.734  # not 1.7340000000000002


def test_comments_blank_lines_and_other_types_are_kept_or_skipped():
    info = "SPKR-INFO rec 1 <NA> <NA> <NA> unknown a <NA> <NA>"
    text = ";; a comment\n\n" + info + "\n" + line("0", "1", "a")
    (annotation,) = rttm_from_text(text).values()
    assert annotation.passthrough == [{"format": "rttm", "line": info}]
    assert rttm_text({"rec": annotation}) == line("0.000", "1.000", "a") + info + "\n"


def test_confidence_field_round_trips():
    (annotation,) = rttm_from_text(line("0", "1", "a", conf="0.25")).values()
    assert annotation.lane("a")[0].confidence == 0.25
    assert rttm_lines(annotation, "rec") == [line("0.000", "1.000", "a", conf="0.25").strip()]


def test_read_one_of_many_recordings(tmp_path):
    path = tmp_path / "all.rttm"
    path.write_text(line("0", "1", "a", "one") + line("0", "2", "b", "two"))
    assert list(read_rttm(path)) == ["one", "two"]
    assert turns(read_rttm_one(path, "two")) == {"b": [(0, 2)]}
    assert len(read_rttm_one(path, "three")) == 0
    with pytest.raises(FormatError, match="holds 2 recordings"):
        read_rttm_one(path)
    empty = tmp_path / "silent.rttm"
    empty.write_text("")
    assert read_rttm(empty) == {}
    silent = read_rttm_one(empty)
    assert len(silent) == 0 and silent.recording.path == "silent"


@pytest.mark.parametrize(
    ("recording_path", "expected"),
    [("/data/talk.wav", "talk"), ("talk.FLAC", "talk"), ("rec.001", "rec.001"),
     ("my talk.wav", "my_talk"), ("", "out")],
)  # fmt: skip
def test_file_id_rule(recording_path, expected):
    annotation = Annotation(recording=RecordingInfo(path=recording_path))
    assert default_uri(annotation, "/tmp/out.rttm") == expected


def test_label_rule_class_lanes_use_lane_name_other_lanes_the_segment_label(tmp_path):
    annotation = Annotation(
        [
            Lane("speech", [Segment(0, 1, "whatever")]),
            Lane("speakers", [Segment(0, 1, "alice"), Segment(1, 2, "")]),
        ],
        recording=RecordingInfo(path="r.wav"),
    )
    path = tmp_path / "x.rttm"
    write_rttm(annotation, path, uri="given")
    assert path.read_text() == (
        line("0.000", "1.000", "alice", "given")
        + line("0.000", "1.000", "speech", "given")
        + line("1.000", "1.000", "speakers", "given")
    )


def test_times_are_rounded_to_milliseconds_keeping_touching_segments_touching():
    annotation = Annotation(
        [
            Lane(
                "a",
                [
                    Segment(0.0004, 1.2345, "a"),
                    Segment(1.2345, 2.0, "a"),
                    Segment(3.0, 3.0001, "a"),
                ],
            )
        ]
    )
    (again,) = rttm_from_text(rttm_text({"r": annotation})).values()
    assert turns(again) == {"a": [(0.0, 1.234), (1.234, 2.0), (3.0, 3.001)]}
