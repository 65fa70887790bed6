"""``python -m segmenter.recipes retune``: new decisions for a trained model, weights untouched.

Why: the decision rule is cheap to change and the weights are not (27 minutes of training). A
model trained by the recipe records its recipe configuration; re-tuning rebuilds the same tuning
mixtures from the same cache and seed, tunes with the objective asked for, scores the same sets
as a recipe run (validation mixtures, AMI dev, the demo: F1 and edits per minute) and writes a
copy of the model file whose thresholds, metrics and recipe configuration say what was done.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from segmenter.checkpoint import load_model, update_metadata
from segmenter.recipes import RecipeError
from segmenter.recipes.bank import SourceBank
from segmenter.recipes.mixing import ChunkGenerator
from segmenter.recipes.report import format_metrics, write_metrics_json
from segmenter.recipes.train import (
    RecipeConfig,
    demo_and_ami,
    mix_config,
    plain,
    score_sets,
    tuning_recordings,
)
from segmenter.recipes.tuning import objectives_of, tune_decisions

__all__ = ["recipe_config_of", "retune_model"]


def recipe_config_of(training: dict[str, Any]) -> RecipeConfig:
    """The :class:`RecipeConfig` a model file records (options newer than the file take their
    defaults; JSON lists become the tuples the configuration holds)."""
    stored = training.get("recipe_config")
    if not isinstance(stored, dict):
        raise RecipeError("the model file records no recipe configuration (not a recipe model)")
    defaults = RecipeConfig()
    values = {}
    for f in fields(RecipeConfig):
        if f.name in stored:
            value = stored[f.name]
            values[f.name] = tuple(value) if isinstance(getattr(defaults, f.name), tuple) else value
    return RecipeConfig(**values)


def retune_model(
    cache: Path,
    model_path: Path,
    out: Path,
    *,
    objective: str | Mapping[str, str] = "edits",
    f1_tolerance: float = 0.02,
    tune_stream: str | None = None,
    min_saving: float | None = None,
    ami_dir: Path | None = None,
    demo_dir: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Tune ``model_path``'s decisions again and write the result to ``out`` (never in place:
    the input stays as it was); ``tune_stream`` and ``min_saving`` None keep what the model was tuned with.
    Returns the new metrics."""
    if out.resolve() == model_path.resolve():
        raise RecipeError(f"{out}: --out must differ from --model (the input is kept as it was)")
    if out.exists() and not force:
        raise RecipeError(f"{out}: exists (add --force to replace it)")
    model, info = load_model(model_path)
    model.eval()
    config = replace(
        recipe_config_of(info.training),
        tune_objective=objectives_of(objective, model.classes),
        tune_f1_tolerance=f1_tolerance,
    )
    if tune_stream is not None:
        config = replace(config, tune_stream=tune_stream)
    if min_saving is not None:
        config = replace(config, tune_min_saving=min_saving)
    held = info.training.get("hold_out")
    held_sources = tuple(held.get("sources", ())) if isinstance(held, dict) else ()
    # a model trained with packages held out is tuned without them, as its own run was
    val_bank = SourceBank.from_cache(cache, "validation", (*config.exclude_sources, *held_sources))
    val_gen = ChunkGenerator(val_bank, plain(mix_config(config)))
    recordings = tuning_recordings(val_bank, mix_config(config), config)
    thresholds, how = tune_decisions(
        model, recordings, config.tune_objective, f1_tolerance, config.tune_min_saving
    )
    metrics = score_sets(model, val_gen, config, demo_and_ami(demo_dir, ami_dir), thresholds)
    metrics["tuning"] = how
    if "val_loss" in info.metrics:
        metrics["val_loss"] = info.metrics["val_loss"]
    partial = out.with_name(out.name + ".partial")
    shutil.copyfile(model_path, partial)
    written = update_metadata(
        partial, thresholds=thresholds, metrics=metrics,
        training={"recipe_config": config.to_dict(), "retuned_from": str(model_path.name)},
    )  # fmt: skip
    partial.replace(out)
    sidecar = write_metrics_json(out, written.metrics, written.thresholds, written.training)
    log(format_metrics(metrics))
    log(f"wrote {out} and {sidecar}")
    return metrics
