"""Time labels: seconds under a minute, clock time from a minute on, never an SI prefix."""

from __future__ import annotations

import pytest

from annotator.core.timecode import clock, cursor_text, decimals_for, tick_labels


@pytest.mark.parametrize(
    ("spacing", "digits"), [(600, 0), (10, 0), (1, 0), (0.5, 1), (0.2, 1), (0.1, 1), (0.05, 2),
                            (0.01, 2), (0.002, 3), (1e-5, 3), (0, 3)],
)  # fmt: skip
def test_decimals_tell_neighbouring_ticks_apart(spacing, digits):
    assert decimals_for(spacing) == digits


def test_clock_rounds_once_and_carries_into_minutes_and_hours():
    assert clock(1799.85) == "29:59.850"
    assert clock(59.9996) == "1:00.000"
    assert clock(3599.9999, 2) == "1:00:00.00"
    assert clock(3725.5, 1) == "1:02:05.5"
    assert clock(65, 0, hours=True) == "0:01:05"
    assert clock(-1.25, 2) == "-0:01.25"


def test_ticks_on_an_hour_a_minute_and_a_second():
    hour = tick_labels([0, 600, 1200, 1800, 2400, 3000, 3600], 600, 3600)
    assert hour == ["0:00:00", "0:10:00", "0:20:00", "0:30:00", "0:40:00", "0:50:00", "1:00:00"]
    minute = tick_labels([1780, 1790, 1800, 1810, 1820, 1830], 10, 60)
    assert minute == ["29:40", "29:50", "30:00", "30:10", "30:20", "30:30"]
    second = tick_labels([1799.8, 1800.0, 1800.2, 1800.4], 0.2, 1.0)
    assert second == ["1799.8", "1800.0", "1800.2", "1800.4"]
    assert not any("k" in label for label in hour + minute + second)


def test_every_tick_level_of_a_view_reaching_an_hour_shows_hours():
    """pyqtgraph labels major and minor ticks in separate calls: the majors of a 0–1 h view
    (all under an hour) must not read "8:20" while its minors read "0:01:40"."""
    majors = tick_labels([0, 500, 1000, 3500], 500, 3600, view_end=3600)
    assert majors == ["0:00:00", "0:08:20", "0:16:40", "0:58:20"]
    assert tick_labels([500, 1000], 500, 1200, view_end=1200) == ["8:20", "16:40"]


def test_the_cursor_reads_in_clock_time_on_long_recordings_only():
    assert cursor_text(12.3456, 30) == "12.346 s"
    assert cursor_text(1799.85, 3600) == "0:29:59.850 (1799.850 s)"
    assert cursor_text(75.5, 120) == "1:15.500 (75.500 s)"
