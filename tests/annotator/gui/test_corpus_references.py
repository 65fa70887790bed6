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


TURNS = (
    "SPEAKER a 1 1.000 3.000 <NA> <NA> MEE009 <NA> <NA>\n"
    "SPEAKER a 1 3.000 2.000 <NA> <NA> MEE012 <NA> <NA>\n"
)


def test_speaker_turns_compare_with_speech_and_overlap_remembered_per_corpus(
    window, make_window, corpus, tmp_path
):
    from annotator.core import AddSegment, Segment

    assert window.controller.push(AddSegment("speech", Segment(1.0, 5.0, "speech")))
    path = tmp_path / "turns.rttm"
    path.write_text(TURNS)
    window.prompts.speakers_answer = True
    assert window.explain.load_reference(path)
    assert window.prompts.asked[-1] == ("map_speakers", ("turns.rttm", ["MEE009", "MEE012"]))
    tools = window.explain.reviewing
    speech = tools.comparison.lanes["speech"]
    assert (speech.reference_s, speech.missed_s, speech.false_alarm_s) == (4.0, 0.0, 0.0)
    assert tools.comparison.lanes["overlap"].missed_s == 1.0  # 3–4 s: both talk
    assert "speakers → speech" in tools.compare_panel.source.text()
    assert window.actions["reference_speakers"].isChecked()
    # turned off from the Tools menu: lane by lane again, and the corpus remembers
    window.actions["reference_speakers"].setChecked(False)
    assert "speech" not in tools.comparison.lanes
    assert set(tools.comparison.lanes) == {"MEE009", "MEE012"}
    window.actions["reference_speakers"].setChecked(True)
    asked = len(window.prompts.asked)
    other = make_window()
    assert other.open_path(corpus / "b.wav")
    assert other.actions["reference_speakers"].isChecked()
    path.with_name("b.rttm").write_text(TURNS.replace(" a ", " b "))
    assert other.explain.load_reference(path.with_name("b.rttm"))
    assert "speech" in other.explain.reviewing.comparison.lanes
    assert not any(kind == "map_speakers" for kind, _ in other.prompts.asked)
    assert len(window.prompts.asked) == asked


def test_rttm_export_asks_before_typed_labels_on_class_lanes_are_lost(window, tmp_path):
    from annotator.core import AddSegment, Segment

    assert window.controller.push(AddSegment("speech", Segment(1.0, 2.0, "laughing")))
    out = tmp_path / "a.rttm"
    window.prompts.confirm_answer = False
    assert not window.export("rttm", out) and not out.exists()
    kind, message = window.prompts.asked[-1]
    assert kind == "confirm" and "'laughing'" in message and "TextGrid" in message
    window.prompts.confirm_answer = True
    assert window.export("rttm", out) and out.exists()
    asked = len(window.prompts.asked)
    assert window.export("textgrid", tmp_path / "a.TextGrid")  # keeps labels: nothing asked
    assert len(window.prompts.asked) == asked
