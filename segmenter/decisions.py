"""Posteriors → segments: the decision rule, kept apart from the network (as silero-vad does).

Conventions
-----------
* A posterior curve has one value per frame. Frame ``t`` covers ``[t·d, (t+1)·d)`` seconds, where
  ``d`` is ``frame_duration`` (20 ms for the shipped models). A curve of ``T`` frames spans
  ``[0, T·d]``; that span (or an explicit ``duration``) is what segments are clipped to.
* Segments are half-open ``[start, end)`` in seconds, sorted and non-overlapping within a class,
  returned as :class:`Decision` named tuples ``(start, end, confidence)``. ``confidence`` is the
  mean posterior over the frames the segment covers before padding (gap frames filled by
  ``min_off`` included), so it says how sure the model was of the whole span it labelled.

Order of operations, per class
------------------------------
1. Hysteresis: a segment starts at the first frame with ``p >= onset`` and lasts while
   ``p >= offset`` (it ends at the first frame with ``p < offset``). ``offset <= onset``.
2. Gaps shorter than ``min_off`` *between* two segments are filled (the stretch before the first
   and after the last segment is not a gap).
3. Segments shorter than ``min_on`` are dropped. Filling first means a word broken by a short dip
   is judged by its whole length, not by its pieces.
4. Segments whose confidence (mean posterior, see above) is below ``min_confidence`` are dropped:
   an isolated stretch that only just crossed the onset costs a person a deletion more often than
   it saves an addition (tuned on edit cost, :mod:`segmenter.evaluation.edit_tuning`).
5. Padding: ``pad_onset`` is subtracted from starts and ``pad_offset`` added to ends, clipped to
   ``[0, duration]``; segments that then touch or overlap are merged.

Durations are compared in frames with a tolerance of 1e-9 frame, so ``min_on = 0.1`` keeps a
segment of exactly five 20 ms frames despite floating-point noise.

Overlap (``ov``) implies speech (``sp``): :func:`decide` clips every ``ov`` segment to the union
of the ``sp`` segments, drops pieces shorter than the ``ov`` ``min_on`` and keeps the parent's
confidence for the pieces.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from segmenter.classes import CLASSES
from segmenter.errors import SegmenterError

__all__ = [
    "CLASSES",
    "FRAME_DURATION",
    "Decision",
    "DecisionError",
    "Thresholds",
    "active_frames",
    "binarize",
    "decide",
    "fill_and_drop",
    "frame_runs",
    "hysteresis_runs",
    "run_sums",
]

FRAME_DURATION = 0.02
_TOL = 1e-9  # frames


class DecisionError(SegmenterError, ValueError):
    """Posteriors or thresholds that cannot be turned into segments (NaN, bad shape, bad value)."""


class Decision(NamedTuple):
    """One labelled span: ``[start, end)`` in seconds and the mean posterior behind it."""

    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Thresholds:
    """Decision parameters of one class; stored with the model and editable by the user.

    Probabilities are in [0, 1] with ``offset <= onset``; durations are seconds, >= 0.
    ``min_confidence`` (a mean posterior) is 0 in files written before it existed: no floor.
    """

    onset: float = 0.5
    offset: float = 0.5
    min_on: float = 0.0
    min_off: float = 0.0
    pad_onset: float = 0.0
    pad_offset: float = 0.0
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise DecisionError(f"threshold {f.name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise DecisionError(f"threshold {f.name} must be finite, got {value!r}")
            object.__setattr__(self, f.name, float(value))
        for name in ("onset", "offset", "min_confidence"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise DecisionError(
                    f"threshold {name} must lie in [0, 1], got {getattr(self, name)}"
                )
        if self.offset > self.onset:
            raise DecisionError(
                f"threshold offset ({self.offset}) must not exceed onset ({self.onset})"
            )
        for name in ("min_on", "min_off", "pad_onset", "pad_offset"):
            if getattr(self, name) < 0.0:
                raise DecisionError(f"threshold {name} must be >= 0 s, got {getattr(self, name)}")

    def to_dict(self) -> dict[str, float]:
        """Plain JSON-ready dict, for the model file's metadata."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        """Inverse of :meth:`to_dict`; unknown keys are refused so typos do not pass silently."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DecisionError(f"unknown threshold field(s): {', '.join(unknown)}")
        return cls(**dict(data))


def _as_curve(posterior: Any, name: str = "posterior") -> np.ndarray:
    """A numpy array or torch tensor as numpy, without a copy when it is float32 or float64 (any
    other dtype is converted to float64), refusing NaN (a silent NaN < t is False, so NaN frames
    would quietly read as 'off').

    Why no float64 copy: ten hours are 1.8 M frames per class, and a float64 copy of the whole
    (C, T) matrix plus the full-length temporaries of each step was most of the memory a long
    file's decision cost. Comparisons are made against float64 scalars (exact: a float32 value
    widens to float64 without rounding, and NumPy compares in float64), sums are accumulated
    in float64, so the segments are the ones a float64 copy gave."""
    if hasattr(posterior, "detach"):  # torch tensor, without importing torch
        posterior = posterior.detach().cpu().numpy()
    arr = np.asarray(posterior)
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    rows = arr.reshape(1, -1) if arr.ndim <= 1 else arr.reshape(-1, arr.shape[-1])
    for row in rows:  # row by row: a boolean mask of one curve at a time
        bad = np.isnan(row)
        if bad.any():
            raise DecisionError(f"{name} contains NaN at frame(s) {_nan_frames(arr)}")
    return arr


def _nan_frames(arr: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.isnan(arr))[:5]


def active_frames(posterior: np.ndarray, onset: float, offset: float) -> np.ndarray:
    """Boolean mask of frames that hysteresis switches on; vectorised (no Python loop over T).

    A frame is on iff ``p >= offset`` and, since the last frame with ``p < offset``, some frame
    (itself included) reached ``p >= onset``.
    """
    p = np.asarray(posterior)
    idx = np.arange(p.shape[-1])
    above_off = p >= offset
    last_reset = np.maximum.accumulate(np.where(above_off, -1, idx), axis=-1)
    last_trigger = np.maximum.accumulate(np.where(p >= onset, idx, -1), axis=-1)
    return above_off & (last_trigger > last_reset)


def hysteresis_runs(
    posterior: np.ndarray, onset: float, offset: float
) -> tuple[np.ndarray, np.ndarray]:
    """``frame_runs(active_frames(p, onset, offset))`` of one curve, without full-length index
    arrays: a run of ``p >= offset`` is switched on from its first frame with ``p >= onset``
    to its end (and not at all without one). Its full-length temporaries are boolean masks,
    where `active_frames` makes four int64 arrays of the curve's length (58 MB for a 10-hour
    curve)."""
    p = np.asarray(posterior)
    if p.ndim != 1:
        raise DecisionError(f"posterior must be one curve of shape (T,), got shape {p.shape}")
    above_off = np.greater_equal(p, np.float64(offset))
    starts, ends = frame_runs(above_off)
    if starts.size == 0:
        return starts, ends
    trigger = np.greater_equal(p, np.float64(onset))
    trigger &= above_off  # a frame below offset resets, whatever the onset
    del above_off
    first, _ = frame_runs(trigger)  # every trigger run lies inside one run of above_off
    del trigger
    j = np.searchsorted(first, starts)
    found = j < first.size
    found[found] = first[j[found]] < ends[found]
    return first[j[found]], ends[found]


def frame_runs(active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) frame indices of the runs of True in a 1-D mask.

    Only a boolean mask of the curve's length is made (a padded int64 difference was 17 bytes
    a frame); the indices are as many as the runs."""
    a = np.asarray(active, dtype=bool)
    if a.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty.copy()
    change = np.flatnonzero(a[1:] != a[:-1]) + 1
    rising = a[change]
    starts, ends = change[rising], change[~rising]
    if a[0]:
        starts = np.concatenate((np.zeros(1, dtype=np.intp), starts))
    if a[-1]:
        ends = np.concatenate((ends, np.full(1, a.size, dtype=np.intp)))
    return starts, ends


def fill_and_drop(
    starts: np.ndarray,
    ends: np.ndarray,
    min_off_frames: float,
    min_on_frames: float,
    barriers: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill gaps shorter than ``min_off_frames`` between runs, then drop runs shorter than
    ``min_on_frames``. ``barriers[i]`` True forbids filling the gap after run ``i`` (used by
    threshold tuning, where several files are laid end to end)."""
    if starts.size > 1 and min_off_frames > 0:
        fill = (starts[1:] - ends[:-1]) < min_off_frames - _TOL
        if barriers is not None:
            fill &= ~barriers
        starts = starts[np.concatenate(([True], ~fill))]
        ends = ends[np.concatenate((~fill, [True]))]
    if starts.size and min_on_frames > 0:
        keep = (ends - starts) >= min_on_frames - _TOL
        starts, ends = starts[keep], ends[keep]
    return starts, ends


def run_sums(p: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Float64 sums of ``p[starts[i]:ends[i]]`` for sorted, non-empty, non-overlapping runs,
    without a full-length cumulative sum (``np.add.reduceat`` over the run edges)."""
    if starts.size == 0:
        return np.zeros(0, dtype=np.float64)
    edges = np.empty(2 * starts.size, dtype=np.int64)
    edges[0::2], edges[1::2] = starts, ends
    if edges[-1] >= p.shape[0]:  # the last run reaches the end: reduceat sums to the end
        edges = edges[:-1]
    return np.add.reduceat(p, edges, dtype=np.float64)[0::2]


def binarize(
    posterior: Any,
    thresholds: Thresholds | None = None,
    frame_duration: float = FRAME_DURATION,
    duration: float | None = None,
) -> list[Decision]:
    """Turn one class's posterior curve ``(T,)`` into segments (see the module docstring).

    ``duration`` (seconds) defaults to ``T * frame_duration``; pass the recording's true length
    when the last frame is partial, so padding may reach the very end.
    """
    th = thresholds if thresholds is not None else Thresholds()
    p = _as_curve(posterior)
    if p.ndim != 1:
        raise DecisionError(f"posterior must be one curve of shape (T,), got shape {p.shape}")
    if not (frame_duration > 0 and math.isfinite(frame_duration)):
        raise DecisionError(f"frame_duration must be a positive number, got {frame_duration}")
    total = p.size * frame_duration if duration is None else float(duration)
    if not (total >= 0 and math.isfinite(total)):
        raise DecisionError(f"duration must be a finite number >= 0, got {duration}")

    starts, ends = hysteresis_runs(p, th.onset, th.offset)
    starts, ends = fill_and_drop(
        starts, ends, th.min_off / frame_duration, th.min_on / frame_duration
    )
    if starts.size == 0:
        return []
    sums = run_sums(p, starts, ends)
    counts = (ends - starts).astype(np.float64)
    if th.min_confidence > 0:
        keep = sums >= th.min_confidence * counts
        starts, ends, sums, counts = starts[keep], ends[keep], sums[keep], counts[keep]
        if starts.size == 0:
            return []
    begin = np.clip(starts * frame_duration - th.pad_onset, 0.0, total)
    finish = np.clip(ends * frame_duration + th.pad_offset, 0.0, total)

    out: list[Decision] = []
    cur = [begin[0], finish[0], sums[0], counts[0]]
    for b, f, s, n in zip(begin[1:], finish[1:], sums[1:], counts[1:], strict=True):
        if b <= cur[1]:  # touching or overlapping after padding: one segment
            cur[1] = max(cur[1], f)
            cur[2] += s
            cur[3] += n
        else:
            out.append(Decision(float(cur[0]), float(cur[1]), float(cur[2] / cur[3])))
            cur = [b, f, s, n]
    out.append(Decision(float(cur[0]), float(cur[1]), float(cur[2] / cur[3])))
    return [d for d in out if d.end > d.start]


def _clip_to_support(segments: list[Decision], support: list[Decision]) -> list[Decision]:
    """Pieces of ``segments`` inside the union of ``support`` (both sorted, non-overlapping)."""
    out: list[Decision] = []
    j = 0
    for seg in segments:
        while j < len(support) and support[j].end <= seg.start:
            j += 1
        k = j
        while k < len(support) and support[k].start < seg.end:
            lo, hi = max(seg.start, support[k].start), min(seg.end, support[k].end)
            if hi > lo:
                out.append(Decision(lo, hi, seg.confidence))
            k += 1
    return out


def decide(
    posteriors: Any,
    thresholds: Mapping[str, Thresholds] | Thresholds | None = None,
    classes: Sequence[str] = CLASSES,
    frame_duration: float = FRAME_DURATION,
    duration: float | None = None,
) -> dict[str, list[Decision]]:
    """Segments for every class of a ``(C, T)`` posterior matrix, rows ordered as ``classes``.

    ``thresholds`` is one :class:`Thresholds` per class name (a single one applies to all; None
    means the defaults). When both ``sp`` and ``ov`` are present, ``ov`` is clipped to ``sp``.
    """
    p = _as_curve(posteriors, "posteriors")
    classes = tuple(classes)
    if p.ndim != 2 or p.shape[0] != len(classes):
        raise DecisionError(
            f"posteriors must have shape ({len(classes)}, T) for classes {classes}, got {p.shape}"
        )
    if thresholds is None or isinstance(thresholds, Thresholds):
        per_class = dict.fromkeys(classes, thresholds or Thresholds())
    else:
        missing = [c for c in classes if c not in thresholds]
        if missing:
            raise DecisionError(f"no thresholds for class(es) {', '.join(missing)}")
        per_class = {c: thresholds[c] for c in classes}
    out = {c: binarize(p[i], per_class[c], frame_duration, duration) for i, c in enumerate(classes)}
    if "sp" in out and "ov" in out:
        min_on = per_class["ov"].min_on
        out["ov"] = [
            d
            for d in _clip_to_support(out["ov"], out["sp"])
            if d.end - d.start >= min_on - _TOL * frame_duration
        ]
    return out
