"""Does the segmenter generalise to Debian packages it never heard? The unseen-package gap.

Run (from the checkout, after ``python -m segmenter.recipes fetch --cache cache``):

    python benchmarks/unseen_packages.py --cache cache                # the honest run (≈ 30 min)
    python benchmarks/unseen_packages.py --cache cache --quick        # end to end in minutes
    python benchmarks/unseen_packages.py --cache cache --model M      # score a model, no training

Validation by source file hears the packages training heard (the same voices, games and
mastering), so it cannot say how the model fares on a user's recordings. This benchmark holds out
whole Debian packages per class (``--fraction`` of the speech, music and noise packages, at least
one per class that has two; seeded by ``--hold-out-seed``; AMI stays in training unless
``--hold-out-ami``; :mod:`segmenter.recipes.unseen` says how and why), trains the recipe on the
rest (``python -m segmenter.recipes train --hold-out-packages``), tunes the decisions on
in-package tuning mixtures only (the recipe's tuning stage), then scores two sets built by the
recipe's mixer on its plain stream, same seed and size: mixtures of the validation files of the
training packages (*in-package*) and of every file of the held-out packages (*unseen*).
Scores are corpus-level, collar 0: F1 and the edits per minute to correct each lane, beside the
edits from empty lanes. It prints, per class, in-package F1, unseen F1, the gap, and both edit
rates.

``--quick`` trains a small model for a few steps (K = 16, two short epochs, small sets): the
figures check the plumbing, not the model. ``--model M`` scores an existing model file on the
held-out packages of its own recorded hold-out, or of ``--fraction``/``--hold-out-seed``; a model
that trained on those packages (the shipped model trained on every current package) is NOT
evaluated on unseen packages, and the benchmark says so: the honest figure needs the
train-on-the-rest run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from segmenter.checkpoint import load_model
from segmenter.recipes import RecipeError
from segmenter.recipes.bank import SourceBank
from segmenter.recipes.mixing import ChunkGenerator
from segmenter.recipes.retune import recipe_config_of
from segmenter.recipes.train import RecipeConfig, mix_config, plain, run_recipe
from segmenter.recipes.tuning import tune_decisions, tuning_set
from segmenter.recipes.unseen import (
    IN_PACKAGE,
    UNSEEN,
    HoldOut,
    comparison_sets,
    gap_rows,
    gap_table,
    hold_out_for,
    unseen_bank,
)
from segmenter.training.assess import predict_recordings, score

Log = Callable[[str], None]

QUICK: dict[str, Any] = dict(
    n_components=32, repeats=1, layers_per_repeat=5, dictionary_chunks=40,
    dictionary_frames=4000, dictionary_iterations=40, epochs=3, steps_per_epoch=40,
    batch_size=16, val_chunks=32, patience=3, tune_chunks=120, eval_chunks=90,
    chunks_per_recording=15,
)  # fmt: skip
"""About two minutes instead of half an hour on one thread: a plumbing check, not a model to
judge (K = 32, one repeat of the TCN, 120 steps of 16 chunks; 6-minute scored sets)."""

NOT_UNSEEN = (
    "WARNING: this model was trained on held-out package(s) {names}: these are NOT "
    "unseen-package figures (the shipped model trained on every current package); the honest "
    "figure needs the train-on-the-rest run (this benchmark without --model)."
)


def bench_config(
    quick: bool = False,
    *,
    fraction: float = 0.2,
    hold_out_seed: int = 0,
    hold_out_ami: bool = False,
    **overrides: Any,
) -> RecipeConfig:
    """The recipe configuration of a benchmark run: the shipped recipe (or :data:`QUICK`) with
    the hold-out switched on; ``overrides`` win (tests make it tinier still)."""
    base = {**(QUICK if quick else {}), **overrides}
    return RecipeConfig(
        **base, hold_out_packages=fraction, hold_out_seed=hold_out_seed, hold_out_ami=hold_out_ami
    )


def _report(
    mode: str, held: HoldOut, metrics: Mapping[str, Any], seen: Sequence[str], **extra: Any
) -> dict[str, Any]:
    return {
        "mode": mode, "unseen": not seen, "trained_on_held_out": list(seen),
        "hold_out": held.to_dict(), "rows": gap_rows(metrics, held),
        "metrics": {name: metrics[name] for name in (IN_PACKAGE, UNSEEN)}, **extra,
    }  # fmt: skip


def train_and_score(
    cache: Path,
    config: RecipeConfig,
    *,
    out: Path,
    work: Path,
    resume: bool = False,
    log: Log = print,
) -> dict[str, Any]:
    """Train the recipe without the held-out packages (writes ``out`` and its metrics sidecar)
    and return the benchmark's report. The demo and AMI dev are not scored here: the recipe run
    reports them, and this benchmark is about packages."""
    result = run_recipe(cache, out, config, work=work, resume=resume, log=log)
    held = HoldOut(**result.training["hold_out"])
    return _report(
        "train", held, result.metrics, (), model=str(out), tuning=result.metrics["tuning"]
    )


def score_model(
    cache: Path,
    model_path: Path,
    *,
    fraction: float | None = None,
    hold_out_seed: int | None = None,
    hold_out_ami: bool | None = None,
    overrides: Mapping[str, Any] | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Score an existing model on the held-out packages; thresholds re-tuned on in-package
    tuning mixtures (the recipe's tuning stage), so the figures do not depend on what the file's
    own thresholds were tuned on. The hold-out is the model's recorded one unless given."""
    model, info = load_model(model_path)
    model.eval()
    try:
        recorded = recipe_config_of(info.training)
    except RecipeError:
        recorded = RecipeConfig()
        log(f"{model_path}: records no recipe configuration; using the recipe's defaults")
    trained_held = set(info.training.get("hold_out", {}).get("sources", ()))
    on = recorded.hold_out_packages > 0
    config = replace(
        recorded, **dict(overrides or {}),
        hold_out_packages=fraction if fraction is not None else (recorded.hold_out_packages if on else 0.2),
        hold_out_seed=hold_out_seed if hold_out_seed is not None else recorded.hold_out_seed,
        hold_out_ami=hold_out_ami if hold_out_ami is not None else recorded.hold_out_ami,
    )  # fmt: skip
    torch.set_num_threads(config.threads)
    held = hold_out_for(cache, config, log)
    assert held is not None  # hold_out_packages > 0 here
    val_bank = SourceBank.from_cache(cache, "validation", (*config.exclude_sources, *held.sources))
    mix = plain(mix_config(config))
    per = config.chunks_per_recording
    tune = tuning_set(
        ChunkGenerator(val_bank, mix), config.tune_chunks, per, config.seed, config.tune_longest_run
    )
    thresholds, how = tune_decisions(model, tune, config.tune_objective, config.tune_f1_tolerance)
    sets = comparison_sets(
        val_bank, unseen_bank(cache, held), mix, config.eval_chunks, per, config.seed
    )
    metrics = {
        name: score(predict_recordings(model, recs, device="cpu"), recs, thresholds, model.classes)
        for name, recs in sets.items()
    }
    seen = sorted(set(held.sources) - trained_held - set(recorded.exclude_sources))
    return _report("model", held, metrics, seen, model=str(model_path), tuning=how)


def format_report(report: Mapping[str, Any], held: HoldOut | None = None) -> str:
    """The benchmark's printout: hold-out, table, and the warning when it is not unseen."""
    held = held or HoldOut(**report["hold_out"])
    lines = [held.describe(), "", gap_table(report["metrics"], held)]
    if report["trained_on_held_out"]:
        lines += ["", NOT_UNSEEN.format(names=", ".join(report["trained_on_held_out"]))]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a = parser.add_argument
    a("--cache", type=Path, required=True, help="the recipe cache (segmenter.recipes fetch)")
    a("--model", type=Path, help="score this model file instead of training one")
    a("--quick", action="store_true", help="tiny model, few steps, small sets (plumbing check)")
    a("--fraction", type=float, default=None, help="share of each class's packages (0.2)")
    a("--hold-out-seed", type=int, default=None, help="seed of the package draw (0)")
    a("--hold-out-ami", action="store_true", default=None, help="hold out AMI too")
    a(
        "--seed",
        type=int,
        default=None,
        help="recipe seed: training, mixtures (0; --model: its own)",
    )
    a("--chunks", type=int, default=None, help="4-s chunks per scored set (recipe: 150)")
    a("--threads", type=int, default=1, help="torch CPU threads")
    a("--out", type=Path, default=None, help="model file to write (default: a temporary one)")
    a("--work", type=Path, default=None, help="checkpoint folder (default: temporary)")
    a("--resume", action="store_true", help="continue the checkpoint in --work")
    a("--json", type=Path, default=None, help="write the report here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes: dict[str, Any] = {"threads": args.threads}
    if args.chunks is not None:
        sizes["eval_chunks"] = args.chunks
    try:
        if args.model is not None:
            if args.quick:
                sizes = {k: QUICK[k] for k in ("tune_chunks", "eval_chunks")} | sizes
            if args.seed is not None:
                sizes["seed"] = args.seed
            report = score_model(
                args.cache, args.model, fraction=args.fraction, hold_out_seed=args.hold_out_seed,
                hold_out_ami=args.hold_out_ami, overrides=sizes,
            )  # fmt: skip
        else:
            config = bench_config(
                args.quick, fraction=0.2 if args.fraction is None else args.fraction,
                hold_out_seed=args.hold_out_seed or 0, hold_out_ami=bool(args.hold_out_ami),
                seed=args.seed or 0, **sizes,
            )  # fmt: skip
            with tempfile.TemporaryDirectory(prefix="unseen-packages-") as tmp:
                out = args.out or Path(tmp) / "unseen.safetensors"
                work = args.work or Path(tmp) / "work"
                report = train_and_score(args.cache, config, out=out, work=work, resume=args.resume)
            report["model"] = str(args.out) if args.out else None
    except RecipeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    title = "unseen-package benchmark" + (" (QUICK mode: plumbing check)" if args.quick else "")
    report["quick"] = args.quick
    print(f"\n== {title} ==\n{format_report(report)}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
