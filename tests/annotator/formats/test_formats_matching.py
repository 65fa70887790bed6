"""A corpus RTTM gives the open recording its own file-id; the person is asked only when none
matches (issue 17, bug 2)."""

from __future__ import annotations

import pytest

from annotator.formats import FormatError, annotation_of_recording
from annotator.formats.matching import matching_id, recording_ids

CORPUS = (
    "SPEAKER dev00 1 0.500 1.000 <NA> <NA> MEE009 <NA> <NA>\n"
    "SPEAKER dev01 1 2.000 3.000 <NA> <NA> MEE012 <NA> <NA>\n"
    "SPEAKER dev01 1 4.000 1.000 <NA> <NA> MEE013 <NA> <NA>\n"
)


@pytest.fixture
def corpus_rttm(tmp_path):
    path = tmp_path / "dev.rttm"
    path.write_text(CORPUS)
    return path


def _turns(annotation):
    return sorted((lane.name, s.start, s.end) for lane in annotation for s in lane)


def test_the_open_recording_picks_its_own_file_id(corpus_rttm, tmp_path):
    asked = []
    found = annotation_of_recording(corpus_rttm, tmp_path / "dev01.wav", choose=asked.append)
    assert _turns(found) == [("MEE012", 2.0, 5.0), ("MEE013", 4.0, 5.0)]
    assert asked == []  # nobody is asked when the name matches
    assert _turns(annotation_of_recording(corpus_rttm, "dev00.flac")) == [("MEE009", 0.5, 1.5)]


def test_ids_match_loosely_and_keep_a_kept_extension():
    assert recording_ids("a/b/ES2011a.Mix-Headset.wav") == (
        "ES2011a.Mix-Headset",
        "ES2011a.Mix-Headset.wav",
    )
    assert matching_id(["x", "DEV01"], "dev01.wav") == "DEV01"
    assert matching_id(["my_talk"], "my talk.wav") == "my_talk"
    assert matching_id(["talk.wav"], "talk.wav") == "talk.wav"
    assert matching_id(["dev00", "dev01"], "dev02.wav") is None


def test_no_match_asks_and_a_refusal_is_none(corpus_rttm):
    asked = []

    def choose(ids):
        asked.append(list(ids))
        return "dev00"

    assert _turns(annotation_of_recording(corpus_rttm, "other.wav", choose=choose)) == [
        ("MEE009", 0.5, 1.5)
    ]
    assert asked == [["dev00", "dev01"]]
    assert annotation_of_recording(corpus_rttm, "other.wav", choose=lambda ids: None) is None
    with pytest.raises(FormatError, match="no recording 'zzz'"):
        annotation_of_recording(corpus_rttm, "other.wav", choose=lambda ids: "zzz")


def test_no_match_without_a_chooser_is_one_line_naming_the_ids(corpus_rttm):
    with pytest.raises(FormatError) as caught:
        annotation_of_recording(corpus_rttm, "other.wav")
    message = str(caught.value)
    assert "dev.rttm" in message and "dev00, dev01" in message and "'other'" in message
    assert "\n" not in message


def test_a_single_recording_file_is_used_whatever_its_id(tmp_path):
    path = tmp_path / "one.rttm"
    path.write_text("SPEAKER elsewhere 1 0.000 1.000 <NA> <NA> speech <NA> <NA>\n")
    assert _turns(annotation_of_recording(path, "a.wav")) == [("speech", 0.0, 1.0)]
