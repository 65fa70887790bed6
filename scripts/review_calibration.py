"""Calibrate how often the model's segments and the stretches it left empty are wrong, on held-out
mixtures, and store it in the model file for the review queue.

Run (the recipe cache must be fetched, and the model should already hold its reference profile,
``scripts/reference_profile.py --write``, since the support-mix rarity is one of the features)::

    python scripts/review_calibration.py --cache cache \\
        --model resources/models/default.safetensors [--chunks 600] [--write]

The queue's ``suspect`` and ``missed`` places (`annotator.review.likely`) rank by the wrong time
they are expected to hold. That expectation is fitted here
(`segmenter.explain.wrongness.CalibrationBuilder`): the model labels the recipe's plain-stream
mixtures of its *validation* source files (never trained on), exactly as the editor would (the
``nmf`` bridge, H kept), every candidate place gets the queue's features and its wrong share
against the mixtures' exact references, and a logistic regression per (kind, class) maps one to
the other.

Which mixtures: fitted on seed + 4000 of the recipe (``--fit-offset``), checked on its tuning
mixtures (seed + 1000: the data the thresholds and the reference profile came from, and where
the queue constants below were chosen), and never on the scoring mixtures (seed + 2000), the
demo or the AMI clips that ``benchmarks/review_coverage.py`` reports. The rarity feature is a
percentile among the tuning mixtures' segments, so fitting on those would see it in-sample.
All of them are drawn from the validation files of the sources the model was built with
(`reference_profile.sources_as_trained`: packages added to the cache later are left out).

Queue constants (stored beside the models; chosen on the tuning mixtures' coverage, first 10
places per 2-minute recording, among floor 0.1/0.2, look 1-8 s, edit 0-1 s, join cap 4-10 s):
``floor`` 0.1, ``look_s`` 2, ``edit_s`` 0.5, ``max_place_s`` 10.

``--write`` stores it under ``training.review_calibration`` of the model file (weights
untouched) and of the ``.metrics.json`` beside it; without it the script only prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

CONSTANTS = {"floor": 0.1, "join_s": 0.2, "look_s": 1.5, "edit_s": 0.5, "max_place_s": 8.0}


def labelled_candidates(prelabeler: Any, recordings: Iterable[Any], floor: float, join_s: float):
    """Per recording (uri, candidates, reference masks per class code, region, frame length):
    the model run as the editor runs it, its candidates built by the queue's own code."""
    from annotator.extensions import Waveform
    from annotator.review.likely import recording_candidates
    from annotator.review.unseen import rarities
    from segmenter.evaluation import to_frames

    for rec in recordings:
        result = prelabeler(Waveform(rec.audio, 16000, rec.uri))
        ev = result.evidence
        d, T = float(ev.frame_duration), int(ev.posteriors.shape[1])
        segments = {
            row: [(s.start, s.end) for s in result.annotation.lane(lane)]
            for row, lane in enumerate(ev.lanes)
        }
        bands = {
            c: (t.onset, t.offset) for c, t in prelabeler.thresholds.items() if c in ev.classes
        }
        found, _ = recording_candidates(
            ev, bands, segments, segments, rarities(ev, segments), floor, join_s
        )
        references = {c: to_frames(rec.spans.get(c, []), T, d) for c in ev.classes}
        region = to_frames(rec.region, T, d)
        yield rec.uri, found, references, region, d


def summary(rows: dict[str, dict[str, float]], calibration: Any) -> str:
    lines = [
        f"{'model':<12} {'places':>6} {'fit s':>7} {'fit wrong':>9} | {'held-out places':>15} "
        f"{'wrong':>6} {'predicted':>9} {'AUC':>5}"
    ]
    for key, model in calibration.models.items():
        r = rows.get(key, {})
        lines.append(
            f"{key:<12} {model.places:6d} {model.seconds:7.0f} {model.wrong_share:9.1%} | "
            f"{r.get('places', 0):15d} {r.get('wrong_share', float('nan')):6.1%} "
            f"{r.get('predicted_share', float('nan')):9.1%} {r.get('auc', float('nan')):5.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--fit-offset", type=int, default=4000, help="seed offset to fit on")
    parser.add_argument("--check-offset", type=int, default=1000, help="seed offset to check on")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)

    import torch
    from nmf_prelabeler.prelabeler import NMFPrelabeler
    from reference_profile import sources_as_trained, validation_mixtures

    from segmenter.checkpoint import update_metadata
    from segmenter.explain.wrongness import CalibrationBuilder

    torch.set_num_threads(1)
    started = time.perf_counter()
    prelabeler = NMFPrelabeler(args.model, device="cpu", activations="memory")
    info = prelabeler.info
    recipe = info.training.get("recipe_config")
    if not isinstance(recipe, dict):
        print(f"{args.model}: records no recipe settings", file=sys.stderr)
        return 1
    if not isinstance(info.training.get("reference_profile"), dict):
        print(f"note: {args.model} holds no reference profile: rarity is unknown (0.5) everywhere",
              file=sys.stderr)  # fmt: skip
    exclude = sources_as_trained(args.cache, info.training)
    if exclude:
        print(f"left out (added to the cache after the model was built): {', '.join(exclude)}")
    seed = int(recipe.get("seed", 0))
    floor, join_s = CONSTANTS["floor"], CONSTANTS["join_s"]
    builders = {}
    seconds = {}
    frame = 0.02
    for name, offset in (("fit", args.fit_offset), ("check", args.check_offset)):
        recordings, count = validation_mixtures(
            args.cache, recipe, args.chunks, offset, f"cal{offset}", exclude
        )
        builder = CalibrationBuilder(info.classes)
        total = 0.0
        for _uri, found, references, region, d in labelled_candidates(
            prelabeler, recordings, floor, join_s
        ):
            builder.add(found, references, region)
            total += region.sum() * d
            frame = d
        builders[name], seconds[name] = builder, (count, total)
    count, total = seconds["fit"]
    source = (
        f"recipe validation mixtures: {count} plain-stream chunks of held-out source files "
        f"(seed {seed + args.fit_offset}), {total / 60:.1f} min; checked on the tuning set "
        f"(seed {seed + args.check_offset}, {seconds['check'][1] / 60:.1f} min)"
    )
    calibration = builders["fit"].finish(source, frame, **CONSTANTS)
    checks = builders["check"].check(calibration)
    calibration = dataclasses.replace(calibration, checks=checks)
    print(source)
    print(summary(checks, calibration))
    if args.write:
        data = calibration.to_dict()
        update_metadata(args.model, training={"review_calibration": data})
        sidecar = args.model.with_name(args.model.name.split(".")[0] + ".metrics.json")
        if sidecar.is_file():
            report = json.loads(sidecar.read_text(encoding="utf-8"))
            report.setdefault("training", {})["review_calibration"] = data
            sidecar.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"wrote training.review_calibration into {args.model}"
              + (f" and {sidecar}" if sidecar.is_file() else ""))  # fmt: skip
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
