"""The timeline's time axis: seconds or clock time, never pyqtgraph's "ks" (see
:mod:`annotator.core.timecode` for the rule)."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg

from annotator.core.timecode import tick_labels


class TimeAxis(pg.AxisItem):
    """A bottom axis whose ticks read as an annotator reads time on any recording length."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        low, high = self.range
        return tick_labels(
            [v * scale for v in values], spacing * scale, abs(high - low), max(abs(low), abs(high))
        )

    def visible_tick_labels(self) -> list[str]:
        """The labels drawn now (major and minor ticks), for tests and the GUI benchmark."""
        low, high = self.range
        size = self.geometry().width() or 800.0
        labels: list[str] = []
        for spacing, values in self.tickValues(low, high, size):
            labels += self.tickStrings(list(values), 1.0, spacing)
        return labels
