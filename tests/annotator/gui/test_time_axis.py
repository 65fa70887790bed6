"""The timeline's axis on a long recording: seconds or clock time, never "ks" (issue 17)."""

from __future__ import annotations

from annotator.gui.timeline_view import TimelineView


def _labels(view: TimelineView, qtbot, start: float, end: float) -> list[str]:
    """What the bottom axis draws, through pyqtgraph's own axis API (any axis item)."""
    view.set_visible_range(start, end)
    qtbot.wait(5)
    view.grab()
    axis = view.lanes_plot.getAxis("bottom")
    low, high = axis.range
    labels = []
    for spacing, values in axis.tickValues(low, high, axis.geometry().width()):
        labels += axis.tickStrings(list(values), axis.autoSIPrefixScale, spacing)
    assert "ks" not in axis.labelString(), axis.labelString()
    return labels


def test_an_hour_long_view_reads_in_clock_time_at_every_zoom(qtbot):
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    view.duration = 3600.0
    whole = _labels(view, qtbot, 0, 3600)
    minute = _labels(view, qtbot, 1770, 1830)
    second = _labels(view, qtbot, 1799.5, 1800.5)
    for labels in (whole, minute, second):
        assert labels and not any("k" in label or "e+" in label for label in labels), labels
    assert "0:30:00" in whole or "0:20:00" in whole, whole
    assert all(label.count(":") == 2 for label in whole), whole  # one format on the whole axis
    assert any(label.startswith("29:") or label.startswith("30:") for label in minute), minute
    assert all(1799 <= float(label) <= 1801 for label in second), second
    assert view.time_axis.visible_tick_labels() == second
