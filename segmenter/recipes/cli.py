"""``python -m segmenter.recipes {fetch,stats,demo,train,retune}`` — the recipe's commands.

``fetch`` builds the cache (and the split), ``stats`` prints minutes per class and split (what a
model file's training-data summary should say), ``demo`` assembles the demo recording, ``train``
trains, tunes and scores the default model (see :mod:`segmenter.recipes.train`), ``retune`` tunes
a trained model's decisions again without retraining (:mod:`segmenter.recipes.retune`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from segmenter.recipes import RecipeError
from segmenter.recipes.sources import DEFAULT_AMI_DIR
from segmenter.recipes.train_options import (
    add_train_parser,
    recipe_config,
    tune_objective,
    tuning_options,
)

__all__ = ["main"]


def _progress(fraction: float, message: str) -> None:
    print(f"\r{fraction * 100:5.1f}% {message[:70]:<70}", end="", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m segmenter.recipes", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download, unpack, decode the sources; write the split")
    fetch.add_argument("--cache", type=Path, required=True)
    fetch.add_argument("--ami", type=Path, default=DEFAULT_AMI_DIR, help="AMI clips folder")
    fetch.add_argument("--no-ami", action="store_true", help="leave the AMI clips out")
    fetch.add_argument("--seed", type=int, default=0, help="seed of the train/validation split")
    fetch.add_argument("--validation-fraction", type=float, default=0.2)
    fetch.add_argument("--jobs", type=int, default=None)
    stats = sub.add_parser("stats", help="minutes per class and split of a fetched cache")
    stats.add_argument("--cache", type=Path, required=True)
    demo = sub.add_parser("demo", help="assemble the demo recording and its reference labels")
    demo.add_argument("--cache", type=Path, required=True)
    demo.add_argument("--out", type=Path, required=True)
    demo.add_argument("--seed", type=int, default=0)
    add_train_parser(sub)
    _retune_parser(sub)
    return parser


def _retune_parser(sub: argparse._SubParsersAction) -> None:
    from segmenter.recipes.train import RecipeConfig

    retune = sub.add_parser(
        "retune", help="tune a recipe model's decisions again, weights untouched, into a copy"
    )
    a = retune.add_argument
    a("--cache", type=Path, required=True)
    a("--model", type=Path, required=True, help="a model file the recipe trained")
    a("--out", type=Path, required=True, help="model file to write (never the input)")
    a("--force", action="store_true", help="replace --out if it exists")
    tuning_options(a, RecipeConfig(), retune=True)
    a("--ami", type=Path, default=DEFAULT_AMI_DIR, help="AMI clips folder (dev.rttm is scored)")
    a("--demo", type=Path, default=Path("resources/demo"), help="demo folder (demo.rttm scored)")


def _train(args: argparse.Namespace) -> None:
    from segmenter.recipes.train import run_recipe

    run_recipe(args.cache, args.out, recipe_config(args), ami_dir=args.ami, demo_dir=args.demo,
        work=args.work, resume=args.resume,
    )  # fmt: skip


def _print_stats(cache: Path) -> None:
    from segmenter.recipes.splits import load_split, minutes_per_class

    table = minutes_per_class(cache, load_split(cache))
    print(f"{'split':<11}{'class':<22}{'files':>6}{'minutes':>9}{'active min':>12}")
    for (split, kind), (files, total, active) in sorted(table.items()):
        print(f"{split:<11}{kind:<22}{files:>6}{total:>9.1f}{active:>12.2f}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    start = time.perf_counter()
    try:
        if args.command == "fetch":
            from segmenter.recipes.sources import fetch
            from segmenter.recipes.splits import make_split, save_split

            items = fetch(
                args.cache,
                ami_dir=None if args.no_ami else args.ami,
                jobs=args.jobs,
                progress=_progress,
            )
            print(file=sys.stderr)
            from segmenter.recipes.demo import DEMO_RESERVED_IDS

            split = make_split(items, args.validation_fraction, args.seed, DEMO_RESERVED_IDS)
            save_split(args.cache, split)
            print(f"{len(items)} recordings in {args.cache} ({time.perf_counter() - start:.1f} s)")
            _print_stats(args.cache)
        elif args.command == "train":
            _train(args)
        elif args.command == "retune":
            from segmenter.recipes.retune import retune_model
            from segmenter.recipes.train import RecipeConfig

            objective = tune_objective(args.tune_objective, RecipeConfig().tune_objective)
            retune_model(
                args.cache, args.model, args.out, objective=objective,
                f1_tolerance=args.tune_f1_tolerance, tune_stream=args.tune_stream,
                min_saving=args.tune_min_saving,
                ami_dir=args.ami, demo_dir=args.demo,
                force=args.force,
            )  # fmt: skip
        elif args.command == "stats":
            _print_stats(args.cache)
        else:
            from segmenter.recipes.demo import build_demo

            files = build_demo(args.cache, args.out, seed=args.seed)
            took = time.perf_counter() - start
            print(f"demo written: {', '.join(str(f) for f in files)} ({took:.1f} s)")
    except RecipeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
