"""Validated spans for scoring, and their frame rasters (the algebra itself is `segmenter.spans`).

Spans are half-open ``[start, end)``. Anything tuple-like with start and end first is accepted
(e.g. :class:`segmenter.decisions.Decision`, whose third field, the confidence, is ignored).
Frame ``t`` covers ``[t·d, (t+1)·d)``; a frame *belongs* to a span when its centre
``(t + ½)·d`` does, which is robust to float noise on frame-aligned boundaries (a boundary is then
half a frame away from every centre).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from segmenter.errors import SegmenterError
from segmenter.spans import intersect, total, union

__all__ = [
    "EvaluationError",
    "Spans",
    "normalise",
    "intersect",
    "total",
    "to_frames",
    "frame_coverage",
]

Spans = Sequence[Sequence[float]]
"""``[(start, end), ...]`` in seconds; extra fields after ``end`` are ignored."""


class EvaluationError(SegmenterError, ValueError):
    """References, hypotheses or UEMs that cannot be scored (inverted span, NaN, missing file)."""


def normalise(spans: Iterable[Any], what: str = "segments") -> list[tuple[float, float]]:
    """Validated, sorted, merged copy; empty spans dropped, inverted or non-finite ones refused."""
    items: list[tuple[float, float]] = []
    for span in spans:
        start, end = float(span[0]), float(span[1])
        if not (math.isfinite(start) and math.isfinite(end)):
            raise EvaluationError(f"{what}: non-finite segment ({start}, {end})")
        if end < start:
            raise EvaluationError(f"{what}: segment ends before it starts ({start}, {end})")
        items.append((start, end))
    return union(items)


def to_frames(spans: Iterable[Any], n_frames: int, frame_duration: float) -> np.ndarray:
    """Boolean frame raster: frame ``t`` is True when its centre lies in one of ``spans``."""
    out = np.zeros(n_frames, dtype=bool)
    diff = np.zeros(n_frames + 1, dtype=np.int64)
    for start, end in normalise(spans):
        # 1e-9 frame of slack: a boundary on a centre itself stays half-open despite float noise
        first = min(max(math.ceil(start / frame_duration - 0.5 - 1e-9), 0), n_frames)
        last = min(max(math.ceil(end / frame_duration - 0.5 - 1e-9), 0), n_frames)
        diff[first] += 1
        diff[last] -= 1
    out[:] = np.cumsum(diff[:-1]) > 0
    return out


def frame_coverage(
    spans: list[tuple[float, float]], n_frames: int, frame_duration: float
) -> np.ndarray:
    """Seconds of each frame covered by normalised ``spans`` (exact, not rounded to frames).

    Lets threshold tuning score frame-aligned hypotheses against arbitrary reference boundaries
    with the same durations pyannote would measure.
    """
    d = frame_duration
    cov = np.zeros(n_frames + 1)  # last slot is a sink for clipped indices
    full = np.zeros(n_frames + 1)
    end_of_file = n_frames * d
    for start, end in spans:
        start, end = max(start, 0.0), min(end, end_of_file)
        if end <= start:
            continue
        first = min(int(start // d), n_frames - 1)
        last = min(int(end // d), n_frames)
        if first == last:
            cov[first] += end - start
            continue
        cov[first] += (first + 1) * d - start
        full[first + 1] += 1
        full[last] -= 1
        if last < n_frames:
            cov[last] += end - last * d
    cov[:n_frames] += np.cumsum(full)[:n_frames] * d
    return cov[:n_frames]
