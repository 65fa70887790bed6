"""``annotator compare``: a corpus against one multi-recording reference, per file and corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.formats import FormatError
from annotator.formats.uem import read_uem

REFERENCE = (
    "SPEAKER m1 1 0.000 4.000 <NA> <NA> A <NA> <NA>\n"
    "SPEAKER m1 1 3.000 2.000 <NA> <NA> B <NA> <NA>\n"
    "SPEAKER m2 1 1.000 1.000 <NA> <NA> A <NA> <NA>\n"
    "SPEAKER m3 1 0.000 9.000 <NA> <NA> C <NA> <NA>\n"
)
LABELS = (
    "SPEAKER m1 1 0.000 5.000 <NA> <NA> speech <NA> <NA>\n"
    "SPEAKER m2 1 1.000 2.000 <NA> <NA> speech <NA> <NA>\n"
    "SPEAKER other 1 0.000 1.000 <NA> <NA> speech <NA> <NA>\n"
)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "ref.rttm").write_text(REFERENCE)
    (tmp_path / "hyp.rttm").write_text(LABELS)
    (tmp_path / "ref.uem").write_text("m1 1 0.0 10.0\nm2 1 0.0 1.5\n")
    return tmp_path


def test_per_file_and_corpus_figures_with_speakers_mapped(files, capsys):
    out = files / "c.json"
    code = main(["compare", str(files / "hyp.rttm"), "--reference", str(files / "ref.rttm"),
                 "--json", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "reference speaker lanes read as speech" in text
    assert "not in the reference, left out: other" in text
    assert "reference recordings with no labels here: m3" in text
    figures = json.loads(out.read_text())
    speech = figures["corpus"]["speech"]
    assert speech["reference_s"] == pytest.approx(6.0)  # m1 0–5, m2 1–2
    assert speech["false_alarm_s"] == pytest.approx(1.0)  # m2 2–3
    assert speech["detection_error_rate"] == pytest.approx(1 / 6)
    overlap = figures["corpus"]["overlap"]
    assert overlap["reference_s"] == pytest.approx(1.0) and overlap["missed_s"] == 1.0
    assert figures["files"]["m1"]["overlap"]["empty_edits"]["add"] == 1


def test_a_uem_cuts_both_sides(files, capsys):
    out = files / "c.json"
    assert main(["compare", str(files / "hyp.rttm"), "--reference", str(files / "ref.rttm"),
                 "--uem", str(files / "ref.uem"), "--json", str(out)]) == 0  # fmt: skip
    figures = json.loads(out.read_text())
    assert figures["files"]["m2"]["speech"]["reference_s"] == pytest.approx(0.5)  # 1.0–1.5
    assert figures["files"]["m2"]["speech"]["false_alarm_s"] == 0.0  # 2–3 lies outside


def test_speaker_lanes_compared_by_name_when_asked(files, capsys):
    out = files / "c.json"
    assert main(["compare", str(files / "hyp.rttm"), "--reference", str(files / "ref.rttm"),
                 "--speakers", "no", "--json", str(out)]) == 0  # fmt: skip
    assert set(json.loads(out.read_text())["corpus"]) == {"A", "B"}


def test_a_folder_of_label_outputs_and_no_match_at_all(files, tmp_path, capsys):
    folder = tmp_path / "outs"
    folder.mkdir()
    (folder / "m2.rttm").write_text(LABELS.splitlines()[1] + "\n")
    assert main(["compare", str(folder), "--reference", str(files / "ref.rttm")]) == 0
    assert "m2" in capsys.readouterr().out
    (tmp_path / "none.rttm").write_text(LABELS.splitlines()[2] + "\n")
    assert (
        main(["compare", str(tmp_path / "none.rttm"), "--reference", str(files / "ref.rttm")]) == 1
    )
    err = capsys.readouterr().err.strip()
    assert "holds none of the recordings" in err and "\n" not in err


def test_uem_reader_joins_and_refuses_in_one_line(tmp_path):
    good = tmp_path / "a.uem"
    good.write_text(";; comment\nx 1 5 6\nx 1 0 2\nx 1 1.5 3\n\ny 1 0 1\n")
    assert read_uem(good) == {"x": [(0.0, 3.0), (5.0, 6.0)], "y": [(0.0, 1.0)]}
    for text, reason in (
        ("x 1 0\n", "4 fields"),
        ("x 1 a b\n", "numbers"),
        ("x 1 3 2\n", "not valid"),
    ):
        bad = tmp_path / "bad.uem"
        bad.write_text(text)
        with pytest.raises(FormatError, match=reason):
            read_uem(bad)


def test_a_corpus_folder_compares_its_saved_work(files, tmp_path, capsys):
    import numpy as np
    import soundfile

    from annotator.core import Segment
    from annotator.core.project import Project

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    soundfile.write(str(corpus / "m2.wav"), np.zeros(16000 * 4, dtype=np.float32), 16000)
    with Project.open_or_create(corpus) as project:
        (entry,) = project.recordings
        annotation = project.load(entry)
        annotation.lane("speech").add(Segment(1.0, 2.0, "speech"))
        project.save(entry, annotation)
    out = tmp_path / "c.json"
    assert main(["compare", str(corpus), "--reference", str(files / "ref.rttm"),
                 "--json", str(out)]) == 0  # fmt: skip
    speech = json.loads(out.read_text())["files"]["m2"]["speech"]
    assert speech["missed_s"] == 0.0 and speech["false_alarm_s"] == 0.0
