"""Tools ▸ Compare corpus with reference (issue 17, item 2): every recording of the open corpus
against one RTTM (and UEM), a row per recording and a pooled corpus row, in the background.

The figures are checked against the project's own scoring run directly on the same files:
`annotator.review.compare.compare` for the edits, pyannote's detection counts
(`segmenter.evaluation.time_counts`) for F1, summed over files for the corpus row."""

from __future__ import annotations

import csv
import time

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtTest import QTest

from tests.annotator.gui.conftest import write_wav

REFERENCE = (
    "SPEAKER a 1 2.000 3.000 <NA> <NA> speech <NA> <NA>\n"
    "SPEAKER a 1 6.000 1.000 <NA> <NA> music <NA> <NA>\n"
    "SPEAKER b 1 0.500 2.000 <NA> <NA> speech <NA> <NA>\n"
    "SPEAKER zz 1 0.000 1.000 <NA> <NA> speech <NA> <NA>\n"
)
LABELS = {
    "a.wav": {"speech": [(1.0, 4.0)], "music": [(6.0, 8.0)]},
    "b.wav": {"speech": [(0.5, 2.5)]},
}


def _save_labels(project, labels):
    from annotator.core import Annotation, Segment

    for name, lanes in labels.items():
        entry = project.entry(name)
        annotation = Annotation.with_class_lanes(project.recording_info(entry))
        for lane, spans in lanes.items():
            for a, b in spans:
                annotation.lane(lane).add(Segment(a, b, lane))
        project.save(entry, annotation)


@pytest.fixture
def scored(make_window, corpus, tmp_path):
    """A corpus of a, b (labelled) and c (not in the reference), opened on a."""
    from annotator.core.project import Project

    write_wav(corpus / "c.wav", 4.0, seed=3)
    project = Project.open_or_create(corpus)
    _save_labels(project, LABELS)
    reference = tmp_path / "dev.rttm"
    reference.write_text(REFERENCE)
    window = make_window()
    assert window.open_path(corpus / "a.wav")
    return window, reference


def _run(qtbot, window, reference, uem=None):
    dialog = window.explain.open_corpus_compare()
    assert dialog is not None and dialog.isVisible()
    dialog.reference.setText(str(reference))
    dialog.uem.setText(str(uem) if uem else "")
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
    qtbot.wait(20)  # the finished signal is queued to the GUI thread
    return dialog


def _row(dialog, name):
    rows = dialog.shown_rows()
    found = [r for r in rows if r[0] == name or (not r[0] and r[1] == name)]
    assert len(found) == 1, (name, rows)
    return dict(zip(_header(dialog), found[0], strict=True))


def _header(dialog):
    return [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(
        dialog.model.columnCount())]  # fmt: skip


def _direct(reference, corpus):
    """Per file and lane: (pyannote detection counts, edits) computed directly; and pooled."""
    from annotator.core.project import Project
    from annotator.formats import read_annotations
    from annotator.review.compare import compare
    from segmenter.evaluation import DetectionCounts, time_counts

    references = read_annotations(reference)
    project = Project.open(corpus)
    files, pooled, pooled_edits = {}, {}, 0
    for name, file_id in (("a.wav", "a"), ("b.wav", "b")):
        truth = references[file_id]
        working = project.load(project.entry(name))
        comparison = compare(truth, working)
        extent = max(truth.end_time, working.end_time)
        lanes = {}
        for lane in truth.lane_names:
            counts = time_counts(
                [(s.start, s.end) for s in truth.lane(lane)],
                [(s.start, s.end) for s in working.lane(lane)],
                uem=[(0.0, extent)],
            )
            lanes[lane] = counts
            pooled[lane] = pooled.get(lane, DetectionCounts()) + counts
        files[name] = (lanes, comparison.edits.total)
        pooled_edits += comparison.edits.total
    return files, pooled, pooled_edits


def test_per_file_and_pooled_figures_match_the_projects_own_scoring(qtbot, scored, corpus):
    window, reference = scored
    dialog = _run(qtbot, window, reference)
    assert dialog.report is not None, dialog.status.text()
    files, pooled, pooled_edits = _direct(reference, corpus)
    header = _header(dialog)
    assert header[:4] == ["Recording", "File-id", "speech F1", "music F1"]
    for name, (lanes, edits) in files.items():
        row = _row(dialog, name)
        assert row["File-id"] == name[0]
        for lane, counts in lanes.items():
            assert row[f"{lane} F1"] == f"{counts.f1:.3f}", (name, lane)
        assert row["Edits to correct"] == str(edits)
    corpus_row = _row(dialog, "CORPUS")
    assert corpus_row["speech F1"] == f"{pooled['speech'].f1:.3f}"
    assert corpus_row["music F1"] == f"{pooled['music'].f1:.3f}"
    assert corpus_row["Edits to correct"] == str(pooled_edits)
    # pooled, not the mean of the rows (the data are chosen so that the two differ)
    mean = sum(files[n][0]["speech"].f1 for n in files) / 2
    assert abs(pooled["speech"].f1 - mean) > 0.01
    numbers = {r.recording: r for r in dialog.report.rows()}
    assert numbers["CORPUS"].f1["speech"] == pytest.approx(pooled["speech"].f1, abs=1e-9)
    assert numbers["a.wav"].f1["music"] == pytest.approx(files["a.wav"][0]["music"].f1, abs=1e-9)
    assert "about" in dialog.headline.text() and str(pooled_edits) in dialog.headline.text()


def test_unmatched_recordings_and_file_ids_are_rows_and_sorting_keeps_the_corpus_row_first(
    qtbot, scored
):
    window, reference = scored
    dialog = _run(qtbot, window, reference)
    c = _row(dialog, "c.wav")
    assert c["Note"] == "not in reference" and c["speech F1"] == "" and c["File-id"] == ""
    zz = _row(dialog, "zz")
    assert zz["Note"] == "no recording" and zz["Edits to correct"] == ""
    speech = _header(dialog).index("speech F1")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        dialog.table.sortByColumn(speech, order)
        names = [r[0] or r[1] for r in dialog.shown_rows()]
        assert names[0] == "CORPUS"
        assert set(names[-2:]) == {"c.wav", "zz"}
        scores = [float(r[speech]) for r in dialog.shown_rows()[1:3]]
        assert scores == sorted(scores, reverse=order == Qt.SortOrder.DescendingOrder)


def test_double_click_opens_that_recording(qtbot, scored, corpus):
    window, reference = scored
    dialog = _run(qtbot, window, reference)
    row = next(i for i, r in enumerate(dialog.shown_rows()) if r[0] == "b.wav")
    index = dialog.rows.index(row, 0)
    rect = dialog.table.visualRect(index)
    viewport, left, plain = (
        dialog.table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # a hand's double click: press, release, then the double-click event (Qt6 views emit
    # doubleClicked only for the index the press was on)
    QTest.mouseClick(viewport, left, plain, rect.center())
    QTest.mouseDClick(viewport, left, plain, rect.center())
    qtbot.waitUntil(lambda: window.document.path == (corpus / "b.wav").resolve(), timeout=5000)
    # the corpus row and an id without a recording open nothing
    corpus_row = next(i for i, r in enumerate(dialog.shown_rows()) if r[0] == "CORPUS")
    assert dialog.path_at(corpus_row) is None


def test_export_csv_writes_the_table_as_shown(qtbot, scored, tmp_path):
    window, reference = scored
    dialog = _run(qtbot, window, reference)
    out = tmp_path / "out" / "figures.csv"
    out.parent.mkdir()
    window.prompts.save_answer = out
    assert dialog.export_csv()
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == _header(dialog)
    assert rows[1:] == dialog.shown_rows()
    assert rows[1][0] == "CORPUS" and len(rows) == 1 + 5  # corpus, a, b, c, zz
    by_name = {r[0] or r[1]: r for r in rows[1:]}
    assert by_name["a.wav"][2] == _row(dialog, "a.wav")["speech F1"] != ""
    assert not list(out.parent.glob(".*"))  # no temporary left beside it


def test_open_recordings_unsaved_edits_are_scored_and_said_others_as_saved(qtbot, scored):
    from annotator.core import AddSegment, Segment

    window, reference = scored
    before = _row(_run(qtbot, window, reference), "a.wav")
    assert before["Note"] == ""
    # the missing stretch 4-5 s of speech, added but not saved
    assert window.controller.push(AddSegment("speech", Segment(4.0, 5.0, "speech")))
    assert window.document.dirty
    dialog = _run(qtbot, window, reference)
    after = _row(dialog, "a.wav")
    assert after["Note"] == "unsaved edits included"
    assert float(after["speech F1"]) > float(before["speech F1"])
    assert _row(dialog, "b.wav")["Note"] == ""


def test_malformed_reference_is_one_line_naming_the_file(qtbot, scored, tmp_path):
    window, _ = scored
    bad = tmp_path / "broken.rttm"
    bad.write_text("SPEAKER a 1 0.000 1.000 <NA> <NA> speech <NA>\n")
    dialog = _run(qtbot, window, bad)
    text = dialog.status.text()
    assert dialog.report is None and dialog.model.rowCount() == 0
    assert str(bad) in text and "\n" not in text and "Traceback" not in text
    assert "10 fields" in text and dialog.start_button.isEnabled()
    uem = tmp_path / "broken.uem"
    uem.write_text("a 1 0.0\n")
    dialog = _run(qtbot, window, tmp_path / "dev.rttm", uem)
    assert dialog.report is None
    assert str(uem) in dialog.status.text() and "4 fields" in dialog.status.text()
    dialog.reference.setText(str(tmp_path / "missing.rttm"))
    assert not dialog.start()
    assert dialog.status.text() == f"{tmp_path / 'missing.rttm'}: no such file"


def test_uem_limits_what_is_scored(qtbot, scored, tmp_path):
    window, reference = scored
    uem = tmp_path / "dev.uem"
    uem.write_text("a 1 0.0 5.0\nb 1 0.0 6.0\n")
    dialog = _run(qtbot, window, reference, uem)
    a = _row(dialog, "a.wav")
    assert a["music F1"] == ""  # music lies outside a's scored region: compared, nothing there
    # within 0-5 s: reference speech 2-5, labels 1-4 -> hit 2, false alarm 1, miss 1
    assert a["speech F1"] == f"{2 * 2 / (2 * 2 + 1 + 1):.3f}"


def test_speaker_turns_are_read_as_the_single_file_compare_reads_them(qtbot, scored, tmp_path):
    window, _ = scored
    turns = tmp_path / "turns.rttm"
    turns.write_text(
        "SPEAKER a 1 1.000 3.000 <NA> <NA> MEE009 <NA> <NA>\n"
        "SPEAKER a 1 3.000 2.000 <NA> <NA> MEE012 <NA> <NA>\n"
        "SPEAKER b 1 0.500 1.000 <NA> <NA> MEE009 <NA> <NA>\n"
    )
    dialog = _run(qtbot, window, turns)
    assert dialog.report.mapped and "speaker lanes read as speech" in dialog.headline.text()
    window.prompts.speakers_answer = True
    assert window.explain.load_reference(turns)
    single = window.explain.reviewing.comparison.lanes
    from annotator.review.corpus_report import lane_f1

    a = _row(dialog, "a.wav")
    assert a["speech F1"] == f"{lane_f1(single['speech']):.3f}"
    assert a["overlap F1"] == f"{lane_f1(single['overlap']):.3f}"


def test_long_corpus_runs_in_the_background_and_cancels(qtbot, scored, monkeypatch, corpus):
    import annotator.gui.corpus_compare_dialog as module

    window, reference = scored
    for i in range(12):
        write_wav(corpus / f"a{i:02d}.wav", 1.0, seed=10 + i)
    window.context.project.rescan()
    slow = module.saved_labels

    def slow_labels(*args):
        time.sleep(0.15)
        return slow(*args)

    monkeypatch.setattr(module, "saved_labels", slow_labels)
    text = reference.read_text() + "".join(
        f"SPEAKER a{i:02d} 1 0.000 0.500 <NA> <NA> speech <NA> <NA>\n" for i in range(12)
    )
    reference.write_text(text)
    dialog = window.explain.open_corpus_compare()
    dialog.reference.setText(str(reference))
    assert dialog.start()
    assert dialog.running and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=10000)  # the GUI thread is free
    assert dialog.running
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    qtbot.wait(20)
    assert dialog.report is None and dialog.status.text().startswith("Cancelled")
    assert not dialog.export_button.isEnabled()


def test_a_damaged_sidecar_is_its_rows_note_and_the_rest_is_scored(qtbot, scored, corpus):
    from annotator.core.sidecar import backup_path

    window, reference = scored
    project = window.context.project
    sidecar = project.sidecar_path(project.entry("b.wav"))
    for path in (sidecar, backup_path(sidecar)):
        path.unlink(missing_ok=True)
    sidecar.write_text("{not json")
    dialog = _run(qtbot, window, reference)
    b = _row(dialog, "b.wav")
    assert b["Note"].startswith("labels unreadable: ") and str(sidecar) in b["Note"]
    assert b["speech F1"] == "" and _row(dialog, "a.wav")["speech F1"] != ""
    assert dialog.report.comparison.files.keys() == {"a.wav"}
