"""``segmenter`` command: predict, train, evaluate and tune without the annotator.

* ``predict MODEL AUDIO...`` — segments per class as RTTM (label = class name), to stdout or one
  file per recording in ``--out-dir``; thresholds are those stored in the model file.
* ``train ...`` — :mod:`segmenter.training.cli` (same options as ``python -m segmenter.training``).
* ``learn-dictionary --rttm R --audio-dir D --out W.safetensors`` — sparse NMF dictionary from
  class-balanced labelled frames (plus optional music/noise/speech folders), reusable by
  ``train --dictionary``.
* ``evaluate MODEL --rttm R --audio-dir D`` — time-based P/R/F1 per annotated class, and the edits
  per minute a person needs to correct each lane (beside the figure for labelling from empty lanes).
* ``tune MODEL --rttm R --audio-dir D [--write]`` — thresholds maximising F1, stored in the model
  file with ``--write``.
* ``probe train MODEL (--rttm R --audio-dir D | --csv LABELS) --out P [--head MODEL_OUT]`` and
  ``probe evaluate MODEL P ...`` — a linear probe on H: a new lane (:mod:`segmenter.probe.cli`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from segmenter.checkpoint import ModelInfo, load_model, update_metadata
from segmenter.decisions import Decision
from segmenter.errors import Cancelled, SegmenterError
from segmenter.inference import Prediction, segment_file
from segmenter.model import NMFSegmenter
from segmenter.training import cli as train_cli
from segmenter.training.assess import predict_recordings, score, tune_on, tune_on_edits
from segmenter.training.data import Corpus, Recording, load_corpus

__all__ = ["main"]


def _rttm_lines(uri: str, segments: dict[str, list[Decision]]) -> list[str]:
    rows = [
        (d.start, d.end, cls) for cls, items in segments.items() for d in items if d.end > d.start
    ]
    return [
        f"SPEAKER {uri} 1 {a:.3f} {b - a:.3f} <NA> <NA> {cls} <NA> <NA>"
        for a, b, cls in sorted(rows)
    ]


def _predict(args: argparse.Namespace) -> int:
    model, info = load_model(args.model)
    for audio in args.audio:
        segments = segment_file(
            model, info, audio, device=args.device, chunk_seconds=args.chunk_seconds
        )
        text = "\n".join(_rttm_lines(Path(audio).stem, segments)) + "\n"
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            (args.out_dir / f"{Path(audio).stem}.rttm").write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    return 0


def _learn_dictionary(args: argparse.Namespace) -> int:
    from segmenter.dictionary_file import save_dictionary
    from segmenter.features import SpectrogramConfig
    from segmenter.training.atoms import balanced_dictionary, class_frames

    cfg = SpectrogramConfig(n_fft=args.n_fft, win_length=args.win_length)
    recordings = []
    if args.rttm:
        if args.audio_dir is None:
            raise SegmenterError("--rttm needs --audio-dir (where the recordings are)")
        corpus = Corpus(
            rttm=args.rttm, audio_dir=args.audio_dir, uem=args.uem,
            annotated=args.annotated.split(",") if args.annotated else None,
        )  # fmt: skip
        recordings = load_corpus(corpus)
    pools = {
        cls: train_cli.audio_files(folder)
        for cls, folder in (("no", args.noise_dir), ("mu", args.music_dir), ("sp", args.speech_dir))
    }
    frames = class_frames(recordings, pools, cfg=cfg, seed=args.seed)
    counts = {c: int(x.shape[1]) for c, x in frames.items()}
    print("dictionary frames: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
    W = balanced_dictionary(
        frames, args.components, mu=args.mu, iterations=args.iterations, seed=args.seed
    )
    save_dictionary(
        args.out, W,
        {"spectrogram": cfg.to_dict(), "components": args.components, "mu": args.mu,
         "iterations": args.iterations, "seed": args.seed, "frames_per_class": counts},
    )  # fmt: skip
    print(f"dictionary {tuple(W.shape)} written to {args.out}")
    return 0


def _corpus_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path)
    p.add_argument("--rttm", type=Path, action="append", required=True)
    p.add_argument("--audio-dir", type=Path, required=True)
    p.add_argument("--uem", type=Path, action="append", default=[])
    p.add_argument("--annotated", help="classes the corpus annotates, e.g. sp,ov")
    p.add_argument("--device", default="auto")


def _load(
    args: argparse.Namespace,
) -> tuple[NMFSegmenter, ModelInfo, list[Recording], dict[str, Prediction]]:
    model, info = load_model(args.model)
    corpus = Corpus(
        rttm=args.rttm, audio_dir=args.audio_dir, uem=args.uem,
        annotated=args.annotated.split(",") if args.annotated else None,
    )  # fmt: skip
    recordings = load_corpus(corpus)
    return model, info, recordings, predict_recordings(model, recordings, device=args.device)


def _evaluate(args: argparse.Namespace) -> int:
    model, info, recordings, predictions = _load(args)
    result = score(predictions, recordings, info.thresholds, model.classes)
    for cls, row in result["classes"].items():
        print(
            f"{cls}: P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  "
            f"edits/min {row['edits_per_min']:.2f} (empty lanes {row['empty_edits_per_min']:.2f})"
        )
    print(f"summary F1: {result['summary_f1']:.3f}")
    print(
        f"edits per minute to correct: {result['edits_per_min']:.2f} "
        f"(from empty lanes: {result['empty_edits_per_min']:.2f})"
    )
    return 0


def _tune(args: argparse.Namespace) -> int:
    model, _, recordings, predictions = _load(args)
    if args.objective == "edits":
        tuned = tune_on_edits(predictions, recordings, model.classes, args.f1_tolerance)
        thresholds = {cls: t.thresholds for cls, t in tuned.items()}
        guarded = {cls for cls, t in tuned.items() if t.guarded}
    else:
        thresholds = tune_on(predictions, recordings, model.classes)
        guarded = set()
    result = score(predictions, recordings, thresholds, model.classes)
    for cls, th in thresholds.items():
        row = result["classes"][cls]
        floor = f" floor {th.min_confidence:.2f}" if th.min_confidence else ""
        print(
            f"{cls}: onset {th.onset:.2f} offset {th.offset:.2f} "
            f"min on {th.min_on:.2f} s off {th.min_off:.2f} s{floor}  "
            f"F1 {row['f1']:.3f}  edits/min {row['edits_per_min']:.2f} "
            f"(empty lanes {row['empty_edits_per_min']:.2f})"
            + (
                "  [fewest edits: within the F1 tolerance none beat empty lanes]"
                if cls in guarded
                else ""
            )
        )
    if args.write:
        metrics = {"tuned": {**result, "objective": args.objective}}
        update_metadata(args.model, thresholds=thresholds, metrics=metrics)
        print(f"thresholds written to {args.model}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segmenter", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    predict = sub.add_parser("predict", help="segments of recordings as RTTM")
    predict.add_argument("model", type=Path)
    predict.add_argument("audio", nargs="+", type=Path)
    predict.add_argument("--out-dir", type=Path)
    predict.add_argument("--device", default="auto")
    predict.add_argument("--chunk-seconds", type=float, default=60.0)
    predict.set_defaults(run=_predict)
    train = sub.add_parser("train", help="train a model file from audio + RTTM")
    train_cli.build_parser(train)
    train.set_defaults(run=train_cli.run)
    learn = sub.add_parser("learn-dictionary", help="learn W by sparse NMF from labelled audio")
    learn.add_argument("--rttm", type=Path, action="append", default=[])
    learn.add_argument("--audio-dir", type=Path)
    learn.add_argument("--uem", type=Path, action="append", default=[])
    learn.add_argument("--annotated", help="classes the corpus annotates, e.g. sp,ov")
    for cls in ("noise", "music", "speech"):
        learn.add_argument(f"--{cls}-dir", type=Path, help=f"folder of {cls}-only recordings")
    learn.add_argument("--components", type=int, default=256)
    learn.add_argument("--mu", type=float, default=1.0)
    learn.add_argument("--iterations", type=int, default=200)
    learn.add_argument("--n-fft", type=int, default=1024)
    learn.add_argument("--win-length", type=int, default=1024)
    learn.add_argument("--seed", type=int, default=0)
    learn.add_argument("--out", type=Path, required=True)
    learn.set_defaults(run=_learn_dictionary)
    evaluate = sub.add_parser("evaluate", help="P/R/F1 of a model on a labelled corpus")
    _corpus_args(evaluate)
    evaluate.set_defaults(run=_evaluate)
    tune = sub.add_parser("tune", help="tune decision thresholds on a labelled corpus")
    _corpus_args(tune)
    tune.add_argument("--write", action="store_true", help="store them in the model file")
    tune.add_argument(
        "--objective",
        choices=("f1", "edits"),
        default="f1",
        help="f1: best corpus F1 per class; edits: fewest edits a person must make among the "
        "thresholds within --f1-tolerance of the best F1 (adds minimum durations and a "
        "segment confidence floor to the search)",
    )
    tune.add_argument(
        "--f1-tolerance", type=float, default=0.02, help="with --objective edits (default 0.02)"
    )
    tune.set_defaults(run=_tune)
    from segmenter.probe import cli as probe_cli

    probe = sub.add_parser("probe", help="teach a new lane: a linear probe on the activations H")
    probe_cli.build_parser(probe)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except (SegmenterError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
