"""Audacity label files: lanes by prefix, spectral lines and point labels carried."""

from __future__ import annotations

import pytest

from annotator.core import Annotation, Lane, Segment
from annotator.formats import FormatError, read_audacity, write_audacity
from annotator.formats.audacity import audacity_from_text, audacity_text


def lanes(annotation: Annotation) -> dict[str, list[Segment]]:
    return {lane.name: list(lane) for lane in annotation}


def test_plain_audacity_export_goes_to_one_lane_untouched():
    # As Audacity writes it: 6 decimals, a spectral line, a point label, a colon in one label.
    text = "0.500000\t1.250000\thello\n\\\t120.5\t3400.0\n2.000000\t2.000000\tclick\n3.0\t4.0\tnote: loud\n"
    annotation = audacity_from_text(text)
    assert lanes(annotation) == {
        "labels": [Segment(0.5, 1.25, "hello"), Segment(3, 4, "note: loud")]
    }
    kinds = [p["kind"] for p in annotation.passthrough]
    assert kinds == ["spectral", "point"]
    assert audacity_from_text(audacity_text(annotation)) == annotation
    single = audacity_text(annotation, lane="labels")
    assert "\\\t120.5\t3400.0\n" in single and "labels:" not in single


def test_all_prefixed_labels_become_lanes():
    text = "0\t1\tspeech:hi: there\n0.5\t2\tmusic:\n"
    assert lanes(audacity_from_text(text)) == {
        "speech": [Segment(0, 1, "hi: there")],
        "music": [Segment(0.5, 2, "")],
    }
    # Overlapping labels of one track are spread over extra lanes rather than refused.
    assert lanes(audacity_from_text(text, lane="x")) == {
        "x": [Segment(0, 1, "speech:hi: there")],
        "x (2)": [Segment(0.5, 2, "music:")],
    }


def test_decimal_comma_from_localised_audacity():
    assert lanes(audacity_from_text("0,5\t1,25\ta\n")) == {"labels": [Segment(0.5, 1.25, "a")]}


def test_unrepresentable_labels_and_lane_names_are_refused(tmp_path):
    with pytest.raises(FormatError, match="line break"):
        write_audacity(Annotation([Lane("a", [Segment(0, 1, "x\ny")])]), tmp_path / "a.txt")
    with pytest.raises(FormatError, match="contains ':'"):
        write_audacity(Annotation([Lane("a:b", [Segment(0, 1, "x")])]), tmp_path / "b.txt")
    write_audacity(Annotation([Lane("a:b", [Segment(0, 1, "x")])]), tmp_path / "c.txt", lane="a:b")
    assert read_audacity(tmp_path / "c.txt", lane="a:b") == Annotation(
        [Lane("a:b", [Segment(0, 1, "x")])]
    )
    assert not (tmp_path / "a.txt").exists() and not (tmp_path / "b.txt").exists()
