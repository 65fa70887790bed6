"""After training: run the model over a labelled corpus, tune thresholds, score F1 and edit cost
per class.

Each class is tuned and scored only on the recordings that annotate it (a meeting corpus says
nothing about music, so its music false alarms are not errors), within their UEM.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from segmenter.decisions import Thresholds, decide
from segmenter.evaluation import Labels, corpus_edits, evaluate, harmonic_mean, tune_thresholds
from segmenter.evaluation.edit_tuning import EditGrid, EditTunedClass, tune_for_edits
from segmenter.inference import Prediction, predict_file, predict_waveform
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report, sub_progress
from segmenter.training.data import Recording

__all__ = ["predict_recordings", "tune_on", "tune_on_edits", "score", "score_segments"]


def predict_recordings(
    model: NMFSegmenter,
    recordings: Sequence[Recording],
    *,
    device: str = "auto",
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Prediction]:
    """Posteriors of every recording (decoded audio reused when the corpus is cached)."""
    out: dict[str, Prediction] = {}
    for i, rec in enumerate(recordings):
        check_cancelled(cancel, "prediction")
        sub = sub_progress(progress, i / len(recordings), (i + 1) / len(recordings))
        options: dict[str, Any] = dict(
            device=device, activations="none", progress=sub, cancel=cancel
        )
        if rec.audio is not None:
            out[rec.uri] = predict_waveform(model, rec.audio, **options)
        else:
            out[rec.uri] = predict_file(model, rec.path, **options)
    report(progress, 1.0, "prediction done")
    return out


def _subset(recordings: Sequence[Recording], cls: str) -> list[Recording]:
    return [r for r in recordings if cls in r.annotated]


def _class_inputs(
    predictions: Mapping[str, Prediction],
    subset: Sequence[Recording],
    classes: Sequence[str],
    cls: str,
) -> tuple[dict[str, Any], dict[str, Labels], dict[str, Any]]:
    """One class's posteriors (one row), references and regions on the recordings annotating it:
    what both tuners take."""
    row = list(classes).index(cls)
    return (
        {r.uri: predictions[r.uri].posteriors[row : row + 1] for r in subset},
        {r.uri: {cls: r.spans.get(cls, [])} for r in subset},
        {r.uri: r.region for r in subset},
    )


def tune_on(
    predictions: Mapping[str, Prediction], recordings: Sequence[Recording], classes: Sequence[str]
) -> dict[str, Thresholds]:
    """Per-class thresholds maximising corpus F1 on the recordings annotating each class."""
    out: dict[str, Thresholds] = {}
    for c in classes:
        subset = _subset(recordings, c)
        if subset:
            posteriors, refs, uems = _class_inputs(predictions, subset, classes, c)
            out[c] = tune_thresholds(posteriors, refs, uems, classes=(c,))[c]
    return out


def tune_on_edits(
    predictions: Mapping[str, Prediction],
    recordings: Sequence[Recording],
    classes: Sequence[str],
    f1_tolerance: float = 0.02,
    grid: EditGrid | None = None,
) -> dict[str, EditTunedClass]:
    """Per-class thresholds with the fewest edits among those within ``f1_tolerance`` of the
    best F1 (:mod:`segmenter.evaluation.edit_tuning`), each class on the recordings annotating
    it — so meetings can tune speech, overlap and (annotated as absent) music, not noise."""
    out: dict[str, EditTunedClass] = {}
    for c in classes:
        subset = _subset(recordings, c)
        if subset:
            posteriors, refs, uems = _class_inputs(predictions, subset, classes, c)
            out[c] = tune_for_edits(
                posteriors, refs, uems, (c,), grid=grid, f1_tolerance=f1_tolerance
            )[c]
    return out


def score(
    predictions: Mapping[str, Prediction],
    recordings: Sequence[Recording],
    thresholds: Mapping[str, Thresholds] | None,
    classes: Sequence[str],
) -> dict[str, Any]:
    """Per-class precision / recall / F1 (time-based, corpus-level), their harmonic mean, and
    the edits a person needs to correct each lane (see :func:`score_segments`)."""
    hyps = {
        r.uri: decide(
            predictions[r.uri].posteriors,
            {c: (thresholds or {}).get(c, Thresholds()) for c in classes},
            classes,
            duration=predictions[r.uri].duration,
        )
        for r in recordings
    }
    return score_segments(hyps, recordings, classes)


def score_segments(
    hypotheses: Mapping[str, Labels], recordings: Sequence[Recording], classes: Sequence[str]
) -> dict[str, Any]:
    """Scores of ready-made segments (any system's: a file missing from ``hypotheses`` has
    empty lanes). Per class: P/R/F1, reference seconds, and the edit cost — edits per minute of
    scored audio for these segments (``edits_per_min``) and for empty lanes, i.e. labelling from
    scratch (``empty_edits_per_min``). A pre-label saves work only where the first is lower.
    The totals add the per-class rates (classes may be scored on different files)."""
    per_class: dict[str, dict[str, Any]] = {}
    for c in classes:
        subset = _subset(recordings, c)
        if not subset:
            continue
        refs = {r.uri: {c: r.spans.get(c, [])} for r in subset}
        hyps = {r.uri: {c: hypotheses.get(r.uri, {}).get(c, [])} for r in subset}
        uems = {r.uri: r.region for r in subset}
        counts = evaluate(refs, hyps, uems, classes=(c,)).time[c]
        edits = corpus_edits(refs, hyps, uems, classes=(c,))
        empty = corpus_edits(refs, {}, uems, classes=(c,))
        per_class[c] = {
            "precision": counts.precision, "recall": counts.recall, "f1": counts.f1,
            "reference_s": counts.relevant, "minutes": edits.minutes,
            "edits": edits.totals[c].to_dict(), "edits_per_min": edits.per_minute(c),
            "empty_edits_per_min": empty.per_minute(c),
        }  # fmt: skip
    f1s = [v["f1"] for v in per_class.values()]
    return {
        "classes": per_class,
        "summary_f1": harmonic_mean(f1s) if f1s else float(np.nan),
        "edits_per_min": float(sum(v["edits_per_min"] for v in per_class.values())),
        "empty_edits_per_min": float(sum(v["empty_edits_per_min"] for v in per_class.values())),
    }
