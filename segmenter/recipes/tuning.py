"""The recipe's decision stage: thresholds tuned on validation mixtures, for edits or for F1.

Kept apart from training so that a finished model can be re-tuned without retraining
(``python -m segmenter.recipes retune``): the tuning set is rebuilt from the same cache and
seed, so re-tuning a model gives exactly the thresholds its own recipe run would have chosen.

Each class has its objective. ``edits`` (:mod:`segmenter.evaluation.edit_tuning`): the fewest
edits a person needs to correct the lane, among the candidates within ``tune_f1_tolerance`` of
the best F1. ``f1`` (:mod:`segmenter.evaluation.tuning`): the best F1. The recipe's default
tunes speech, noise and overlap for edits and music for F1: for music the edits objective
chooses onset 0.8 with every tolerance tried (0.01–0.05), which saves 0.6 edits a minute on the
validation mixtures but drops the demo's soft bass-only music under speech (demo music F1 0.931
→ 0.871, the same edits), an accepted target of the shipped model (demo music ≥ 0.9).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from segmenter.decisions import Thresholds
from segmenter.evaluation.edit_tuning import EditGrid, tune_for_edits
from segmenter.evaluation.tuning import ThresholdGrid, tune_thresholds
from segmenter.model import NMFSegmenter
from segmenter.recipes import RecipeError
from segmenter.recipes.mixing import ChunkGenerator
from segmenter.recipes.mixtures import mixture_recordings
from segmenter.training.assess import predict_recordings
from segmenter.training.data import Recording

__all__ = [
    "OBJECTIVES",
    "MIN_DURATIONS",
    "objectives_of",
    "scoring_set",
    "tuning_set",
    "tune_decisions",
]

OBJECTIVES = ("edits", "f1")
MIN_DURATIONS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)


def tuning_set(
    generator: ChunkGenerator,
    chunks: int,
    per_recording: int,
    seed: int,
    longest_run: int,
    prefix: str = "tune",
) -> list[Recording]:
    """The seeded validation mixtures thresholds are tuned on (``seed`` is the recipe's seed;
    scoring uses other mixtures, so tuned thresholds cannot flatter the scores); ``prefix``
    names the recordings (unique per set when several are tuned on together)."""
    return mixture_recordings(generator, chunks, per_recording, seed + 1000, prefix, longest_run)


def scoring_set(
    generator: ChunkGenerator, chunks: int, per_recording: int, seed: int
) -> list[Recording]:
    """The seeded validation mixtures the recipe scores on (``seed`` is the recipe's seed; a new
    scenario every chunk, as every earlier model was scored), never the tuning ones."""
    return mixture_recordings(generator, chunks, per_recording, seed + 2000, "val")


def objectives_of(setting: str | Mapping[str, str], classes: Sequence[str]) -> dict[str, str]:
    """Per-class objectives from one name for every class or a ``{class: name}`` mapping."""
    per = dict.fromkeys(classes, setting) if isinstance(setting, str) else dict(setting)
    for cls in classes:
        if per.get(cls) not in OBJECTIVES:
            raise RecipeError(
                f"tuning objective of {cls}: {per.get(cls)!r}; expected one of {OBJECTIVES}"
            )
    return {c: per[c] for c in classes}


def tune_decisions(
    model: NMFSegmenter,
    recordings: Sequence[Recording],
    objective: str | Mapping[str, str] = "edits",
    f1_tolerance: float = 0.02,
    min_saving: float = 0.0,
) -> tuple[dict[str, Thresholds], dict[str, Any]]:
    """Per-class thresholds and a JSON-ready summary of how they were chosen (for the model
    file's metrics: each class's objective, the F1 and edits it reaches, the F1-only figures)."""
    objectives = objectives_of(objective, model.classes)
    predictions = predict_recordings(model, recordings, device="cpu")
    posteriors = {r.uri: predictions[r.uri].posteriors for r in recordings}
    references = {r.uri: r.spans for r in recordings}
    grid = ThresholdGrid(min_on=MIN_DURATIONS, min_off=MIN_DURATIONS)
    thresholds = tune_thresholds(posteriors, references, None, model.classes, grid)
    summary: dict[str, Any] = {"f1_tolerance": f1_tolerance, "min_saving": min_saving}
    by_edits = [c for c in model.classes if objectives[c] == "edits"]
    rows = [model.classes.index(c) for c in by_edits]
    tuned = tune_for_edits(
        {u: p[rows] for u, p in posteriors.items()}, references, None, by_edits,
        EditGrid(min_on=MIN_DURATIONS, min_off=MIN_DURATIONS), f1_tolerance,
        min_saving=min_saving,
    ) if by_edits else {}  # fmt: skip
    for cls in model.classes:
        summary[cls] = {"objective": objectives[cls]}
        if cls in tuned:
            t = tuned[cls]
            thresholds[cls] = t.thresholds
            summary[cls].update(
                f1=t.f1, edits_per_min=t.edits_per_min, best_f1=t.best_f1,
                edits_per_min_at_best_f1=t.edits_at_best_f1.total / t.minutes,
                empty_edits_per_min=t.empty_edits.total / t.minutes, empty_lane_guard=t.guarded,
            )  # fmt: skip
    return thresholds, summary
