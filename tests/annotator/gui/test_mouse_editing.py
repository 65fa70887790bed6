"""Mouse gestures on the lanes, driven through the real viewport, checked on the core model."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from annotator.core import CLASS_LANES, AddSegment, Segment, Source
from tests.annotator.gui._gui_helpers import drag, lanes_viewport_pos


def add(window, lane: str, start: float, end: float, label: str | None = None, model: bool = False):
    segment = Segment(
        start,
        end,
        lane if label is None else label,
        0.8 if model else None,
        Source.MODEL if model else Source.HUMAN,
    )
    assert window.controller.push(AddSegment(lane, segment))
    return segment


def test_open_shows_waveform_and_empty_class_lanes(window):
    doc = window.document
    assert doc.annotation.lane_names == CLASS_LANES
    assert all(len(lane) == 0 for lane in doc.annotation)
    x, _ = window.timeline.waveform.getData()
    assert 0 < len(x) <= 4 * 4 * 2000  # drawn from a pyramid level, not 160 000 samples
    assert window.timeline.waveform.shown[2] > 1
    window.timeline.set_visible_range(2.0, 3.0)
    wave_range = window.timeline.rows["waveform"].getViewBox().viewRange()[0]
    assert wave_range == pytest.approx([2.0, 3.0], abs=1e-6)  # shared x axis
    assert window.overview.region.getRegion() == pytest.approx((2.0, 3.0), abs=1e-6)


def test_create_segment_by_dragging_on_an_empty_lane(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    widget = window.timeline.rows["lanes"]
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "music", 2.0),
        lanes_viewport_pos(window, "music", 4.0),
    )
    (segment,) = window.document.annotation.lane("music")
    assert segment.start == pytest.approx(2.0, abs=0.05)
    assert segment.end == pytest.approx(4.0, abs=0.05)
    assert segment.label == "music" and segment.source is Source.HUMAN
    assert window.document.stack.count() == 1
    assert window.controller.selection == [("music", segment)]
    window.document.stack.undo()
    assert len(window.document.annotation.lane("music")) == 0


def test_dragging_a_boundary_is_one_undo_step(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    add(window, "speech", 2.0, 5.0, model=True)
    before = window.document.stack.count()
    widget = window.timeline.rows["lanes"]
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "speech", 5.0),
        lanes_viewport_pos(window, "speech", 6.5),
        steps=8,
    )
    (moved,) = window.document.annotation.lane("speech")
    assert moved.start == 2.0
    assert moved.end == pytest.approx(6.5, abs=0.05)
    assert moved.source is Source.HUMAN and moved.confidence is None  # a human touched it
    assert window.document.stack.count() == before + 1  # eight moves, one step
    window.document.stack.undo()
    (restored,) = window.document.annotation.lane("speech")
    assert (restored.end, restored.source) == (5.0, Source.MODEL)
    window.document.stack.redo()
    assert window.document.annotation.lane("speech")[0].end == pytest.approx(6.5, abs=0.05)


def test_boundary_snaps_to_a_boundary_in_another_lane(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    add(window, "music", 4.0, 7.0)
    add(window, "speech", 1.0, 3.0)
    widget = window.timeline.rows["lanes"]
    px = window.timeline.lanes.seconds_per_pixel()
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "speech", 3.0),
        lanes_viewport_pos(window, "speech", 4.0 + 3 * px),
    )
    assert window.document.annotation.lane("speech")[0].end == 4.0  # exactly, not 4.0 + 3 px


def test_boundary_stops_at_the_neighbour_and_alt_moves_the_shared_one(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    add(window, "speech", 1.0, 4.0, label="a")
    add(window, "speech", 4.0, 8.0, label="b")
    widget = window.timeline.rows["lanes"]
    # without Alt the end of "a" cannot enter "b": it stays at 4.0, nothing is pushed
    count = window.document.stack.count()
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "speech", 3.99),
        lanes_viewport_pos(window, "speech", 6.0),
    )
    lane = window.document.annotation.lane("speech")
    assert [(s.start, s.end) for s in lane] == [(1.0, 4.0), (4.0, 8.0)]
    assert window.document.stack.count() == count
    # with Alt the shared boundary moves for both
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "speech", 3.99),
        lanes_viewport_pos(window, "speech", 6.0),
        modifier=Qt.KeyboardModifier.AltModifier,
    )
    a, b = window.document.annotation.lane("speech")
    assert a.end == pytest.approx(6.0, abs=0.05) and b.start == a.end and b.end == 8.0
    assert window.document.stack.count() == count + 1


def test_drag_a_segment_to_another_lane(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    add(window, "speech", 2.0, 4.0)
    widget = window.timeline.rows["lanes"]
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "speech", 3.0),
        lanes_viewport_pos(window, "music", 3.0),
    )
    assert len(window.document.annotation.lane("speech")) == 0
    (moved,) = window.document.annotation.lane("music")
    assert (moved.start, moved.end, moved.label) == (2.0, 4.0, "music")


def test_click_selects_and_ctrl_click_extends(window, qtbot):
    window.timeline.set_visible_range(0.0, 10.0)
    first = add(window, "speech", 1.0, 2.0)
    second = add(window, "music", 5.0, 6.0)
    viewport = window.timeline.rows["lanes"].viewport()
    qtbot.mouseClick(
        viewport, Qt.MouseButton.LeftButton, pos=lanes_viewport_pos(window, "speech", 1.5)
    )
    assert window.controller.selection == [("speech", first)]
    assert window.timeline.cursor_time == pytest.approx(1.5, abs=0.05)
    qtbot.mouseClick(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        pos=lanes_viewport_pos(window, "music", 5.5),
    )
    assert set(window.controller.selection) == {("speech", first), ("music", second)}
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert all(len(lane) == 0 for lane in window.document.annotation)
    window.document.stack.undo()
    assert len(window.document.annotation.lane("speech")) == 1
    assert len(window.document.annotation.lane("music")) == 1


def test_a_boundary_dragged_past_its_partner_stops_at_a_visible_length(window, qtbot, tmp_path):
    window.timeline.set_visible_range(0.0, 10.0)
    add(window, "speech", 2.0, 3.0)
    widget = window.timeline.rows["lanes"]
    drag(
        qtbot,
        widget,
        lanes_viewport_pos(window, "speech", 2.995),
        lanes_viewport_pos(window, "speech", 1.0),
        steps=6,
    )
    (segment,) = window.document.annotation.lane("speech")
    shortest = window.controller.shortest()
    assert shortest >= 0.01 and shortest >= window.timeline.lanes.seconds_per_pixel()
    assert segment.start == 2.0 and segment.end == pytest.approx(2.0 + shortest, rel=1e-6)
    # and what is exported is a segment, not an empty interval
    from annotator.formats import rttm

    out = tmp_path / "x.rttm"
    rttm.write_rttm(window.document.annotation, out, uri="x")
    duration = float(out.read_text().split()[4])
    assert duration >= 0.01
