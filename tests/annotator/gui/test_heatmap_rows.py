"""The heatmap's rows in the window: grouped by class with names, separators and a colour scale,
and a click or hover on a row still names the component drawn there."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPointF

from annotator.evidence.heatmap_order import mean_from_heat, row_order
from annotator.gui.detail_levels import ColumnLevels
from tests.annotator.gui.test_explain_panels import (  # noqa: F401 (fixtures)
    _SceneClick,
    labelled,
    tiny_model,
)

NAMES = ("speech", "music", "noise", "overlap")


def hand_made(window, theta):
    """Six components; component k is active at level 40·k, so the means rank them by k."""
    heat = np.repeat((np.arange(6, dtype=np.uint8) * 40)[:, None], 400, axis=1)
    posteriors = np.full((4, 400), 0.5, dtype=np.float32)
    window.timeline.set_evidence(heat, posteriors, NAMES, None, 0.02, theta=theta)
    window.timeline.set_visible_range(0.0, 8.0)
    return heat


def test_rows_are_grouped_by_class_and_drawn_in_that_order(window):
    theta = np.zeros((4, 6))
    theta[0, [1, 4]] = 1.0  # speech: 4 (more active) above 1
    theta[2, [2, 5]] = [3.0, 0.5]  # noise: 3 × mean of 2 beats 0.5 × mean of 5
    theta[3, 3] = -1.0  # 0 and 3 push nothing up: "other"
    window.actions["heatmap_all"].setChecked(True)  # every component (View menu)
    heat = hand_made(window, theta)
    timeline = window.timeline
    top_down = timeline.heatmap.rows[::-1].tolist()
    assert top_down == [4, 1, 2, 5, 3, 0]  # other: 3 (more active) before 0 (never active)
    # the drawn image is H in that order, bottom up: row i is component rows[i]
    shown = timeline.heatmap.image
    assert shown[:, 0].tolist() == heat[timeline.heatmap.rows, 0].tolist()
    legend = timeline.heatmap_legend
    ticks = dict((name, y) for y, name in legend.axis.group_ticks)
    assert list(ticks) == ["speech", "noise", "other"]
    assert ticks["speech"] == pytest.approx(5.0) and ticks["other"] == pytest.approx(1.0)
    lines = [line.value() for line in legend.separators if line.isVisible()]
    assert lines == [pytest.approx(4.0), pytest.approx(2.0)]
    assert legend.scale.isVisible()
    # the scale sits under the data, never over it (issue 17 bug 6)
    window.resize(1400, 900)
    window.show()
    timeline.splitter.setSizes([120, 100, 120, 70, 200])
    window.grab()
    view = timeline.rows["heatmap"].getViewBox().sceneBoundingRect()
    scale = legend.scale.sceneBoundingRect()
    assert view.height() > 0 and scale.height() > 0, (scale, view)
    assert not scale.intersects(view), (scale, view)


def test_by_default_only_the_components_that_push_a_class_most_are_drawn(window, monkeypatch):
    from annotator.gui import timeline_view

    monkeypatch.setattr(timeline_view, "COMPACT_PER_CLASS", 1)
    theta = np.zeros((4, 6))
    theta[0, [1, 4]] = 1.0
    theta[2, [2, 5]] = [3.0, 0.5]
    theta[3, 3] = -1.0
    heat = hand_made(window, theta)
    timeline = window.timeline
    assert timeline.heatmap.rows[::-1].tolist() == [4, 2]  # the top atom of speech and noise
    assert timeline.heatmap.image[:, 0].tolist() == heat[[2, 4], 0].tolist()
    ticks = dict((name, y) for y, name in timeline.heatmap_legend.axis.group_ticks)
    assert list(ticks) == ["speech", "noise"]  # no dark "other" block
    assert timeline.rows["heatmap"].getViewBox().viewRange()[1] == pytest.approx([0, 2])
    assert timeline.heatmap.row_of_component(1) is None  # left out: nothing to point at
    window.actions["heatmap_all"].setChecked(True)
    assert timeline.heatmap.rows[::-1].tolist() == [4, 1, 2, 5, 3, 0]


def test_without_theta_rows_stay_in_index_order(window):
    hand_made(window, None)
    timeline = window.timeline
    assert timeline.heatmap.rows is None
    assert timeline.heatmap.image[:, 0].tolist() == [0, 40, 80, 120, 160, 200]
    assert timeline.heatmap_legend.axis.group_ticks is None
    assert not any(line.isVisible() for line in timeline.heatmap_legend.separators)


def test_reordered_levels_equal_levels_of_the_reordered_image():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (7, 1001)).astype(np.uint8)
    rows = rng.permutation(7)
    a, b = ColumnLevels(image).with_rows(rows), ColumnLevels(image[rows])
    for c0, c1, n in [(0, 1001, 30), (100, 400, 500), (3, 900, 5)]:
        qa, qb = a.query(c0, c1, n), b.query(c0, c1, n)
        assert (qa.first, qa.step) == (qb.first, qb.step)
        assert np.array_equal(qa.image, qb.image)
    with pytest.raises(ValueError, match="permutation"):
        ColumnLevels(image).with_rows(np.zeros(7, dtype=int))


def test_a_click_or_hover_on_a_reordered_row_names_the_component_drawn_there(labelled, qtbot):  # noqa: F811
    w = labelled
    w.actions["heatmap_all"].setChecked(True)
    ev = w.document.evidence
    order = row_order(mean_from_heat(ev.heat), ev.theta, ev.lanes)
    assert w.timeline.heatmap.rows is not None
    assert w.timeline.heatmap.rows.tolist() == order.bottom_up.tolist()
    assert order.order.tolist() != list(range(16)), "the tiny model should reorder something"
    w.explain.show_panel("inspector")
    box = w.timeline.rows["heatmap"].getViewBox()
    t = sum(w.timeline.visible_range()) / 2
    hovered = []
    w.explain.picker.hovered.connect(lambda k, _t: hovered.append(k))
    for top_row in (0, 3, 15):  # rows counted from the top, independent of the picker's maths
        scene = box.mapViewToScene(QPointF(t, 16 - top_row - 0.5))
        expected = int(order.order[top_row])
        w.timeline.rows["heatmap"].scene().sigMouseClicked.emit(_SceneClick(scene))
        qtbot.waitUntil(lambda e=expected: w.explain.inspector.k == e, timeout=3000)
        w.timeline.rows["heatmap"].scene().sigMouseMoved.emit(scene)
        assert hovered[-1] == expected
        mark = w.explain.picker.mark.getRegion()
        assert mark == pytest.approx((16 - top_row - 1, 16 - top_row))
    # a filter and back: the group names return to the axis
    w.explain.filter_heatmap(ev.lanes[0])
    assert w.timeline.heatmap_legend.axis._plain
    w.explain.filter_heatmap("")
    assert not w.timeline.heatmap_legend.axis._plain
    assert w.explain.picker.component_at(15.5) == int(order.order[0])
