"""The training loop: Adam on Ψ and Θ (W frozen), masked loss, validation, early stopping.

One epoch = one pass over the training dataset (its items are random chunks, fixed by
``(seed, epoch, index)``), then the validation loss. After every epoch the full state goes to
``checkpoint_dir/last.safetensors`` (see :mod:`.state`) and a JSON line to the log, so a run
killed at any point resumes from its last finished epoch and then follows the same path an
uninterrupted run would have (same chunks, same weights, bit for bit on the same machine).
The weights kept at the end are those of the best validation epoch.
"""

from __future__ import annotations

import copy
import json
import math
import threading
import time
from collections.abc import Callable, Sized
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import torch
from torch.utils.data import DataLoader, Dataset

from segmenter.inference import resolve_device
from segmenter.loss import segmenter_loss
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report
from segmenter.training.state import TrainingState, load_state, save_state

if TYPE_CHECKING:
    from segmenter.training.data import Item

__all__ = ["TrainConfig", "TrainResult", "train", "learning_rate", "CHECKPOINT_NAME"]

CHECKPOINT_NAME = "last.safetensors"
LR_SCHEDULES = ("constant", "cosine")


def learning_rate(config: TrainConfig, step: int, total_steps: int) -> float:
    """The learning rate of global step ``step`` (0-based) out of ``total_steps``.

    A pure function of the step, not an optimiser-side scheduler object, so a resumed run picks
    up exactly the rate an uninterrupted run would use, with nothing extra in the checkpoint.
    ``cosine`` decays from ``lr`` to ``lr · lr_final_ratio`` over the planned steps (after a
    linear warm-up): with a fixed step budget the last epochs then refine instead of bouncing
    around, which is where a constant rate left our validation loss noisy.
    """
    if config.warmup_steps and step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.lr_schedule == "constant":
        return config.lr
    span = max(1, total_steps - config.warmup_steps)
    progress = min(1.0, max(0.0, (step - config.warmup_steps) / span))
    floor = config.lr * config.lr_final_ratio
    return floor + (config.lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass
class TrainConfig:
    """Optimisation settings (SPEC defaults: Adam 1e-3, batch 64, α=10, β=5, γ=0.1)."""

    epochs: int = 50
    batch_size: int = 64
    lr: float = 1e-3
    alpha: float = 10.0
    beta: float = 5.0
    gamma: float = 0.1
    patience: int = 5
    min_delta: float = 0.0
    seed: int = 0
    num_workers: int = 0
    grad_clip: float | None = 5.0
    kd_weight: float = 0.5
    temperature: float = 2.0
    device: str = "auto"
    lr_schedule: str = "constant"
    lr_final_ratio: float = 0.05
    warmup_steps: int = 0
    class_weights: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}"
            )
        self.class_weights = {str(c): float(w) for c, w in self.class_weights.items()}
        bad = {c: w for c, w in self.class_weights.items() if not (w > 0 and math.isfinite(w))}
        if bad:
            raise ValueError(f"class weights must be positive and finite, got {bad}")

    def class_weight_vector(self, classes: tuple[str, ...]) -> torch.Tensor | None:
        """The (C,) BCE weights in the model's class order (1 for a class not named), or None
        when no class is weighted, so unweighted training runs the exact arithmetic it did."""
        if not self.class_weights:
            return None
        unknown = sorted(set(self.class_weights) - set(classes))
        if unknown:
            raise ValueError(
                f"class weights for unknown classes {unknown}; the model has {classes}"
            )
        return torch.tensor([self.class_weights.get(c, 1.0) for c in classes])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainResult:
    """What happened: per-epoch metrics, the best epoch, and why it stopped."""

    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int | None = None
    best_loss: float | None = None
    stopped_early: bool = False


def _loader(data: Dataset[Item], config: TrainConfig, epoch: int) -> DataLoader[Item]:
    if hasattr(data, "set_epoch"):
        data.set_epoch(epoch)
    return DataLoader(
        data, batch_size=config.batch_size, shuffle=False, num_workers=config.num_workers,
        persistent_workers=False,
    )  # fmt: skip


def _step_loss(
    model: NMFSegmenter,
    batch: list[torch.Tensor],
    config: TrainConfig,
    device: torch.device,
    teacher: NMFSegmenter | None,
) -> tuple[torch.Tensor, dict[str, float]]:
    wave, labels, mask, frames = (t.to(device) for t in batch)
    output = model(wave)
    teacher_logits = None
    if teacher is not None:
        with torch.no_grad():
            teacher_logits = teacher(wave).logits
    return segmenter_loss(
        output, labels, mask, config.alpha, config.beta, config.gamma, frames=frames,
        teacher_logits=teacher_logits, kd_weight=config.kd_weight if teacher else 0.0,
        temperature=config.temperature, class_weights=config.class_weight_vector(model.classes),
    )  # fmt: skip


def _mean(parts: list[tuple[int, dict[str, float]]]) -> dict[str, float]:
    total = sum(n for n, _ in parts)
    keys = parts[0][1].keys() if parts else ()
    return {k: sum(n * p[k] for n, p in parts) / max(1, total) for k in keys}


def validate(
    model: NMFSegmenter,
    data: Dataset[Item],
    config: TrainConfig,
    device: torch.device | None = None,
    teacher: NMFSegmenter | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, float]:
    """Mean loss parts over ``data`` in eval mode (the model's mode is restored)."""
    device = device or resolve_device(config.device)
    was_training = model.training
    model.eval()
    parts = []
    try:
        with torch.inference_mode():
            for batch in _loader(data, config, 0):
                check_cancelled(cancel, "validation")
                parts.append(
                    (batch[0].shape[0], _step_loss(model, batch, config, device, teacher)[1])
                )
    finally:
        model.train(was_training)
    return _mean(parts)


def _state_copy(model: NMFSegmenter) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def train(
    model: NMFSegmenter,
    train_data: Dataset[Item],
    val_data: Dataset[Item] | None = None,
    config: TrainConfig | None = None,
    *,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    teacher: NMFSegmenter | None = None,
    log_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train ``model`` in place (W stays as installed) and leave it with its best weights.

    ``resume=True`` continues from ``checkpoint_dir/last.safetensors`` when it exists.
    ``teacher`` enables distillation (weight ``config.kd_weight``). Raises Cancelled when
    ``cancel`` is set; the last finished epoch stays in the checkpoint.
    """
    config = config or TrainConfig()
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    model.to(device)
    if teacher is not None:
        teacher.to(device).eval()
        if tuple(teacher.classes) != tuple(model.classes):
            raise ValueError(f"teacher classes {teacher.classes} differ from {model.classes}")
    config.class_weight_vector(tuple(model.classes))  # an unknown class fails before any step
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.lr)
    ckpt = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    state = TrainingState(epoch=0, model={}, optimizer={})
    if resume and ckpt is not None and ckpt.exists():
        state = load_state(ckpt)
        model.load_state_dict(state.model)
        optimizer.load_state_dict(state.optimizer)
        if state.rng is not None:
            torch.set_rng_state(state.rng)
    best = state.best
    result = TrainResult(list(state.history), state.best_epoch, state.best_loss)
    bad = state.bad_epochs
    # map-style datasets with a length, as all of segmenter.training.data's are
    steps = max(1, math.ceil(len(cast(Sized, train_data)) / config.batch_size))
    total_steps = max(1, config.epochs * steps)
    for epoch in range(state.epoch, config.epochs):
        if val_data is not None and bad >= config.patience:
            result.stopped_early = True
            break
        started = time.perf_counter()
        model.train()
        parts = []
        for i, batch in enumerate(_loader(train_data, config, epoch)):
            check_cancelled(cancel, "training")
            loss, step_parts = _step_loss(model, batch, config, device, teacher)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, epoch * steps + i, total_steps)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
            optimizer.step()
            parts.append((batch[0].shape[0], step_parts))
            done = epoch * steps + i + 1
            report(
                progress, done / total_steps, f"epoch {epoch + 1} loss {step_parts['total']:.3f}"
            )
        record: dict[str, Any] = {"epoch": epoch + 1, "train": _mean(parts)}
        if val_data is not None:
            record["val"] = validate(model, val_data, config, device, teacher, cancel)
            loss = record["val"]["total"]
            if result.best_loss is None or loss < result.best_loss - config.min_delta:
                result.best_loss, result.best_epoch, best, bad = (
                    loss,
                    epoch + 1,
                    _state_copy(model),
                    0,
                )
            else:
                bad += 1
        record["best_epoch"] = result.best_epoch
        record["seconds"] = round(time.perf_counter() - started, 3)
        result.history.append(record)
        if log_path is not None:
            with open(log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
        if ckpt is not None:
            save_state(
                TrainingState(
                    epoch=epoch + 1, model=_state_copy(model),
                    optimizer=copy.deepcopy(optimizer.state_dict()), best=best,
                    best_loss=result.best_loss, best_epoch=result.best_epoch, bad_epochs=bad,
                    history=result.history, rng=torch.get_rng_state(),
                ),
                ckpt,
            )  # fmt: skip
        if on_epoch is not None:
            on_epoch(record)
    if best is not None:
        model.load_state_dict(best)
    report(progress, 1.0, "training done")
    return result
