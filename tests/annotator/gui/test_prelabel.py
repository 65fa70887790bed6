"""Pre-labelling through the real window: background runs, the merge policy, thresholds, cache."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt

from annotator.core import AddSegment, MoveBoundary, RelabelSegment, Segment, Source
from annotator.core.project import Project
from annotator.core.sidecar import RecordingStatus, load_sidecar
from annotator.evidence.cache import cache_paths
from annotator.extensions import PRELABELER_GROUP, names
from annotator.gui import prelabel_actions
from tests.annotator.gui.conftest import write_wav
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[3]
if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random but complete model file (K = 16), loaded through the real checkpoint path."""
    return tiny_model_file(tmp_path_factory.mktemp("model"), threshold_classes=("sp", "mu", "no"))


@pytest.fixture
def win(window, tiny_model):
    window.settings.setValue("prelabel/nmf/model", str(tiny_model))
    return window


def run_and_wait(qtbot, window, action: str = "prelabel:nmf") -> None:
    window.actions[action].trigger()
    assert window.prelabel.running or window.prelabel.job.outcome is not None
    qtbot.waitUntil(lambda: not window.prelabel.running, timeout=60000)
    qtbot.wait(10)  # let the queued results and the finished signal arrive
    assert window.prelabel.job.outcome == "done", window.prelabel.job.outcome


def model_segments(annotation):
    return [(n, s) for n, s in annotation.segments() if s.source is Source.MODEL]


def busiest_lane(annotation) -> str:
    return max(annotation.lane_names, key=lambda n: len(annotation.lane(n)))


def test_the_menu_lists_every_discovered_prelabeler(window):
    found = names(PRELABELER_GROUP)
    assert "nmf" in found
    menus = [a.menu() for a in window.menuBar().actions() if a.menu()]
    texts = []
    while menus:
        menu = menus.pop()
        for action in menu.actions():
            texts.append(action.text())
            if action.menu():
                menus.append(action.menu())
    for name in found:
        assert f"{name}: this recording" in texts and f"{name}: all recordings" in texts


def test_prelabel_the_open_recording_in_one_undo_step(win, qtbot, corpus):
    progress = []
    doc = win.document
    assert not model_segments(doc.annotation) and win.actions["prelabel"].isEnabled()
    win.actions["prelabel:nmf"].trigger()
    win.prelabel.job.progress.connect(lambda f, text: progress.append((f, text)))
    assert not win.actions["prelabel"].isEnabled()  # one run at a time
    qtbot.waitUntil(lambda: not win.prelabel.running, timeout=60000)
    qtbot.wait(10)
    found = model_segments(doc.annotation)
    assert found and all(s.confidence is not None and s.label == n for n, s in found)
    # the corpus panel shows the work at once, marked unsaved, not "new / 0" until a save
    row = win.corpus.row_of(doc.path)
    assert win.corpus.item(row, 1).text() == "in review*"
    assert win.corpus.item(row, 3).text() == f"{len(found)}*"
    assert progress and progress[-1][0] == pytest.approx(1.0)
    # evidence is shown, and named in the status bar
    assert win.timeline.rows["posteriors"].isVisibleTo(win)
    assert win.timeline.rows["heatmap"].isVisibleTo(win)
    assert 0 < win.timeline.heatmap.data_shape[0] <= 16  # the compact heatmap by default
    win.actions["heatmap_all"].setChecked(True)
    assert win.timeline.heatmap.data_shape[0] == 16
    assert "tiny.safetensors" in win.model_label.text()
    assert win.prelabel.panel.isVisibleTo(win)
    # one undo step takes it all back, evidence included; redo restores it
    assert doc.stack.count() == 1 and doc.stack.undoText() == "Pre-label with nmf"
    win.actions["undo"].trigger()
    assert not model_segments(doc.annotation) and doc.evidence is None
    assert not win.timeline.rows["posteriors"].isVisibleTo(win)
    win.actions["redo"].trigger()
    assert model_segments(doc.annotation) == found and doc.evidence is not None
    # the evidence was cached beside the sidecar
    arrays, meta = cache_paths(win.project.sidecar_path(doc.entry))
    assert arrays.exists() and meta.exists()


def test_rerunning_never_overwrites_human_edits(win, qtbot):
    run_and_wait(qtbot, win)
    ann = win.document.annotation
    lane = busiest_lane(ann)
    target = max(ann.lane(lane), key=lambda s: s.duration)
    middle = round((target.start + target.end) / 2, 3)
    # a person confirms one model segment with a new label and shortens it to its first half
    relabel = RelabelSegment(lane, target, "checked")
    assert win.controller.push(relabel)
    accepted = ann.lane(lane).at(target.start)
    assert win.controller.push(MoveBoundary(lane, accepted, "end", middle))
    human = ann.lane(lane).at(target.start)
    assert human.source is Source.HUMAN and human.end == middle
    # and draws a segment of their own in an empty stretch of another lane
    other = next(n for n in ann.lane_names if n != lane)
    gap = max(ann.lane(other).gaps(0, ann.duration), key=lambda g: g[1] - g[0])
    mine = Segment(gap[0], gap[0] + (gap[1] - gap[0]) / 2, "mine", None, Source.HUMAN)
    assert win.controller.push(AddSegment(other, mine))
    depth = win.document.stack.count()
    run_and_wait(qtbot, win)
    assert human in ann.lane(lane) and mine in ann.lane(other)
    for name, segment in model_segments(ann):
        for person in (s for s in ann.lane(name) if s.source is Source.HUMAN):
            assert not segment.overlaps(person), (name, segment, person)
    # the model's second half of the shortened segment came back, clipped at the human edit
    rest = ann.lane(lane).at(middle)
    assert rest is not None and rest.source is Source.MODEL and rest.start == middle
    assert rest.end == pytest.approx(target.end)
    assert win.document.stack.count() in (depth, depth + 1)  # at most one step more


def test_threshold_slider_re_decides_model_segments_live_and_undoes_in_one_step(win, qtbot):
    run_and_wait(qtbot, win)
    doc, ann = win.document, win.document.annotation
    lane = busiest_lane(ann)
    code = doc.evidence.classes[doc.evidence.lanes.index(lane)]
    human = Segment(0.0, 0.01, "h", None, Source.HUMAN)
    free = next(n for n in ann.lane_names if not ann.lane(n).in_range(0.0, 0.01))
    assert win.controller.push(AddSegment(free, human))
    before = ann.to_dict()
    depth = doc.stack.count()
    slider = win.prelabel.panel.sliders[code]
    assert slider.value() == 50
    # a press, a drag over several values, a release: what a hand does
    slider.setSliderDown(True)
    for value in (60, 75, 90, 97):
        slider.setValue(value)
        qtbot.wait(5)
    slider.setSliderDown(False)
    assert doc.stack.count() == depth + 1  # one undo step for the whole drag
    assert doc.stack.undoText() == f"Set {lane} threshold to 0.97"  # the lane's name, not "sp"
    assert ann.to_dict() != before
    assert doc.evidence.thresholds[code]["onset"] == pytest.approx(0.97)
    assert doc.evidence.thresholds[code]["offset"] == pytest.approx(0.87)  # the gap is kept
    assert human in ann.lane(free)
    line = win.timeline.posteriors.thresholds[lane]
    assert line.value() == pytest.approx(0.97)
    win.actions["undo"].trigger()
    assert ann.to_dict() == before
    assert slider.value() == 50 and line.value() == pytest.approx(0.5)
    # clicks on the groove move it too, each click its own undo entry
    right_end = QPoint(slider.width() - 3, slider.height() // 2)
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=right_end)
    first = slider.value()
    assert first > 50 and doc.stack.count() == depth + 1
    if first < 100:
        qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=right_end)
        assert slider.value() > first and doc.stack.count() == depth + 2


def test_cancel_leaves_the_labels_alone(win, qtbot, corpus, monkeypatch):
    # A tiny model finishes 120 s of audio before a click could land; make the run wait for the
    # cancel (as a slow model would) and then go through the real pre-labeler, which must stop.
    from annotator.gui import prelabel_worker

    real_build = prelabel_worker.built_prelabeler
    inside = threading.Event()

    def slow_build(*args, **kwargs):
        real = real_build(*args, **kwargs)

        def slow(source, *, progress, cancel):
            progress(0.01)
            inside.set()
            assert cancel.wait(timeout=60), "the test never cancelled"
            return real(source, progress=progress, cancel=cancel)

        return slow

    monkeypatch.setattr(prelabel_worker, "built_prelabeler", slow_build)
    write_wav(corpus / "long.wav", 120.0, seed=5)
    assert win.open_path(corpus / "long.wav")
    doc, before = win.document, win.document.annotation.to_dict()
    win.actions["prelabel:nmf"].trigger()
    job = win.prelabel.job
    assert win.actions["prelabel_cancel"].isEnabled()
    qtbot.waitUntil(inside.is_set, timeout=60000)  # the worker is in the middle of a file
    win.actions["prelabel_cancel"].trigger()
    qtbot.waitUntil(lambda: not win.prelabel.running, timeout=60000)
    qtbot.wait(10)
    assert job.outcome == "cancelled"
    assert doc.annotation.to_dict() == before and doc.stack.count() == 0
    assert "cancelled" in win.statusBar().currentMessage()
    assert win.actions["prelabel"].isEnabled() and not win.prelabel.cancel_button.isVisible()


def test_reopening_shows_the_cached_evidence_without_the_model(win, qtbot, make_window, corpus):
    run_and_wait(qtbot, win)
    slider = win.prelabel.panel.sliders["sp"]
    slider.setValue(70)
    assert win.save()
    again = make_window()
    assert again.open_path(corpus / "a.wav")
    assert again.prelabel.job is None  # nothing ran
    ev = again.document.evidence
    assert ev is not None and ev.heat is not None and ev.posteriors.shape[0] == 4
    assert ev.heat.shape[0] == 16 and ev.heat.dtype.name == "uint8"
    assert ev.thresholds["sp"]["onset"] == pytest.approx(0.7)
    assert again.timeline.rows["heatmap"].isVisibleTo(again)
    assert "tiny.safetensors" in again.model_label.text()
    assert again.prelabel.panel.sliders["sp"].value() == 70
    # a changed recording makes the cache stale: it is not shown against the wrong audio
    write_wav(corpus / "a.wav", 10.0, seed=9)
    third = make_window()
    assert third.open_path(corpus / "a.wav")
    assert third.document.evidence is None and third.model_label.text() == "model: none"


def test_prelabel_all_recordings(win, qtbot, corpus):
    run_and_wait(qtbot, win, "prelabel_all:nmf")
    assert model_segments(win.document.annotation)  # the open one: an undo step
    assert win.document.stack.count() == 1
    project = Project.open(corpus)
    entry = project.entry("b.wav")
    state = load_sidecar(project.sidecar_path(entry))
    assert state.status is RecordingStatus.PRELABELLED and model_segments(state.annotation)
    assert all(p.exists() for p in cache_paths(project.sidecar_path(entry)))


def test_demo_without_a_default_model_opens_unlabelled(win, monkeypatch):
    monkeypatch.setattr(prelabel_actions, "installed_default_model", lambda: None)
    assert not win.prelabel.prelabel_demo()
    assert "No default model is installed" in win.statusBar().currentMessage()
    assert win.prelabel.job is None


def test_demo_with_a_model_is_prelabelled_on_first_open(win, qtbot, monkeypatch, tiny_model):
    monkeypatch.setattr(prelabel_actions, "installed_default_model", lambda: tiny_model)
    assert win.prelabel.prelabel_demo()
    qtbot.waitUntil(lambda: not win.prelabel.running, timeout=60000)
    qtbot.wait(10)
    assert model_segments(win.document.annotation)
    assert not win.prelabel.prelabel_demo()  # pre-labelled already: not again
