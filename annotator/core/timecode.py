"""Times as an annotator reads them: seconds on short views, h:mm:ss.mmm once a view spans minutes.

Praat and ELAN never show "1.8 ks": a meeting of an hour is read in clock time, a word in
seconds. The time axis and the status line share these rules so both say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

CLOCK_FROM_SPAN_S = 60.0
"""A view this long or longer labels its ticks in clock time (ELAN shows clock time always;
under a minute plain seconds are shorter to read and to type into Praat)."""


def decimals_for(spacing: float) -> int:
    """Digits after the point that tell ticks ``spacing`` seconds apart from each other (0–3:
    a millisecond is the finest step a person places a boundary at)."""
    if spacing <= 0 or not math.isfinite(spacing):
        return 3
    return min(3, max(0, math.ceil(-math.log10(spacing) - 1e-9)))


def clock(seconds: float, decimals: int = 3, hours: bool | None = None) -> str:
    """``seconds`` as ``h:mm:ss.mmm`` (``m:ss.mmm`` when ``hours`` is False; by default hours
    are shown from one hour on). Negative times keep their sign."""
    sign = "-" if seconds < 0 else ""
    scale = 10**decimals
    total = round(abs(seconds) * scale)  # round once, so 59.9996 s carries into the minute
    whole, fraction = divmod(total, scale)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    tail = f".{fraction:0{decimals}d}" if decimals > 0 else ""
    if hours if hours is not None else h > 0:
        return f"{sign}{h}:{m:02d}:{s:02d}{tail}"
    return f"{sign}{h * 60 + m}:{s:02d}{tail}"


def tick_labels(
    values: Sequence[float], spacing: float, span: float, view_end: float = 0.0
) -> list[str]:
    """Labels for time-axis ticks ``spacing`` apart on a view ``span`` seconds wide that ends
    at ``view_end``: plain seconds (never an SI prefix) under a minute, clock time from a
    minute on, with hours on every label when the view or any tick reaches an hour. The axis
    labels its major and minor ticks in separate calls; deciding by the view keeps "8:20" and
    "0:01:40" from standing side by side on one axis."""
    decimals = decimals_for(spacing)
    if span < CLOCK_FROM_SPAN_S:
        return [f"{v:.{decimals}f}" for v in values]
    hours = abs(view_end) >= 3600 or any(abs(v) >= 3600 for v in values)
    return [clock(v, decimals, hours) for v in values]


def cursor_text(seconds: float, duration: float) -> str:
    """The status line's cursor: seconds, and clock time too on recordings of a minute or more."""
    if duration < CLOCK_FROM_SPAN_S:
        return f"{seconds:.3f} s"
    return f"{clock(seconds, 3, duration >= 3600)} ({seconds:.3f} s)"
