"""A corpus RTTM as import or reference: the open recording's file-id is used, the person is
asked only when none matches (issue 17, bug 2)."""

from __future__ import annotations

CORPUS = (
    "SPEAKER b 1 0.500 1.000 <NA> <NA> speech <NA> <NA>\n"
    "SPEAKER a 1 2.000 3.000 <NA> <NA> speech <NA> <NA>\n"
    "SPEAKER a 1 6.000 1.000 <NA> <NA> music <NA> <NA>\n"
)


def _times(annotation, lane):
    return [(s.start, s.end) for s in annotation.lane(lane)]


def test_import_takes_the_open_recordings_file_id(window, tmp_path):
    path = tmp_path / "corpus.rttm"
    path.write_text(CORPUS)
    assert window.import_labels(path)
    annotation = window.document.annotation
    assert _times(annotation, "speech") == [(2.0, 5.0)]
    assert _times(annotation, "music") == [(6.0, 7.0)]
    assert window.prompts.errors == [] and window.prompts.asked == []


def test_reference_with_no_matching_id_asks_which_recording(window, tmp_path):
    path = tmp_path / "other.rttm"
    path.write_text(CORPUS.replace(" a ", " x ").replace(" b ", " y "))
    window.prompts.recording_answer = None  # declined: nothing loaded, no error
    assert not window.explain.load_reference(path)
    assert window.prompts.asked[-1] == ("choose_recording", ("other.rttm", ["y", "x"]))
    assert window.prompts.errors == []
    window.prompts.recording_answer = "x"
    assert window.explain.load_reference(path)
    assert _times(window.explain.reviewing.reference, "speech") == [(2.0, 5.0)]


def test_export_names_the_recording_whatever_the_file_is_called(window, tmp_path):
    from annotator.core import AddSegment, Segment

    assert window.controller.push(AddSegment("speech", Segment(1.0, 2.0, "speech")))
    out = tmp_path / "renamed for the archive.rttm"
    assert window.export("rttm", out)
    assert out.read_text().split()[1] == "a"
