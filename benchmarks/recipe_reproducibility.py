"""Does the training recipe reproduce its metrics with the same seed? (issue: within ±0.01)

Either compare two finished runs' ``*.metrics.json`` sidecars::

    python benchmarks/recipe_reproducibility.py --compare runA/default.metrics.json \\
        resources/models/default.metrics.json

or train twice now (``--quick`` shortens training to a few minutes per run; the full recipe
takes about 17 min per run on 2 CPU cores)::

    python benchmarks/recipe_reproducibility.py --cache cache --quick

Exit status 0 when every per-class F1 / precision / recall agrees within the tolerance.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

QUICK = dict(epochs=3, steps_per_epoch=20, dictionary_iterations=50, val_chunks=128)


def flat(metrics: dict[str, Any]) -> dict[str, float]:
    """``{"validation/sp/f1": 0.97, ...}`` for every set, class and measure."""
    out: dict[str, float] = {}
    for name, block in metrics.items():
        if isinstance(block, dict) and "classes" in block:
            for cls, values in block["classes"].items():
                for key in ("precision", "recall", "f1"):
                    out[f"{name}/{cls}/{key}"] = float(values[key])
    return out


def compare(a: dict[str, Any], b: dict[str, Any], tolerance: float) -> bool:
    fa, fb = flat(a), flat(b)
    worst = 0.0
    for key in sorted(set(fa) | set(fb)):
        diff = abs(fa.get(key, float("nan")) - fb.get(key, float("nan")))
        worst = max(worst, diff) if diff == diff else float("inf")
        print(f"{key:<24}{fa.get(key, float('nan')):>8.4f}{fb.get(key, float('nan')):>8.4f}"
              f"{diff:>9.4f}")  # fmt: skip
    print(f"largest difference {worst:.4f} (tolerance {tolerance})")
    return worst <= tolerance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=2, type=Path, metavar="METRICS_JSON")
    parser.add_argument("--cache", type=Path, default=Path("cache"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="shortened training (minutes)")
    parser.add_argument("--tolerance", type=float, default=0.01)
    args = parser.parse_args(argv)
    if args.compare:
        a, b = (json.loads(p.read_text())["metrics"] for p in args.compare)
        return 0 if compare(a, b, args.tolerance) else 1
    from segmenter.recipes.sources import DEFAULT_AMI_DIR
    from segmenter.recipes.train import RecipeConfig, run_recipe

    config = RecipeConfig(seed=args.seed, **(QUICK if args.quick else {}))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(2):
            out = Path(tmp) / f"run{i}" / "model.safetensors"
            result = run_recipe(
                args.cache, out, config, ami_dir=DEFAULT_AMI_DIR,
                demo_dir=Path("resources/demo"), work=Path(tmp) / f"work{i}",
                log=lambda s: print(s, file=sys.stderr),
            )  # fmt: skip
            runs.append(result.metrics)
    return 0 if compare(runs[0], runs[1], args.tolerance) else 1


if __name__ == "__main__":
    raise SystemExit(main())
