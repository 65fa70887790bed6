"""Interval algebra on ``(start, end)`` spans in seconds: the one place its edge rules live.

Why one module: union, intersection, difference and "covered by at least k" were written six
times across the segmenter and the annotator, each with its own rule for touching and empty
spans, so a change in one (say, whether two turns that touch make an overlap) silently
disagreed with the others. Every function here takes a ``tolerance``: spans shorter than it are
dropped and gaps up to it are joined. Scoring uses 0 (exact), the editor's comparison uses a
nanosecond so that float noise from dragged boundaries does not leave slivers.

Pure Python with no imports beyond the standard library, so Qt-free and torch-free layers of
the annotator (`annotator.formats`, `annotator.core`) may use it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Span = tuple[float, float]
"""``(start, end)`` in seconds, ``start <= end``."""

__all__ = ["Span", "covered", "intersect", "subtract", "total", "union"]


def union(spans: Iterable[Sequence[float]], *, tolerance: float = 0.0) -> list[Span]:
    """Sorted, disjoint cover of ``spans``: spans no longer than ``tolerance`` dropped, spans
    that overlap, touch or lie within ``tolerance`` of each other joined. Extra fields after
    ``end`` are ignored."""
    items = sorted((float(s[0]), float(s[1])) for s in spans)
    out: list[Span] = []
    for start, end in items:
        if end <= start + tolerance:
            continue
        if out and start <= out[-1][1] + tolerance:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def intersect(a: Sequence[Span], b: Sequence[Span], *, tolerance: float = 0.0) -> list[Span]:
    """Where both of two `union` results are on (two-pointer sweep, linear time); pieces no
    longer than ``tolerance`` dropped."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo + tolerance:
            out.append((lo, hi))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(
    spans: Iterable[Span], holes: Iterable[Sequence[float]], *, tolerance: float = 0.0
) -> list[Span]:
    """Each span of ``spans`` (in order, not joined) minus every hole; pieces, and holes, no
    longer than ``tolerance`` dropped."""
    cut = union(holes, tolerance=tolerance)
    out: list[Span] = []
    for lo, hi in spans:
        cursor = lo
        for h0, h1 in cut:
            if h1 <= cursor or h0 >= hi:
                continue
            if h0 > cursor + tolerance:
                out.append((cursor, h0))
            cursor = max(cursor, h1)
        if hi > cursor + tolerance:
            out.append((cursor, hi))
    return out


def covered(groups: Sequence[Iterable[Sequence[float]]], at_least: int) -> list[Span]:
    """Where at least ``at_least`` of ``groups`` are on at once (a sweep line), touching
    stretches joined: with ``at_least=2`` over per-speaker turns, where two talkers speak. Two
    spans that only touch never count as on together. A group's own spans must not overlap each
    other (pass each through `union` first) or they count twice."""
    edges = [
        (float(s[0]), float(s[1])) for group in groups for s in group if float(s[1]) > float(s[0])
    ]
    events = sorted((t, step) for a, b in edges for t, step in ((a, 1), (b, -1)))
    out: list[Span] = []
    active, since = 0, 0.0
    for t, step in events:  # ends sort before starts at a tie: touching is not "at once"
        before, active = active, active + step
        if before < at_least <= active:
            since = t
        elif active < at_least <= before and t > since:
            out.append((since, t))
    return union(out)


def total(spans: Iterable[Sequence[float]]) -> float:
    """Summed duration of disjoint spans (a `union` result)."""
    return float(sum(s[1] - s[0] for s in spans))
