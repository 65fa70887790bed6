"""After training: run the model over a labelled corpus, tune thresholds, score F1 per class.

Each class is tuned and scored only on the recordings that annotate it (a meeting corpus says
nothing about music, so its music false alarms are not errors), within their UEM.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from segmenter.decisions import Thresholds, decide
from segmenter.evaluation import evaluate, harmonic_mean, tune_thresholds
from segmenter.inference import Prediction, predict_file, predict_waveform
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report, sub_progress
from segmenter.training.data import Recording

__all__ = ["predict_recordings", "tune_on", "score"]


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


def tune_on(
    predictions: Mapping[str, Prediction], recordings: Sequence[Recording], classes: Sequence[str]
) -> dict[str, Thresholds]:
    """Per-class thresholds maximising corpus F1 on the recordings annotating each class."""
    out: dict[str, Thresholds] = {}
    for c in classes:
        subset = _subset(recordings, c)
        if not subset:
            continue
        row = list(classes).index(c)
        out[c] = tune_thresholds(
            {r.uri: predictions[r.uri].posteriors[row : row + 1] for r in subset},
            {r.uri: {c: r.spans.get(c, [])} for r in subset},
            {r.uri: r.region for r in subset},
            classes=(c,),
        )[c]
    return out


def score(
    predictions: Mapping[str, Prediction],
    recordings: Sequence[Recording],
    thresholds: Mapping[str, Thresholds] | None,
    classes: Sequence[str],
) -> dict[str, Any]:
    """Per-class precision / recall / F1 (time-based, corpus-level) and their harmonic mean."""
    hyps = {
        r.uri: decide(
            predictions[r.uri].posteriors,
            {c: (thresholds or {}).get(c, Thresholds()) for c in classes},
            classes,
            duration=predictions[r.uri].duration,
        )
        for r in recordings
    }
    per_class: dict[str, dict[str, float]] = {}
    for c in classes:
        subset = _subset(recordings, c)
        if not subset:
            continue
        result = evaluate(
            {r.uri: {c: r.spans.get(c, [])} for r in subset},
            {r.uri: {c: hyps[r.uri][c]} for r in subset},
            {r.uri: r.region for r in subset},
            classes=(c,),
        )
        counts = result.time[c]
        per_class[c] = {
            "precision": counts.precision, "recall": counts.recall, "f1": counts.f1,
            "reference_s": counts.relevant,
        }  # fmt: skip
    f1s = [v["f1"] for v in per_class.values()]
    return {"classes": per_class, "summary_f1": harmonic_mean(f1s) if f1s else float(np.nan)}
