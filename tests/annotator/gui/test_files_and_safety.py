"""Saving, exporting, switching files, closing and crash recovery: the window never loses work."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt

from annotator.core import AddSegment, Segment
from annotator.core.project import Project
from annotator.core.sidecar import RecordingStatus, load_sidecar
from annotator.formats import read_annotation
from tests.annotator.gui.conftest import ScriptedPrompts


def add(window, lane="speech", start=1.0, end=2.0, label="speech"):
    assert window.controller.push(AddSegment(lane, Segment(start, end, label)))


def test_save_writes_the_sidecar_and_clears_the_unsaved_marker(window, qtbot, corpus):
    assert window.unsaved_label.text() == "saved"
    add(window)
    assert window.isWindowModified() and "unsaved" in window.unsaved_label.text()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not window.isWindowModified() and window.unsaved_label.text() == "saved"
    sidecar = window.project.sidecar_path(window.document.entry)
    state = load_sidecar(sidecar)
    assert [(s.start, s.end) for s in state.annotation.lane("speech")] == [(1.0, 2.0)]
    assert state.status is RecordingStatus.IN_REVIEW
    add(window, start=3.0, end=4.0)
    window.save()
    assert sidecar.with_name(sidecar.name + ".bak").exists()  # previous version kept
    # the corpus panel shows the new count and status
    row = window.corpus.row_of(corpus / "a.wav")
    assert window.corpus.item(row, 3).text() == "2"
    assert window.corpus.item(row, 1).text() == "in review"


def test_reopening_shows_saved_labels(make_window, corpus):
    first = make_window()
    first.open_path(corpus / "a.wav")
    add(first, "music", 2.0, 5.0, "music")
    first.save()
    second = make_window()
    second.open_path(corpus / "a.wav")
    assert [(s.start, s.end) for s in second.document.annotation.lane("music")] == [(2.0, 5.0)]
    assert not second.document.dirty


def test_export_formats(window, tmp_path):
    add(window, "speech", 1.0, 2.5)
    add(window, "music", 2.0, 4.0, "music")
    rttm = tmp_path / "out.rttm"
    assert window.export("rttm", rttm)
    lines = rttm.read_text().split("\n")
    assert any(
        line.startswith("SPEAKER a 1 1.000 1.500") and " speech " in line for line in lines
    )  # the file-id names the recording (a.wav), not the export file: scoring pipelines join on it
    for name, suffix in (("audacity", ".txt"), ("json", ".json"), ("textgrid", ".TextGrid")):
        path = tmp_path / f"out{suffix}"
        assert window.export(name, path)
        back = read_annotation(path)
        assert [(s.start, s.end) for s in back.lane("music")] == [(2.0, 4.0)]
    window.prompts.save_answer = None  # the dialog cancelled: nothing written, no error
    assert not window.export("textgrid")
    assert window.prompts.errors == []


def test_export_failure_is_one_line_naming_the_file(window, tmp_path):
    target = tmp_path / "missing-folder" / "x.TextGrid"
    assert not window.export("textgrid", target)
    (message,) = window.prompts.errors
    assert "x.TextGrid" in message and "\n" not in message


def test_close_asks_when_unsaved(window):
    add(window)
    window.prompts.unsaved_answer = "cancel"
    assert not window.close()
    assert window.prompts.asked[-1][0] == "unsaved"
    window.prompts.unsaved_answer = "save"
    assert window.close()
    sidecar = window.project.sidecar_path(window.document.entry)
    assert len(load_sidecar(sidecar).annotation.lane("speech")) == 1


def test_close_without_changes_does_not_ask(window):
    assert window.close()
    assert window.prompts.asked == []


def test_page_down_saves_and_opens_the_next_recording(window, qtbot, corpus):
    add(window)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.document.path.name == "b.wav"
    assert window.document.annotation.lane("speech").segments == ()
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.document.path.name == "a.wav"
    assert len(window.document.annotation.lane("speech")) == 1  # saved on leaving


def test_autosave_then_crash_recovery_is_offered(make_window, corpus):
    first = make_window()
    first.open_path(corpus / "a.wav")
    add(first, "noise", 0.5, 1.5, "noise")
    assert first.document.flush_autosave()
    autosave = first.document.autosaver.path
    assert autosave.exists()
    first.document.stack.setClean()  # simulate the crash: no save, window gone
    prompts = ScriptedPrompts()
    prompts.recover_answer = "recover"
    second = make_window(prompts)
    second.open_folder(corpus)
    assert prompts.asked[0] == ("recover", ["a.wav"])
    assert [(s.start, s.end) for s in second.document.annotation.lane("noise")] == [(0.5, 1.5)]
    assert not autosave.exists()


def test_autosave_timer_writes_after_the_interval(window, monkeypatch):
    clock = [100.0]
    window.document.autosaver.clock = lambda: clock[0]
    add(window)
    window._autosave_tick()
    assert not window.document.autosaver.path.exists()
    clock[0] += 31.0
    window._autosave_tick()
    assert window.document.autosaver.path.exists()
    window.save()
    assert not window.document.autosaver.path.exists()


def test_undo_back_to_saved_state_is_clean(window):
    add(window)
    window.document.stack.undo()
    assert not window.document.dirty and not window.isWindowModified()


def test_import_adds_lanes_undoably(window, tmp_path):
    add(window, "speech", 1.0, 2.0)
    window.export("textgrid", tmp_path / "x.TextGrid")
    window.document.stack.undo()
    add(window, "speech", 5.0, 6.0)
    assert window.import_labels(tmp_path / "x.TextGrid")
    names = window.document.annotation.lane_names
    assert "speech (imported)" in names
    assert [(s.start, s.end) for s in window.document.annotation.lane("speech (imported)")] == [
        (1.0, 2.0)
    ]
    window.document.stack.undo()
    assert "speech (imported)" not in window.document.annotation.lane_names


def test_open_folder_lists_the_corpus(make_window, corpus):
    window = make_window()
    assert window.open_folder(corpus)
    assert [window.corpus.item(r, 0).text() for r in range(window.corpus.rowCount())] == [
        "a.wav",
        "b.wav",
    ]
    assert window.corpus.item(0, 2).text() == "0:10"
    assert Project.open(corpus).root == corpus.resolve()
    window.corpus.openRequested.emit(corpus / "b.wav")
    assert window.document.path.name == "b.wav"


def test_unreadable_file_is_reported_in_one_line(make_window, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really")
    window = make_window()
    assert not window.open_path(bad)
    (message,) = window.prompts.errors
    assert "broken.wav" in message and "\n" not in message


def test_settings_persist_splitters(make_window, corpus):
    first = make_window()
    first.splitter.setSizes([200, 1000])
    first.save_settings()
    saved = first.splitter.sizes()
    second = make_window()
    assert second.splitter.sizes() == saved
    assert isinstance(Path(str(second.settings.value("last_folder", ""))), Path)
