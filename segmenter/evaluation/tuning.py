"""Per-class threshold tuning: the decision parameters that maximise corpus-level F1.

Each class is tuned on its own over a grid of (onset, offset ≤ onset, min_on, min_off); padding
is not tuned (it stays 0 in the result) because padded boundaries fall between frames. The
``ov``-inside-``sp`` clipping of :func:`segmenter.decisions.decide` is ignored while tuning.

Why it is fast: the hypothesis of :func:`segmenter.decisions.binarize` without padding is
frame-aligned, so its time-based components are sums over frames of exact per-frame coverages —
``correct = Σ_on ref_cov[t]``, ``hypothesis = Σ_on uem_cov[t]`` — where ``ref_cov[t]`` is the
number of seconds of frame ``t`` inside reference ∩ UEM. These are the durations pyannote would
measure (to float precision), for reference boundaries anywhere, computed with prefix sums over
the runs. All files are laid end to end, separated by one frame of posterior −1 that resets the
hysteresis; gaps across a separator are never filled. Hysteresis runs once per (onset, offset)
pair; min durations only touch the run arrays.

Reference time beyond the last posterior frame still counts as missed. Ties keep the first
best candidate in grid order (onsets and offsets ascending, then min_on, then min_off).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from segmenter.decisions import (
    CLASSES,
    FRAME_DURATION,
    Thresholds,
    fill_and_drop,
    hysteresis_runs,
)
from segmenter.evaluation.detection import DetectionCounts, Labels
from segmenter.evaluation.intervals import EvaluationError, Spans, frame_coverage, normalise
from segmenter.progress import ProgressCallback, check_cancelled, report
from segmenter.spans import intersect, total

__all__ = ["ThresholdGrid", "TunedClass", "tune_thresholds", "tune_thresholds_detailed"]

_STEPS = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 … 0.95


@dataclass(frozen=True)
class ThresholdGrid:
    """Candidate values; pairs with offset > onset are skipped."""

    onsets: Sequence[float] = _STEPS
    offsets: Sequence[float] = _STEPS
    min_on: Sequence[float] = (0.0,)
    min_off: Sequence[float] = (0.0,)


@dataclass(frozen=True)
class TunedClass:
    """Best thresholds of one class and the corpus components they score."""

    thresholds: Thresholds
    counts: DetectionCounts

    @property
    def f1(self) -> float:
        return self.counts.f1


def _to_numpy(array: Any) -> np.ndarray:
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.asarray(array, dtype=np.float64)


def _layout(
    posteriors: Mapping[str, Any],
    references: Mapping[str, Labels],
    uems: Mapping[str, Spans] | None,
    classes: tuple[str, ...],
    d: float,
) -> tuple[
    np.ndarray,
    np.ndarray,
    dict[str, tuple[np.ndarray, np.ndarray, float]],
    list[list[tuple[float, float]]],
]:
    """Concatenate all files: posteriors (C, N), file id per frame, per class the prefix sums
    of reference and UEM coverage plus the total reference time, and each file's scored region
    (its UEM, or everything the posteriors or the reference cover)."""
    chunks: list[np.ndarray] = []
    ids: list[ArrayLike] = []
    regions: list[list[tuple[float, float]]] = []
    ref_cov: dict[str, list[ArrayLike]] = {c: [] for c in classes}
    uem_cov: list[ArrayLike] = []
    relevant = dict.fromkeys(classes, 0.0)
    for i, uri in enumerate(posteriors):
        if uri not in references:
            raise EvaluationError(f"no reference for {uri!r}")
        p = _to_numpy(posteriors[uri])
        if p.ndim != 2 or p.shape[0] != len(classes):
            raise EvaluationError(
                f"{uri}: posteriors must have shape ({len(classes)}, T), got {p.shape}"
            )
        if np.isnan(p).any():
            raise EvaluationError(f"{uri}: posteriors contain NaN")
        n = p.shape[1]
        raw_uem = None if uems is None else uems.get(uri)
        if raw_uem is None:  # whole file: everything the posteriors or the reference cover
            last = max([n * d] + [float(s[1]) for c in classes for s in references[uri].get(c, ())])
            region = [(0.0, last)]
        else:
            region = normalise(raw_uem, f"{uri}: UEM")
        chunks += [p, np.full((len(classes), 1), -1.0)]
        ids += [np.full(n, i), [-1]]
        regions.append(region)
        uem_cov += [frame_coverage(region, n, d), [0.0]]
        for c in classes:
            ref = intersect(normalise(references[uri].get(c, ()), f"{uri}: {c}"), region)
            relevant[c] += total(ref)
            ref_cov[c] += [frame_coverage(ref, n, d), [0.0]]
    if not chunks:
        raise EvaluationError("no posteriors to tune thresholds on")
    cum_uem = np.concatenate(([0.0], np.cumsum(np.concatenate(uem_cov))))
    per_class = {
        c: (np.concatenate(([0.0], np.cumsum(np.concatenate(ref_cov[c])))), cum_uem, relevant[c])
        for c in classes
    }
    return np.concatenate(chunks, axis=1), np.concatenate(ids), per_class, regions


def run_counts(
    class_sums: tuple[np.ndarray, np.ndarray, float], starts: np.ndarray, ends: np.ndarray
) -> DetectionCounts:
    """Detection components of frame runs laid out by :func:`_layout`, from one class's prefix
    sums (reference coverage, UEM coverage, total reference time): exact pyannote durations
    without building a segment."""
    cum_ref, cum_uem, relevant = class_sums
    return DetectionCounts(
        retrieved=float((cum_uem[ends] - cum_uem[starts]).sum()),
        relevant=relevant,
        relevant_retrieved=float((cum_ref[ends] - cum_ref[starts]).sum()),
    )


def tune_thresholds_detailed(
    posteriors: Mapping[str, Any],
    references: Mapping[str, Labels],
    uems: Mapping[str, Spans] | None = None,
    classes: Sequence[str] = CLASSES,
    grid: ThresholdGrid | None = None,
    frame_duration: float = FRAME_DURATION,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, TunedClass]:
    """Like :func:`tune_thresholds`, also returning the corpus components of each winner."""
    classes, grid, d = tuple(classes), grid or ThresholdGrid(), frame_duration
    p_all, file_id, per_class, _ = _layout(posteriors, references, uems, classes, d)
    durations = [(on, off) for on in grid.min_on for off in grid.min_off]
    pairs = [(a, b) for a in sorted(grid.onsets) for b in sorted(grid.offsets) if b <= a]
    if not pairs or not durations:
        raise EvaluationError("threshold grid is empty (need some offset <= onset)")
    out: dict[str, TunedClass] = {}
    for ci, cls in enumerate(classes):
        best: tuple[float, Thresholds, DetectionCounts] | None = None
        for pi, (onset, offset) in enumerate(pairs):
            check_cancelled(cancel, "threshold tuning")
            report(progress, (ci + pi / len(pairs)) / len(classes), f"tuning {cls}")
            starts0, ends0 = hysteresis_runs(p_all[ci], onset, offset)
            barriers = file_id[ends0[:-1] - 1] != file_id[starts0[1:]]
            for min_on, min_off in durations:
                starts, ends = fill_and_drop(starts0, ends0, min_off / d, min_on / d, barriers)
                counts = run_counts(per_class[cls], starts, ends)
                if best is None or counts.f1 > best[0]:
                    th = Thresholds(onset, offset, min_on=min_on, min_off=min_off)
                    best = (counts.f1, th, counts)
        assert best is not None
        out[cls] = TunedClass(best[1], best[2])
    report(progress, 1.0, "threshold tuning done")
    return out


def tune_thresholds(
    posteriors: Mapping[str, Any],
    references: Mapping[str, Labels],
    uems: Mapping[str, Spans] | None = None,
    classes: Sequence[str] = CLASSES,
    grid: ThresholdGrid | None = None,
    frame_duration: float = FRAME_DURATION,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Thresholds]:
    """Per-class thresholds maximising corpus-level time-based F1 (see the module docstring).

    ``posteriors`` maps each file to its ``(C, T)`` posteriors (numpy or torch, rows ordered as
    ``classes``); ``references`` maps the same files to their segments per class; ``uems`` gives
    the annotated region per file (a file without one is scored over its whole length).
    """
    tuned = tune_thresholds_detailed(
        posteriors, references, uems, classes, grid, frame_duration, progress, cancel
    )
    return {c: t.thresholds for c, t in tuned.items()}
