"""``python -m segmenter.training``: train a model file from corpora of audio + RTTM (+ UEM).

Steps: read the corpora → learn W on class-balanced labelled frames (skipped when resuming) →
train with augmentation, a checkpoint per epoch and early stopping on the dev loss → tune the
decision thresholds on the dev set and score it → write the model file with thresholds, metrics
and a training summary. Several corpora: repeat ``--train-rttm`` with one ``--train-audio-dir``
each (or one for all), and optionally one ``--train-uem`` / ``--train-annotated`` each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from segmenter.checkpoint import load_model, save_model
from segmenter.errors import Cancelled, SegmenterError
from segmenter.model import ModelConfig, NMFSegmenter
from segmenter.training.assess import predict_recordings, score, tune_on
from segmenter.training.atoms import balanced_dictionary, class_frames
from segmenter.training.augment import Augmenter
from segmenter.training.data import (
    AUDIO_SUFFIXES,
    Corpus,
    RandomChunks,
    Recording,
    SequentialChunks,
    load_corpus,
)
from segmenter.training.loop import CHECKPOINT_NAME, TrainConfig, train

__all__ = ["main", "build_parser"]


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="python -m segmenter.training", description=__doc__)
    a = p.add_argument
    for split in ("train", "dev"):
        a(f"--{split}-rttm", action="append", default=[], type=Path, required=split == "train")
        a(f"--{split}-audio-dir", action="append", default=[], type=Path, required=split == "train")
        a(f"--{split}-uem", action="append", default=[], type=Path)
        a(f"--{split}-annotated", action="append", default=[], help="classes, e.g. sp,ov")
    a(
        "--unannotated",
        choices=("unknown", "negative"),
        default="unknown",
        help="unannotated classes: unknown (mask 0, default) or known absent",
    )
    a("--noise-dir", type=Path, help="noise files for augmentation (and noise atoms)")
    a("--music-dir", type=Path, help="music files for augmentation (and music atoms)")
    a("--speech-dir", type=Path, help="clean speech for overlap augmentation")
    a("--out", type=Path, required=True, help="model file to write (.safetensors)")
    a("--checkpoint-dir", type=Path, help="default: <out>.ckpt/")
    a("--resume", action="store_true", help="continue from the checkpoint directory")
    a("--epochs", type=int, default=50)
    a("--batch-size", type=int, default=64)
    a("--chunks-per-epoch", type=int, default=2000)
    a("--lr", type=float, default=1e-3)
    a("--alpha", type=float, default=10.0)
    a("--beta", type=float, default=5.0)
    a("--gamma", type=float, default=0.1)
    a("--patience", type=int, default=5)
    a("--seed", type=int, default=0)
    a("--workers", type=int, default=0)
    a("--device", default="auto")
    a("--components", type=int, default=256)
    a("--norm", choices=("channel", "global"), default="channel")
    a("--front-end", choices=("spectrogram", "wavlm"), default="spectrogram")
    a("--wavlm-path", default="", help="local WavLM directory (front end wavlm)")
    a("--n-fft", type=int, default=1024)
    a("--win-length", type=int, default=1024)
    a("--repeats", type=int, default=2)
    a("--dict-iterations", type=int, default=200)
    a("--dictionary", type=Path, help="use W from this file (segmenter learn-dictionary)")
    a("--teacher", type=Path, help="teacher model file for distillation")
    a("--kd-weight", type=float, default=0.5)
    a("--temperature", type=float, default=2.0)
    a("--no-tune", action="store_true", help="keep default thresholds")
    return p


def _corpora(args: argparse.Namespace, split: str) -> list[Corpus]:
    rttms = getattr(args, f"{split}_rttm")
    dirs = getattr(args, f"{split}_audio_dir")
    uems = getattr(args, f"{split}_uem")
    annotated = getattr(args, f"{split}_annotated")
    if not rttms:
        return []
    if len(dirs) not in (1, len(rttms)):
        raise SystemExit(f"--{split}-audio-dir: give one, or one per --{split}-rttm")
    for name, values in (("uem", uems), ("annotated", annotated)):
        if values and len(values) != len(rttms):
            raise SystemExit(f"--{split}-{name}: give one per --{split}-rttm")
    return [
        Corpus(
            rttm=[rttm],
            audio_dir=dirs[i if len(dirs) > 1 else 0],
            uem=[uems[i]] if uems else [],
            annotated=annotated[i].split(",") if annotated else None,
            unannotated=args.unannotated,
            name=str(rttm),
        )  # fmt: skip
        for i, rttm in enumerate(rttms)
    ]


def audio_files(folder: Path | None) -> list[Path]:
    if folder is None:
        return []
    if not folder.is_dir():
        raise SegmenterError(f"{folder}: not a folder")
    return sorted(f for f in folder.rglob("*") if f.suffix.lower() in AUDIO_SUFFIXES)


def _progress_bar(total_label: str) -> tuple[Any, Any]:
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with transformers
        return (lambda f, m: None), None
    bar = tqdm(total=1000, desc=total_label, unit="‰", leave=False)

    def update(fraction: float, message: str) -> None:
        bar.n = int(fraction * 1000)
        bar.set_postfix_str(message, refresh=True)

    return update, bar


def _epoch_line(record: dict[str, Any]) -> str:
    losses = ", ".join(f"{k} {v['total']:.4f}" for k, v in record.items() if isinstance(v, dict))
    return f"epoch {record['epoch']}: {losses} (best epoch {record['best_epoch']})"


def run(args: argparse.Namespace) -> int:
    train_recs: list[Recording] = [r for c in _corpora(args, "train") for r in load_corpus(c)]
    dev_recs = [r for c in _corpora(args, "dev") for r in load_corpus(c)]
    params = {"model_path": args.wavlm_path} if args.front_end == "wavlm" else {}
    config = ModelConfig(
        front_end=args.front_end, front_end_params=params, n_fft=args.n_fft,
        win_length=args.win_length, n_components=args.components, norm=args.norm,
        repeats=args.repeats,
    )  # fmt: skip
    torch.manual_seed(args.seed)
    model = NMFSegmenter(config)
    ckpt_dir = args.checkpoint_dir or args.out.with_suffix(".ckpt")
    pools = {
        "no": audio_files(args.noise_dir),
        "mu": audio_files(args.music_dir),
        "sp": audio_files(args.speech_dir),
    }
    if args.dictionary is not None and not (args.resume and (ckpt_dir / CHECKPOINT_NAME).exists()):
        from segmenter.dictionary_file import load_dictionary

        W, _ = load_dictionary(args.dictionary)
        if W.shape != (model.spectrogram.n_bins, args.components):
            raise SegmenterError(
                f"{args.dictionary}: W is {tuple(W.shape)}, the model needs "
                f"({model.spectrogram.n_bins}, {args.components})"
            )
        model.set_dictionary(W)
    elif not (args.resume and (ckpt_dir / CHECKPOINT_NAME).exists()):
        frames = class_frames(train_recs, pools, cfg=model.spectrogram, seed=args.seed)
        print("dictionary frames: " + ", ".join(f"{c} {x.shape[1]}" for c, x in frames.items()))
        model.set_dictionary(
            balanced_dictionary(
                frames, args.components, iterations=args.dict_iterations, seed=args.seed
            )
        )
    augmenter = Augmenter(pools["no"], pools["mu"], pools["sp"], classes=model.classes)
    train_set = RandomChunks(
        train_recs, args.chunks_per_epoch, model.spectrogram, augmenter=augmenter, seed=args.seed
    )
    dev_set = SequentialChunks(dev_recs, model.spectrogram) if dev_recs else None
    teacher = load_model(args.teacher)[0] if args.teacher else None
    tc = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, alpha=args.alpha,
        beta=args.beta, gamma=args.gamma, patience=args.patience, seed=args.seed,
        num_workers=args.workers, kd_weight=args.kd_weight, temperature=args.temperature,
        device=args.device,
    )  # fmt: skip
    progress, bar = _progress_bar("training")
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    result = train(
        model, train_set, dev_set, tc, checkpoint_dir=ckpt_dir, resume=args.resume,
        teacher=teacher, log_path=ckpt_dir / "metrics.jsonl", progress=progress,
        on_epoch=lambda r: (bar.write if bar is not None else print)(_epoch_line(r)),
    )  # fmt: skip
    if bar is not None:
        bar.close()
    thresholds, metrics = None, {}
    if dev_recs:
        predictions = predict_recordings(model, dev_recs, device=args.device)
        if not args.no_tune:
            thresholds = tune_on(predictions, dev_recs, model.classes)
        metrics = {"dev": score(predictions, dev_recs, thresholds, model.classes)}
        metrics["dev"]["val_loss"] = result.best_loss
    summary = {
        "corpora": [str(p) for p in args.train_rttm],
        "dev": [str(p) for p in args.dev_rttm],
        "train_seconds": sum(r.duration for r in train_recs),
        "epochs": len(result.history),
        "best_epoch": result.best_epoch,
        "config": tc.to_dict(),
        "augmentation_pools": {c: len(v) for c, v in pools.items()},
        "teacher": str(args.teacher) if args.teacher else None,
    }
    save_model(model, args.out, thresholds=thresholds, metrics=metrics, training=summary)
    if metrics:
        print(f"dev summary F1: {metrics['dev']['summary_f1']:.3f}")
    print(f"wrote {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except (SegmenterError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
