"""Scoring segments against references, and tuning decision thresholds on posteriors.

Edit cost (:mod:`.edit_cost`) counts the corrections a person must make, next to F1.
No file I/O here: callers read RTTM/TextGrid/UEM files and pass plain spans
(``{file: {class: [(start, end), ...]}}``). See :mod:`.detection` for the scoring conventions
and :mod:`.tuning` for how thresholds are searched.
"""

from __future__ import annotations

from segmenter.evaluation.detection import (
    CorpusEvaluation,
    DetectionCounts,
    Labels,
    evaluate,
    format_table,
    frame_counts,
    harmonic_mean,
    time_counts,
)
from segmenter.evaluation.edit_cost import (
    EDIT_KINDS,
    CorpusEdits,
    EditCounts,
    EditRule,
    corpus_edits,
    count_edits,
)
from segmenter.evaluation.intervals import EvaluationError, Spans, to_frames
from segmenter.evaluation.tuning import (
    ThresholdGrid,
    TunedClass,
    tune_thresholds,
    tune_thresholds_detailed,
)

__all__ = [
    "EDIT_KINDS",
    "CorpusEdits",
    "CorpusEvaluation",
    "DetectionCounts",
    "EditCounts",
    "EditRule",
    "EvaluationError",
    "Labels",
    "Spans",
    "ThresholdGrid",
    "TunedClass",
    "corpus_edits",
    "count_edits",
    "evaluate",
    "format_table",
    "frame_counts",
    "harmonic_mean",
    "time_counts",
    "to_frames",
    "tune_thresholds",
    "tune_thresholds_detailed",
]
