"""Measure a model's reference profile on its recipe's validation mixtures and store it in the file.

Run (the recipe cache must be fetched: ``python -m segmenter.recipes fetch --cache cache``)::

    python scripts/reference_profile.py --cache cache \\
        --model resources/models/default.safetensors [--chunks 600] [--write]

The review queue's ``unfamiliar`` and ``rare`` items (`annotator.review.unseen`) judge a recording
against what the model met on data it was validated on: per level band, how badly W·H rebuilt
X, and, per class, which components its evidence for that class usually rests on and how far
the model's segments stray from that mix (`segmenter.explain.novelty.ReferenceProfile`). That
data is the recipe's threshold-tuning set (``tune_chunks`` plain-stream validation chunks from
held-out source files, seed + 1000, scenarios lasting up to ``tune_longest_run`` chunks), rebuilt
here from the settings the model file records, so the profile describes held-out audio of the
kind the model was built for; the segments are the model's own, at its stored thresholds.
``--write`` stores it under ``training.reference_profile`` of the model file (weights untouched,
`segmenter.checkpoint.update_metadata`) and of the ``.metrics.json`` beside it; without
``--write`` it only prints a summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

#: the catalogue sources the shipped model (run D0) was trained and validated on. The cache may
#: hold more since (issue 16 adds packages to both sides of the split), which the model never
#: heard and its reference profile, thresholds and card never saw; `sources_as_trained` leaves
#: them out, after checking that what remains is, to the millisecond, the bank the model records.
SHIPPED_SOURCES = (
    "alsa-noise", "alsa-speech", "ami", "asc-music", "asterisk-en", "asterisk-fr",
    "asterisk-moh", "fillets-music", "fillets-noise", "fillets-speech", "freedesktop-noise",
)  # fmt: skip


def sources_as_trained(cache: Path, training: dict) -> tuple[str, ...]:
    """Catalogue sources to leave out of the cache so that its banks hold what the model was
    built with: none when the cache matches the seconds per group the model records
    (``train_sources_seconds``, ``validation_sources_seconds``), else every source not in
    `SHIPPED_SOURCES` when that matches; ValueError when neither does (name the sources to
    leave out yourself)."""
    from segmenter.recipes.bank import SourceBank
    from segmenter.recipes.sources import load_manifest

    recipe = training.get("recipe_config") or {}
    base = tuple(recipe.get("exclude_sources") or ())
    known = sorted({item.source for item in load_manifest(cache)})
    tries = [base, tuple(sorted(set(base) | {s for s in known if s not in SHIPPED_SOURCES}))]
    for exclude in dict.fromkeys(tries):
        if all(
            _same_seconds(
                SourceBank.from_cache(cache, side, exclude).seconds(),
                training.get(f"{side}_sources_seconds"),
            )  # fmt: skip
            for side in ("train", "validation")
        ):
            return tuple(s for s in exclude if s not in base)
    raise ValueError(
        f"{cache}: no set of sources matches the banks the model records; give the sources "
        "to leave out yourself"
    )


def _same_seconds(found: dict, recorded: dict | None) -> bool:
    if not isinstance(recorded, dict):
        return False
    return all(abs(found.get(k, 0.0) - float(v)) < 1e-3 for k, v in recorded.items())


def validation_mixtures(
    cache: Path,
    recipe: dict,
    chunks: int | None,
    offset: int = 1000,
    prefix: str = "tune",
    exclude: tuple[str, ...] = (),
):
    """The recipe's tuning mixtures (validation side, plain stream) for the recorded settings,
    without the sources in ``exclude`` (see `sources_as_trained`); another ``offset`` from the
    recipe's seed gives other mixtures of the same held-out files and kind
    (``scripts/review_calibration.py`` fits on seed + 4000)."""
    from segmenter.recipes.bank import SourceBank
    from segmenter.recipes.mixing import ChunkGenerator
    from segmenter.recipes.mixtures import mixture_recordings
    from segmenter.recipes.retune import recipe_config_of
    from segmenter.recipes.train import mix_config, plain

    config = recipe_config_of({"recipe_config": recipe})
    bank = SourceBank.from_cache(cache, "validation", (*config.exclude_sources, *exclude))
    mix = plain(mix_config(config))
    count = chunks or config.tune_chunks
    return mixture_recordings(
        ChunkGenerator(bank, mix), count, config.chunks_per_recording, config.seed + offset,
        prefix, config.tune_longest_run,
    ), count  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)

    import torch

    from segmenter.checkpoint import load_model, update_metadata
    from segmenter.explain.novelty import ProfileBuilder
    from segmenter.inference import predict_waveform

    torch.set_num_threads(1)
    started = time.perf_counter()
    model, info = load_model(args.model, device="cpu")
    recipe = info.training.get("recipe_config")
    if not isinstance(recipe, dict):
        print(f"{args.model}: records no recipe settings", file=sys.stderr)
        return 1
    exclude = sources_as_trained(args.cache, info.training)
    if exclude:
        print(f"left out (added to the cache after the model was built): {', '.join(exclude)}")
    recordings, count = validation_mixtures(args.cache, recipe, args.chunks, exclude=exclude)
    builder = ProfileBuilder()
    theta = model.classifier.weight.detach().numpy()
    seconds = 0.0
    for rec in recordings:
        pred = predict_waveform(model, rec.audio, device="cpu", reconstruction=True)
        builder.add(pred.reconstruction)
        d, T = pred.frame_duration, pred.num_frames
        segments = {
            code: [(int(round(a / d)), min(T, int(round(b / d)))) for a, b, _ in found]
            for code, found in pred.segments(info.thresholds).items()
        }
        builder.add_segments(pred.H, theta, pred.classes, segments)
        seconds += pred.duration
    source = (
        f"recipe validation mixtures: {count} plain-stream chunks of held-out source files "
        f"(tuning set, seed {int(recipe.get('seed', 0)) + 1000}), {seconds / 60:.1f} min"
    )
    profile = builder.finish(source)
    print(source)
    print("frames per level band (log10 ‖X‖ from", profile.level_edges[0], "):",
          profile.band_frames)  # fmt: skip
    for b, row in enumerate(profile.error_quantiles):
        if row:
            q = dict(zip(profile.quantile_levels, row, strict=True))
            print(f"  band {profile.level_edges[b]:+.1f}: relative error median "
                  f"{10 ** q[0.5]:.3g}, 95 % {10 ** q[0.95]:.3g}, 99 % {10 ** q[0.99]:.3g}")  # fmt: skip
    for code, row in profile.divergence_quantiles.items():
        q = dict(zip(profile.quantile_levels, row, strict=True))
        typical = np.sort(np.asarray(profile.class_support[code]))[::-1]
        print(f"  {code}: {len(builder.segments[code])} segments, support divergence median "
              f"{q[0.5]:.3f}, 90 % {q[0.9]:.3f}, 99 % {q[0.99]:.3f} nats; "
              f"top 20 components give {typical[:20].sum() * 100:.0f} % of its support")  # fmt: skip
    if args.write:
        update_metadata(args.model, training={"reference_profile": profile.to_dict()})
        sidecar = args.model.with_name(args.model.name.split(".")[0] + ".metrics.json")
        if sidecar.is_file():
            report = json.loads(sidecar.read_text(encoding="utf-8"))
            report.setdefault("training", {})["reference_profile"] = profile.to_dict()
            sidecar.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"wrote training.reference_profile into {args.model}"
              + (f" and {sidecar}" if sidecar.is_file() else ""))  # fmt: skip
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
