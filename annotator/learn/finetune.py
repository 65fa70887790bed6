"""Learn from corrections: fine-tune the class layer on a project's confirmed labels.

What moves: Θ and its bias, by default. W and Ψ stay frozen, so H is what the model already
computes, and fine-tuning is a small convex problem: the activations of the confirmed frames are
computed once, then Θ and b are fitted on them with the masked BCE (the α-term of the training
loss; the reconstruction and sparsity terms do not depend on Θ). A pull towards the starting Θ
(``anchor``) keeps what the data at hand cannot speak for. With ``train_psi`` Ψ learns too, on
random 4 s chunks with the full training loss (W still frozen, normalisation statistics kept).

What is reported: F1 per class before and after, on held-out confirmed recordings the fine-tune
never saw (see :mod:`.split`), each with the thresholds of its model — the starting model's own,
and for the new one thresholds tuned on the *training* recordings when ``tune_thresholds``.

What is written: a new model file. The starting model and anything inside the installed
package or its shipped resources are refused as outputs, so the shipped model is never replaced.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from annotator.core import Project
from annotator.learn.collect import INCLUDE_POLICIES, LabelledRecording, collect_confirmed
from annotator.learn.split import split_held_out
from segmenter.checkpoint import load_model, save_model
from segmenter.decisions import Thresholds
from segmenter.features import SpectrogramConfig
from segmenter.inference import Prediction, predict_file
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report, sub_progress
from segmenter.training.assess import score, tune_on
from segmenter.training.data import Recording
from segmenter.training.labels import frame_coverage

__all__ = ["FinetuneConfig", "FinetuneResult", "LearnError", "check_output", "finetune_project"]


class LearnError(ValueError):
    """A fine-tune that cannot run (no confirmed labels, a forbidden output...): one line."""


@dataclass
class FinetuneConfig:
    steps: int = 300  # optimisation steps of Θ (or of Θ and Ψ with train_psi)
    lr: float = 0.01
    batch_frames: int = 16384  # frames per step (all of them when fewer)
    anchor: float = 1e-3  # weight of the mean squared pull of (Θ, b) towards the start
    train_psi: bool = False
    psi_lr: float = 1e-4  # Ψ's learning rate (Θ keeps ``lr``)
    psi_batch: int = 8  # 4 s chunks per step when Ψ learns
    tune_thresholds: bool = True
    held_out: float = 0.25
    include: str = "done"
    max_frames: int = 1_000_000  # confirmed frames kept for Θ (spread over the recordings)
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.include not in INCLUDE_POLICIES:
            raise LearnError(f"include must be one of {', '.join(INCLUDE_POLICIES)}")
        if self.steps < 1 or self.lr <= 0 or self.batch_frames < 1 or self.max_frames < 1:
            raise LearnError("steps, lr, batch_frames and max_frames must be positive")
        if not 0.0 <= self.held_out < 1.0:
            raise LearnError(f"held-out fraction must lie in [0, 1), got {self.held_out:g}")


@dataclass
class FinetuneResult:
    output: Path
    train_files: list[str]
    held_out_files: list[str]
    frames: int  # confirmed frames Θ was fitted on
    before: dict[str, Any] | None  # score() of the starting model on the held-out files
    after: dict[str, Any] | None
    thresholds: dict[str, dict[str, float]]
    losses: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _forbidden_roots() -> list[Path]:
    import annotator

    roots = [Path(annotator.__file__).resolve().parent]
    try:
        from annotator.resources import resources_root

        roots.append(resources_root().resolve())
    except FileNotFoundError:
        pass
    return roots


def check_output(output: str | Path, model: str | Path, overwrite: bool = False) -> Path:
    """The output path, or a `LearnError` if writing there could lose a model."""
    out = Path(output).expanduser().resolve()
    source = Path(model).expanduser()
    if out == source.resolve() or (
        out.exists() and source.exists() and os.path.samefile(out, source)
    ):
        raise LearnError(f"{out}: is the model being fine-tuned; choose a new file")
    for root in _forbidden_roots():
        if out == root or root in out.parents:
            raise LearnError(f"{out}: inside the installed package or its shipped resources")
    if out.is_dir():
        raise LearnError(f"{out}: is a folder; give a model file name")
    if out.exists() and not overwrite:
        raise LearnError(f"{out}: exists already (allow overwriting to replace it)")
    if not out.parent.is_dir():
        raise LearnError(f"{out.parent}: folder does not exist")
    return out


def _targets(
    rec: LabelledRecording, classes: tuple[str, ...], n: int, cfg: SpectrogramConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and mask (C, T): the training data's frame rule (half the analysis window)."""
    half = 0.5 * cfg.frame_length / cfg.sample_rate - 1e-9
    labels = np.zeros((len(classes), n), dtype=np.float32)
    mask = np.zeros((len(classes), n), dtype=np.float32)
    for i, c in enumerate(classes):
        labels[i] = frame_coverage(rec.spans.get(c, []), 0.0, n, cfg) >= half
        mask[i] = frame_coverage(rec.known.get(c, []), 0.0, n, cfg) >= half
    return labels, mask


def _recording(rec: LabelledRecording, classes: tuple[str, ...]) -> Recording:
    """The segmenter's view of a confirmed recording (for scoring and chunked training)."""
    return Recording(
        uri=rec.rel_path, path=rec.path, duration=rec.duration,
        spans={c: list(rec.spans.get(c, [])) for c in classes},
        annotated=tuple(c for c in classes if rec.known.get(c)),
    )  # fmt: skip


def _gather(
    model: NMFSegmenter,
    recordings: list[LabelledRecording],
    config: FinetuneConfig,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Prediction]]:
    """Activations, labels and masks of the known frames, ``(N, K)``, ``(N, C)``, ``(N, C)``,
    and each recording's prediction (posteriors kept, H dropped)."""
    classes, cfg = tuple(model.classes), model.spectrogram
    total = sum(r.duration for r in recordings) or 1.0
    rng = np.random.default_rng(config.seed)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    predictions: dict[str, Prediction] = {}
    for i, rec in enumerate(recordings):
        check_cancelled(cancel, "fine-tuning")
        sub = sub_progress(progress, i / len(recordings), (i + 1) / len(recordings))
        pred = predict_file(model, rec.path, device=config.device, activations="memory",
                            progress=sub, cancel=cancel)  # fmt: skip
        H = np.asarray(pred.H, dtype=np.float32)
        predictions[rec.rel_path] = dataclasses.replace(pred, H=None)
        labels, mask = _targets(rec, classes, H.shape[1], cfg)
        keep = np.flatnonzero(mask.any(axis=0))
        quota = max(1, math.ceil(config.max_frames * rec.duration / total))
        if keep.size > quota:
            keep = np.sort(rng.choice(keep, size=quota, replace=False))
        parts.append((H[:, keep].T.copy(), labels[:, keep].T, mask[:, keep].T))
    if not parts or not sum(p[0].shape[0] for p in parts):
        raise LearnError("the confirmed recordings hold no labelled frames")
    H_all, Y, M = (np.concatenate([p[j] for p in parts]) for j in range(3))
    return H_all, Y, M, predictions


def _fit_theta(
    model: NMFSegmenter,
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    config: FinetuneConfig,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> list[float]:
    """Masked BCE on (H, labels, mask) with Adam, Θ and b pulled towards their start."""
    H, Y, M = (torch.from_numpy(np.ascontiguousarray(a)) for a in data)
    layer = model.classifier
    weight0 = layer.weight.detach().cpu().clone()
    bias0 = layer.bias.detach().cpu().clone()
    weight = torch.nn.Parameter(weight0.clone())
    bias = torch.nn.Parameter(bias0.clone())
    optimiser = torch.optim.Adam([weight, bias], lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    n, losses = H.shape[0], []
    for step in range(config.steps):
        check_cancelled(cancel, "fine-tuning")
        if n > config.batch_frames:
            idx = torch.randint(0, n, (config.batch_frames,), generator=generator)
            h, y, m = H[idx], Y[idx], M[idx]
        else:
            h, y, m = H, Y, M
        logits = h @ weight.T + bias
        bce = F.binary_cross_entropy_with_logits(logits, y, weight=m, reduction="sum")
        bce = bce / m.sum().clamp_min(1.0)
        pull = ((weight - weight0) ** 2).mean() + ((bias - bias0) ** 2).mean()
        loss = bce + config.anchor * pull
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(float(bce.detach()))
        report(progress, (step + 1) / config.steps, f"fitting Θ, loss {losses[-1]:.4f}")
    with torch.no_grad():
        layer.weight.copy_(weight.detach().to(layer.weight))
        layer.bias.copy_(bias.detach().to(layer.bias))
    return losses


def _fit_psi(
    model: NMFSegmenter,
    recordings: list[LabelledRecording],
    config: FinetuneConfig,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> list[float]:
    """Ψ and Θ on random 4 s chunks of the confirmed recordings with the full training loss.

    The model stays in eval mode, so normalisation statistics learned on the large training
    corpus are used as they are rather than re-estimated on a handful of files.
    """
    from segmenter.inference import resolve_device
    from segmenter.loss import segmenter_loss
    from segmenter.training.data import RandomChunks

    classes = tuple(model.classes)
    chunks = RandomChunks(
        [_recording(r, classes) for r in recordings], config.steps * config.psi_batch,
        model.spectrogram, seed=config.seed,
    )  # fmt: skip
    device = resolve_device(config.device)
    model.to(device).eval()
    psi, theta = list(model.psi.parameters()), list(model.classifier.parameters())
    params = psi + theta
    optimiser = torch.optim.Adam(
        [{"params": psi, "lr": config.psi_lr}, {"params": theta, "lr": config.lr}]
    )
    losses = []
    for step in range(config.steps):
        check_cancelled(cancel, "fine-tuning")
        items = [chunks[step * config.psi_batch + j] for j in range(config.psi_batch)]
        wave, labels, mask, frames = (torch.stack(t).to(device) for t in zip(*items, strict=True))
        loss, parts = segmenter_loss(model(wave), labels, mask, frames=frames)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimiser.step()
        losses.append(parts["bce"])
        report(progress, (step + 1) / config.steps, f"fitting Ψ and Θ, BCE {parts['bce']:.4f}")
    return losses


def _held_out_scores(
    model: NMFSegmenter,
    held: list[LabelledRecording],
    predictions: dict[str, Prediction],
    thresholds: dict[str, Thresholds],
) -> dict[str, Any] | None:
    if not held:
        return None
    classes = tuple(model.classes)
    return score(predictions, [_recording(r, classes) for r in held], thresholds, classes)


def _repredict(model: NMFSegmenter, base: dict[str, Prediction], H: dict[str, np.ndarray]):
    """Posteriors of a new Θ on stored activations (Ψ frozen: H did not change)."""
    weight = model.classifier.weight.detach().cpu().numpy().astype(np.float64)
    bias = model.classifier.bias.detach().cpu().numpy().astype(np.float64)
    out = {}
    for uri, pred in base.items():
        logits = weight @ H[uri].astype(np.float64) + bias[:, None]
        posteriors = (0.5 * (1.0 + np.tanh(0.5 * logits))).astype(np.float32)
        out[uri] = dataclasses.replace(
            pred, posteriors=posteriors, logits=logits.astype(np.float32)
        )
    return out


def finetune_project(
    project: Project,
    model_path: str | Path,
    output: str | Path,
    config: FinetuneConfig | None = None,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> FinetuneResult:
    """Fine-tune ``model_path`` on ``project``'s confirmed labels and save the result to
    ``output`` (see the module docstring). Raises `LearnError`, `Cancelled` or segmenter
    errors (unreadable model or recording), each one line."""
    config = config or FinetuneConfig()
    out = check_output(output, model_path, overwrite)
    model, info = load_model(model_path)
    classes = tuple(model.classes)
    collected = collect_confirmed(project, classes, config.include)
    if not collected.recordings:
        raise LearnError(
            f"{project.root}: no confirmed labels to learn from (mark corrected recordings done)"
        )
    train_recs, held = split_held_out(collected.recordings, config.held_out)
    if not train_recs:
        raise LearnError(f"{project.root}: every confirmed recording is held out; none to train on")
    report(progress, 0.0, "analysing confirmed recordings")
    data_h, labels, masks, train_preds = _gather(
        model, train_recs, config, sub_progress(progress, 0.0, 0.4), cancel
    )
    held_H: dict[str, np.ndarray] = {}
    held_preds: dict[str, Prediction] = {}
    for i, rec in enumerate(held):
        sub = sub_progress(progress, 0.4 + 0.1 * i / len(held), 0.4 + 0.1 * (i + 1) / len(held))
        pred = predict_file(model, rec.path, device=config.device, activations="memory",
                            progress=sub, cancel=cancel)  # fmt: skip
        held_H[rec.rel_path] = np.asarray(pred.H, dtype=np.float32)
        held_preds[rec.rel_path] = dataclasses.replace(pred, H=None)
    before = _held_out_scores(model, held, held_preds, dict(info.thresholds))
    fit = sub_progress(progress, 0.5, 0.85)
    if config.train_psi:
        losses = _fit_psi(model, [r for r in train_recs if r.confirmed], config, fit, cancel)
    else:
        losses = _fit_theta(model, (data_h, labels, masks), config, fit, cancel)
    del data_h
    report(progress, 0.85, "choosing thresholds")
    thresholds = dict(info.thresholds)
    confirmed_train = [r for r in train_recs if r.confirmed]
    if config.train_psi:
        after_held = {
            r.rel_path: predict_file(model, r.path, device=config.device, activations="none")
            for r in held
        }
        tune_preds = {
            r.rel_path: predict_file(model, r.path, device=config.device, activations="none")
            for r in confirmed_train
        } if config.tune_thresholds else {}  # fmt: skip
    else:
        after_held = _repredict(model, held_preds, held_H)
        tune_preds = {
            r.rel_path: predict_file(model, r.path, device=config.device, activations="none")
            for r in confirmed_train
        } if config.tune_thresholds else {}  # fmt: skip
    if config.tune_thresholds and confirmed_train:
        check_cancelled(cancel, "fine-tuning")
        tuned = tune_on(tune_preds, [_recording(r, classes) for r in confirmed_train], classes)
        thresholds.update(tuned)
    report(progress, 0.95, "scoring held-out recordings")
    after = _held_out_scores(model, held, after_held, thresholds)
    result = FinetuneResult(
        output=out,
        train_files=[r.rel_path for r in train_recs],
        held_out_files=[r.rel_path for r in held],
        frames=int(labels.shape[0]),
        before=before,
        after=after,
        thresholds={c: t.to_dict() for c, t in thresholds.items()},
        losses=losses,
        warnings=list(collected.warnings),
    )
    save_model(
        model, out, thresholds=thresholds,
        metrics={"finetune": {"before": before, "after": after}, "base": info.metrics},
        training={
            "finetuned_from": str(Path(model_path).resolve()), "base": info.training,
            "project": str(project.root), "include": config.include,
            "train_files": result.train_files, "held_out_files": result.held_out_files,
            "frames": result.frames, "parts": "theta+psi" if config.train_psi else "theta",
            "config": dataclasses.asdict(config),
        },
    )  # fmt: skip
    report(progress, 1.0, f"saved {out.name}")
    return result
