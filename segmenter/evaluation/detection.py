"""Detection precision / recall / F1 per class, time-based (pyannote) and frame-based (numpy).

Scores are *corpus-level*: the three components (hypothesis time, reference time, correct time)
are summed over every file of a set, and P/R/F are computed once from the sums, so a long file
weighs more than a short one (SPEC, Evaluation). Everything is restricted to the annotated region
(UEM) of each file; a file without a UEM is scored over the extent of its reference and
hypothesis, which leaves detection scores unchanged (time outside both counts for nothing).

Conventions follow pyannote.metrics: no hypothesis time gives precision 1; no reference time gives
recall 1 (or 0 when hypothesis time was nonetheless correct, which cannot happen). The summary is
the harmonic mean of the per-class F1s over the classes evaluated: leave out of ``classes`` any
class a corpus is not annotated for, or its false alarms will pull the summary to 0.

pyannote.metrics is imported when time-based scores are asked for, so the rest of the segmenter
works without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from segmenter.decisions import CLASSES, FRAME_DURATION
from segmenter.evaluation.intervals import EvaluationError, Spans, normalise, to_frames

__all__ = [
    "DetectionCounts",
    "CorpusEvaluation",
    "Labels",
    "time_counts",
    "frame_counts",
    "evaluate",
    "harmonic_mean",
    "format_table",
]

Labels = Mapping[str, Spans]
"""One file's segments per class name: ``{"sp": [(0.0, 1.2), ...], ...}``."""


@dataclass(frozen=True)
class DetectionCounts:
    """The three additive components of detection P/R/F (seconds, or frames × duration)."""

    retrieved: float = 0.0  # hypothesis time
    relevant: float = 0.0  # reference time
    relevant_retrieved: float = 0.0  # time both agree is the class

    def __add__(self, other: DetectionCounts) -> DetectionCounts:
        return DetectionCounts(
            self.retrieved + other.retrieved,
            self.relevant + other.relevant,
            self.relevant_retrieved + other.relevant_retrieved,
        )

    @property
    def precision(self) -> float:
        return 1.0 if self.retrieved == 0 else self.relevant_retrieved / self.retrieved

    @property
    def recall(self) -> float:
        if self.relevant == 0:
            return 1.0 if self.relevant_retrieved == 0 else 0.0
        return self.relevant_retrieved / self.relevant

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def harmonic_mean(values: Sequence[float]) -> float:
    """Harmonic mean; 0 as soon as one value is 0 (one failed class fails the summary)."""
    if not values:
        return float("nan")
    if any(v <= 0 for v in values):
        return 0.0
    return len(values) / sum(1.0 / v for v in values)


def _pyannote() -> tuple[Any, Any, Any, Any]:
    """The pyannote classes we use, imported on demand with a one-line error if missing."""
    try:
        from pyannote.core import Annotation, Segment, Timeline
        from pyannote.metrics.detection import DetectionPrecisionRecallFMeasure
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise EvaluationError(
            "time-based evaluation needs pyannote.metrics (pip install pyannote.metrics)"
        ) from exc
    return DetectionPrecisionRecallFMeasure, Annotation, Segment, Timeline


def _metric() -> Any:
    return _pyannote()[0](collar=0.0, skip_overlap=False)


def time_counts(
    reference: Spans, hypothesis: Spans, uem: Spans | None = None, metric: Any = None
) -> DetectionCounts:
    """Time-based components of one file and class, computed by pyannote with collar 0."""
    _, Annotation, Segment, Timeline = _pyannote()
    ref, hyp = normalise(reference, "reference"), normalise(hypothesis, "hypothesis")
    region = normalise(uem, "UEM") if uem is not None else None
    if region is None:
        ends = [s for pair in ref + hyp for s in pair]
        if not ends:
            return DetectionCounts()
        region = [(min(ends), max(ends))]
    if not region:
        return DetectionCounts()
    metric = metric if metric is not None else _metric()
    ann_ref, ann_hyp = Annotation(), Annotation()
    for i, (start, end) in enumerate(ref):
        ann_ref[Segment(start, end), i] = "x"
    for i, (start, end) in enumerate(hyp):
        ann_hyp[Segment(start, end), i] = "x"
    uem_tl = Timeline([Segment(s, e) for s, e in region])
    detail = metric(ann_ref, ann_hyp, uem=uem_tl, detailed=True)
    names = metric.metric_components()  # retrieved, relevant, relevant_retrieved
    return DetectionCounts(*(float(detail[n]) for n in names))


def frame_counts(
    reference: np.ndarray,
    hypothesis: np.ndarray,
    mask: np.ndarray | None = None,
    frame_duration: float = 1.0,
) -> DetectionCounts:
    """Frame-based components from boolean frame labels ``(T,)``, in frames × ``frame_duration``.

    ``mask`` marks the frames inside the annotated region; frames outside count for nothing.
    """
    ref = np.asarray(reference, dtype=bool)
    hyp = np.asarray(hypothesis, dtype=bool)
    if ref.shape != hyp.shape:
        raise EvaluationError(f"frame labels differ in shape: {ref.shape} vs {hyp.shape}")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        ref, hyp = ref & mask, hyp & mask
    d = float(frame_duration)
    return DetectionCounts(float(hyp.sum()) * d, float(ref.sum()) * d, float((ref & hyp).sum()) * d)


@dataclass
class CorpusEvaluation:
    """Per-class corpus scores, time- and frame-based, and the per-file rows behind them."""

    classes: tuple[str, ...]
    time: dict[str, DetectionCounts] = field(default_factory=dict)
    frames: dict[str, DetectionCounts] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def summary_f1(self) -> float:
        """Harmonic mean of the per-class time-based F1s: the one-number summary."""
        return harmonic_mean([self.time[c].f1 for c in self.classes])

    @property
    def frame_summary_f1(self) -> float:
        return harmonic_mean([self.frames[c].f1 for c in self.classes])

    def corpus_rows(self) -> list[dict[str, Any]]:
        """One row per class over the whole corpus, same columns as :attr:`rows`."""
        return [_row("(corpus)", c, self.time[c], self.frames[c]) for c in self.classes]

    def table(self, per_file: bool = True) -> str:
        """Text table: per-file rows (optional), corpus rows and the summary line."""
        rows = (self.rows if per_file else []) + self.corpus_rows()
        summary = f"summary F1 (harmonic mean over {', '.join(self.classes)}): "
        return f"{format_table(rows)}\n{summary}{self.summary_f1:.3f}"


def _row(uri: str, cls: str, time: DetectionCounts, frames: DetectionCounts) -> dict[str, Any]:
    return {
        "file": uri,
        "class": cls,
        "precision": time.precision,
        "recall": time.recall,
        "f1": time.f1,
        "reference_s": time.relevant,
        "hypothesis_s": time.retrieved,
        "correct_s": time.relevant_retrieved,
        "frame_f1": frames.f1,
    }


def evaluate(
    references: Mapping[str, Labels],
    hypotheses: Mapping[str, Labels],
    uems: Mapping[str, Spans] | None = None,
    classes: Sequence[str] = CLASSES,
    frame_duration: float = FRAME_DURATION,
) -> CorpusEvaluation:
    """Score a set of files; keys of ``references`` name the files (every one needs a hypothesis).

    Frame-based scores rasterise both sides at ``frame_duration`` (a frame counts when its centre
    is inside a segment), so they match the time-based ones exactly on frame-aligned segments.
    """
    classes = tuple(classes)
    missing = [u for u in references if u not in hypotheses]
    extra = [u for u in hypotheses if u not in references]
    if missing or extra:
        detail = "; ".join(
            part
            for part in (
                f"no hypothesis for {', '.join(map(repr, missing))}" if missing else "",
                f"no reference for {', '.join(map(repr, extra))}" if extra else "",
            )
            if part
        )
        raise EvaluationError(detail)
    metric = _metric()
    result = CorpusEvaluation(
        classes,
        dict.fromkeys(classes, DetectionCounts()),
        dict.fromkeys(classes, DetectionCounts()),
    )
    for uri in references:
        uem = None if uems is None else uems.get(uri)
        ends = [0.0] + [
            float(s[1])
            for labels in (references[uri], hypotheses[uri])
            for c in classes
            for s in labels.get(c, ())
        ]
        ends += [float(s[1]) for s in (uem or ())]
        n_frames = math.ceil(max(ends) / frame_duration - 1e-9)
        mask = to_frames(uem, n_frames, frame_duration) if uem is not None else None
        for cls in classes:
            ref, hyp = references[uri].get(cls, ()), hypotheses[uri].get(cls, ())
            try:
                tc = time_counts(ref, hyp, uem, metric)
            except EvaluationError as exc:
                raise EvaluationError(f"{uri}, class {cls}: {exc}") from None
            fc = frame_counts(
                to_frames(ref, n_frames, frame_duration),
                to_frames(hyp, n_frames, frame_duration),
                mask,
                frame_duration,
            )
            result.time[cls] += tc
            result.frames[cls] += fc
            result.rows.append(_row(uri, cls, tc, fc))
    return result


def format_table(rows: Sequence[Mapping[str, Any]], digits: int = 3) -> str:
    """Aligned plain-text table of dict rows (columns from the first row); floats rounded."""
    if not rows:
        return "(no rows)"
    columns = list(rows[0])
    cells = [
        [
            f"{row.get(c, ''):.{digits}f}" if isinstance(row.get(c), float) else str(row.get(c, ""))
            for c in columns
        ]
        for row in rows
    ]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), (int, float)) for row in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in cells)])
