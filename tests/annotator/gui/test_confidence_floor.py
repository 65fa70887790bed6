"""The confidence floor through the real window: the slider row, the lane's right-click menu, the
Lanes menu, undo/redo, the status bar, save and reopen, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtTest import QTest

from annotator.core import AddSegment, Segment, Source
from annotator.core.sidecar import load_sidecar
from annotator.formats import read_annotation
from tests.annotator.gui._gui_helpers import lanes_viewport_pos

GUESSES = [(0.5, 1.5, 0.9), (2.0, 3.0, 0.3), (3.5, 4.5, 0.55), (5.0, 6.0, 0.7), (7.0, 8.0, 0.2)]
PERSON = Segment(8.5, 9.5, "music", None, Source.HUMAN)


def music(a: float, b: float, conf: float) -> Segment:
    return Segment(a, b, "music", conf, Source.MODEL)


@pytest.fixture
def win(window):
    """The window with model guesses in the music lane (as a pre-label leaves them) and one
    segment a person drew; the history starts after them."""
    for a, b, conf in GUESSES:
        assert window.controller.push(AddSegment("music", music(a, b, conf)), select=False)
    assert window.controller.push(AddSegment("music", PERSON), select=False)
    window.document.stack.clear()
    return window


def spans(lane) -> list[tuple[float, float]]:
    return [(s.start, s.end) for s in lane]


def item_pos(win, lane: str, t: float) -> QPointF:
    """Time ``t`` in the middle of ``lane``, in the lanes item's coordinates."""
    return QPointF(t, win.timeline.lanes.row_of(lane) + 0.5)


def test_dragging_the_slider_hides_guesses_in_one_undo_step(win, qtbot):
    doc, ann = win.document, win.document.annotation
    panel = win.floors.panel
    assert panel.isVisibleTo(win) and panel.lanes == ("music",)  # only lanes with guesses
    slider = panel.sliders["music"]
    assert slider.value() == 0
    before = ann.to_dict()
    slider.setSliderDown(True)
    for value in (20, 40, 75, 60):
        slider.setValue(value)
        qtbot.wait(5)
    slider.setSliderDown(False)
    assert doc.stack.count() == 1  # the whole drag is one step
    lane = ann.lane("music")
    assert spans(lane) == [(0.5, 1.5), (5.0, 6.0), (8.5, 9.5)]
    assert PERSON in lane and len(lane.hidden) == 3
    # the lanes view draws what the annotation shows: the hidden guesses are not hit-tested
    assert win.timeline.lanes.hit(item_pos(win, "music", 2.5)).kind == "empty"
    assert win.statusBar().currentMessage() == "music: 3 model segments below 0.60 hidden"
    assert panel.counts["music"].text() == "3 hidden" and panel.values["music"].text() == "0.60"
    after = ann.to_dict()
    win.actions["undo"].trigger()
    assert ann.to_dict() == before
    assert slider.value() == 0 and panel.counts["music"].text() == ""
    win.actions["redo"].trigger()
    assert ann.to_dict() == after and slider.value() == 60
    assert "Hide music model segments below confidence 0.60" in win.actions["undo"].text()


def test_right_click_menu_sets_and_clears_the_floor(win, qtbot):
    ann = win.document.annotation
    asked = []

    def answer(lane: str, current: float) -> float:
        asked.append((lane, current))
        return 0.5

    win.floors.ask_floor = answer
    viewport = win.timeline.rows["lanes"].viewport()
    QTest.mouseClick(
        viewport, Qt.MouseButton.RightButton, pos=lanes_viewport_pos(win, "music", 6.5)
    )
    menu = win.floors.menu
    assert menu is not None and menu.isVisible()
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Hide model segments below confidence…", "Show all model segments"]
    assert not menu.actions()[1].isEnabled()  # nothing hidden yet
    menu.actions()[0].trigger()
    menu.close()
    assert asked == [("music", 0.0)]
    assert ann.lane("music").confidence_floor == 0.5 and len(ann.lane("music").hidden) == 2
    assert win.floors.panel.sliders["music"].value() == 50  # the slider follows
    # the menu now offers to show everything again, and says what is hidden
    menu = win.floors.lane_menu("music")
    assert menu.actions()[1].isEnabled()
    assert menu.actions()[2].text() == "music: 2 model segments below 0.50 hidden"
    menu.actions()[1].trigger()
    assert ann.lane("music").hidden == () and spans(ann.lane("music"))[1] == (2.0, 3.0)
    assert win.document.stack.count() == 2


def test_the_lanes_menu_acts_on_the_current_lane(win):
    ann = win.document.annotation
    win.controller.current_lane = "music"
    win.floors.ask_floor = lambda lane, current: 0.8
    assert win.floors.action.isEnabled()
    win.floors.action.trigger()
    assert [s.source for s in ann.lane("music")] == [Source.MODEL, Source.HUMAN]
    win.controller.current_lane = "speech"  # a lane without guesses: nothing to hide
    win.floors.ask_floor = lambda lane, current: 0.3
    win.floors.action.trigger()
    assert ann.lane("speech").confidence_floor == 0.3 and win.document.stack.count() == 2


def test_the_floor_survives_save_and_reopen_and_stays_out_of_exports(
    win, qtbot, make_window, corpus: Path, tmp_path: Path
):
    win.floors.set_floor("music", 0.6)
    assert win.save()
    state = load_sidecar(win.project.sidecar_path(win.document.entry))
    assert state.annotation.lane("music").confidence_floor == 0.6
    assert len(state.annotation.lane("music").hidden) == 3
    out = tmp_path / "labels.rttm"
    assert win.export("rttm", out)
    exported = read_annotation(out).lane("music")
    assert spans(exported) == [(0.5, 1.5), (5.0, 6.0), (8.5, 9.5)]
    # another window opens the saved labels: the floor is set and lowering it brings them back
    other = make_window()
    assert other.open_path(corpus / "a.wav")
    slider = other.floors.panel.sliders["music"]
    assert slider.value() == 60 and other.floors.panel.counts["music"].text() == "3 hidden"
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(3, slider.height() // 2))
    assert slider.value() < 60
    lane = other.document.annotation.lane("music")
    assert (2.0, 3.0) in spans(lane) or (3.5, 4.5) in spans(lane)
