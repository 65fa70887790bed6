"""``segmenter probe train`` / ``segmenter probe evaluate``: teach the model a new lane.

Labels come as a lane of spans in an RTTM file (``--rttm``; the name field is the class, file-ids
are found in ``--audio-dir``) for a frame-level probe, or as ``file,label`` rows (``--csv``) for
a file-level one. H is computed once per recording with the frozen model and cached
(``--cache-dir``, default ``~/.cache/nmf-annotator/activations``), so retraining after a few more
labelled files only pays for those.

``train`` writes a probe file (``--out``), and with ``--head MODEL_OUT`` also a new model file
whose Θ carries the probe's classes as extra lanes (the base model is never modified), which
``annotator label --model MODEL_OUT`` writes into every output format.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from segmenter.checkpoint import load_model
from segmenter.decisions import Thresholds
from segmenter.probe.activations import ActivationCache, file_activations
from segmenter.probe.labels import find_audio, frame_targets, read_label_csv
from segmenter.probe.linear import ProbeError, activation_fingerprint
from segmenter.probe.probe_file import base_description, check_base, load_probe, save_probe
from segmenter.probe.train import Example, TrainOptions, evaluate_probe, train_probe
from segmenter.training.annotations import read_rttm

__all__ = ["build_parser", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/nmf-annotator/activations`` (``~/.cache/...`` by default)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "nmf-annotator" / "activations"


def _labelled(args: argparse.Namespace) -> tuple[str, list[tuple[str, Path, Any]]]:
    """(level, [(group, audio path, turns or label)]) from ``--rttm`` or ``--csv``."""
    if bool(args.rttm) == bool(args.csv):
        raise ProbeError("give the labels either as --rttm (a lane of spans, frame level) or as "
                         "--csv (file,label rows, file level)")  # fmt: skip
    if args.csv:
        rows = read_label_csv(args.csv, args.audio_dir)
        return "file", [(str(path), path, label) for path, label in rows]
    if args.audio_dir is None:
        raise ProbeError("--rttm needs --audio-dir (where the recordings are)")
    turns: dict[str, list[Any]] = {}
    for path in args.rttm:
        for uri, items in read_rttm(path).items():
            turns.setdefault(uri, []).extend(items)
    if not turns:
        raise ProbeError(f"{args.rttm[0]}: no SPEAKER lines")
    return "frame", [(uri, find_audio(args.audio_dir, uri), turns[uri]) for uri in sorted(turns)]


def _classes(
    args: argparse.Namespace, labelled: list[tuple[str, Path, Any]], level: str
) -> tuple[str, ...]:
    if args.classes:
        classes = tuple(c.strip() for c in args.classes.split(",") if c.strip())
    elif level == "file":
        classes = tuple(sorted({label for _, _, label in labelled}))
    else:
        classes = tuple(sorted({t.label for _, _, turns in labelled for t in turns}))
    if getattr(args, "background", None) and args.background not in classes:
        classes = (*classes, args.background)
    return classes


def _examples(
    model: Any,
    labelled: list[tuple[str, Path, Any]],
    classes: tuple[str, ...],
    level: str,
    mode: str,
    args: argparse.Namespace,
) -> list[Example]:
    cache = (
        None
        if args.no_cache
        else ActivationCache(args.cache_dir or default_cache_dir(), activation_fingerprint(model))
    )
    frame = model.spectrogram.hop_length / model.spectrogram.sample_rate
    index = {c: i for i, c in enumerate(classes)}
    examples = []
    for n, (group, path, labels) in enumerate(labelled, start=1):
        if level == "file" and labels not in index:
            continue  # a label outside --classes: not part of this probe
        H, _ = file_activations(model, path, cache, device=args.device)
        if level == "file":
            target: Any = index[labels]
        else:
            background = getattr(args, "background", None)
            target = frame_targets(labels, classes, H.shape[1], frame, mode, background)
        examples.append(Example(group, H, target, name=str(path)))
        if not args.quiet:
            print(f"\rH {n}/{len(labelled)}", end="", file=sys.stderr, flush=True)
    if not args.quiet:
        print(file=sys.stderr)
    return examples


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    chance = metrics.get("chance_uar")
    extra = f" (chance UAR {chance:.3f})" if chance is not None else ""
    print(f"{title}: n {metrics['n']}  accuracy {metrics['accuracy']:.3f}  "
          f"UAR {metrics['uar']:.3f}{extra}")  # fmt: skip
    for name, row in metrics["classes"].items():
        print(f"  {name}: F1 {row['f1']:.3f}  recall {row['recall']:.3f}")


def _train(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.head is not None and args.head.exists() and args.head.resolve() == args.model.resolve():
        raise ProbeError(f"{args.head}: is the base model; write the model with a head elsewhere")
    model, info = load_model(args.model, device=args.device if args.device != "auto" else "cpu")
    level, labelled = _labelled(args)
    mode = "single" if (level == "file" or args.single_label) else "multilabel"
    classes = _classes(args, labelled, level)
    examples = _examples(model, labelled, classes, level, mode, args)
    if args.by:
        groups = json.loads(Path(args.by).read_text()) if args.by.endswith(".json") else None
        if groups is None:
            raise ProbeError(f"{args.by}: --by expects a JSON file mapping recordings to groups")
        for ex in examples:
            ex.group = str(groups.get(ex.group, groups.get(Path(ex.name).name, ex.group)))
    onset = 0.5 if args.onset is None else args.onset
    offset = min(args.offset if args.offset is not None else onset - 0.1, onset)
    thresholds = {
        c: Thresholds(onset=onset, offset=max(offset, 0.0), min_on=args.min_on,
                      min_off=args.min_off)
        for c in classes
    }  # fmt: skip
    options = TrainOptions(validation=args.validation, seed=args.seed, max_epochs=args.epochs,
                           patience=args.patience, tune_onsets=args.onset is None)  # fmt: skip
    probe, report = train_probe(
        examples, classes, level=level, mode=mode, options=options, thresholds=thresholds,
        base=base_description(model, args.model),
    )  # fmt: skip
    probe.training["labels"] = str(args.csv or ",".join(map(str, args.rttm)))
    if args.background:
        probe.training["background"] = args.background
    if args.lane:
        probe.training["lane"] = args.lane
    save_probe(probe, args.out)
    print(f"{probe.describe()}; {report['train_rows']} training rows, "
          f"{report['validation_rows']} held out ({len(report['validation_groups'])} "
          f"recording group(s)); {report['epochs']} epochs in {report['seconds']:.1f} s")  # fmt: skip
    if "validation" in report:
        _print_metrics("held out", report["validation"])
    else:
        print("held out: nothing (each class has a single recording group); no figures")
    print(f"probe written to {args.out} (total {time.perf_counter() - started:.1f} s)")
    if args.head:
        from segmenter.probe.head import save_with_probe

        save_with_probe(args.model, probe, args.head, args.out)
        print(f"model with the new lane(s) {', '.join(classes)} written to {args.head}")
    del info
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    model, _ = load_model(args.model)
    probe = load_probe(args.probe)
    check_base(probe, model, args.probe, args.model)
    level, labelled = _labelled(args)
    if level != probe.level:
        raise ProbeError(f"{args.probe}: a {probe.level}-level probe, but the labels given are "
                         f"{level}-level ({'--rttm' if level == 'frame' else '--csv'})")  # fmt: skip
    args.background = probe.training.get("background")
    examples = _examples(model, labelled, probe.classes, level, probe.mode, args)
    _print_metrics(f"{args.probe}", evaluate_probe(probe, examples))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rttm",
        type=Path,
        action="append",
        default=[],
        help="lane(s) of spans; the name field is the class (frame-level probe)",
    )
    p.add_argument("--csv", type=Path, help="file,label rows (file-level probe)")
    p.add_argument("--audio-dir", type=Path, help="where the RTTM file-ids / CSV files are")
    p.add_argument(
        "--cache-dir", type=Path, help="H cache (default ~/.cache/nmf-annotator/activations)"
    )
    p.add_argument("--no-cache", action="store_true", help="compute H again, store nothing")
    p.add_argument("--device", default="cpu")
    p.add_argument("--quiet", action="store_true")


def build_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Fill ``parser`` (the ``probe`` subcommand of ``segmenter``) with train and evaluate."""
    sub = parser.add_subparsers(dest="probe_command", required=True)
    train = sub.add_parser("train", help="train a linear probe on H from labelled recordings")
    train.add_argument("model", type=Path, help="the base model file (left unchanged)")
    _common(train)
    train.add_argument("--out", type=Path, required=True, help="probe file to write")
    train.add_argument(
        "--head",
        type=Path,
        metavar="MODEL_OUT",
        help="also write a model file with the probe's classes as extra lanes",
    )
    train.add_argument("--classes", help="comma-separated classes (default: every label found)")
    train.add_argument(
        "--single-label",
        action="store_true",
        help="frame level: exactly one class per frame (softmax)",
    )
    train.add_argument("--background", help="single-label: class of the unlabelled frames")
    train.add_argument(
        "--lane", help="file level: name of the lane that shows the file's label when "
        "`annotator label --probe` writes it (default: the probe file's name)",
    )  # fmt: skip
    train.add_argument("--by", help="JSON {recording: group}: hold out whole groups (speakers)")
    train.add_argument("--validation", type=float, default=0.2)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--epochs", type=int, default=200)
    train.add_argument("--patience", type=int, default=10)
    train.add_argument(
        "--onset", type=float,
        help="the new lanes' onset (default: per class, the best F1 on the training "
        "recordings, 0.3-0.9; frame-level multilabel only, else 0.5)",
    )  # fmt: skip
    train.add_argument("--offset", type=float, help="default: 0.1 below the onset")
    train.add_argument("--min-on", type=float, default=0.1)
    train.add_argument("--min-off", type=float, default=0.1)
    train.set_defaults(run=_train)
    evaluate = sub.add_parser("evaluate", help="accuracy, UAR and F1 of a probe on labels")
    evaluate.add_argument("model", type=Path)
    evaluate.add_argument("probe", type=Path)
    _common(evaluate)
    evaluate.set_defaults(run=_evaluate)
    return parser
