"""The training objective: L = α·BCE(σ(ΘH), y) + β·MSE(X, W·H) + γ·mean|H|.

BCE skips (frame, class) cells whose label is unknown (``mask`` = 0): a broadcast corpus without
overlap annotation says nothing about ``ov``. An optional ``frames`` mask marks frames that exist
at all (zero-padded batch tails) and removes them from every term. Optional knowledge
distillation (companion paper) mixes a binary KL to a teacher's tempered posteriors into the
classification term: ``(1 − λ)·BCE + λ·T²·KL``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from segmenter.model import ModelOutput

__all__ = ["segmenter_loss", "distillation_loss"]


def _masked_mean(values: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    if weights is None:
        return values.mean()
    weights = weights.to(values.dtype).expand_as(values)
    return (values * weights).sum() / weights.sum().clamp_min(1.0)


def _label_weights(
    mask: torch.Tensor | None, frames: torch.Tensor | None, like: torch.Tensor
) -> torch.Tensor | None:
    """Combine a (B, C, T) / (B, 1, T) / (B, T) label mask with a (B, T) frame mask."""
    weights = None
    if mask is not None:
        weights = mask.unsqueeze(1) if mask.dim() == 2 else mask
        weights = weights.to(like.dtype).expand_as(like)
    if frames is not None:
        f = frames.to(like.dtype)[:, None, :]
        weights = f.expand_as(like) if weights is None else weights * f
    return weights


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    temperature: float = 1.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean binary KL(teacher ‖ student) on tempered sigmoids, scaled by T² (Hinton et al.)."""
    t = float(temperature)
    p = torch.sigmoid(teacher_logits / t)
    log_q = F.logsigmoid(student_logits / t)
    log_1mq = F.logsigmoid(-student_logits / t)
    log_p = F.logsigmoid(teacher_logits / t)
    log_1mp = F.logsigmoid(-teacher_logits / t)
    kl = p * (log_p - log_q) + (1 - p) * (log_1mp - log_1mq)
    return _masked_mean(kl, _label_weights(mask, None, kl)) * t * t


def segmenter_loss(
    output: ModelOutput,
    labels: torch.Tensor,
    mask: torch.Tensor | None = None,
    alpha: float = 10.0,
    beta: float = 5.0,
    gamma: float = 0.1,
    *,
    frames: torch.Tensor | None = None,
    teacher_logits: torch.Tensor | None = None,
    kd_weight: float = 0.0,
    temperature: float = 1.0,
    class_weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Total loss and its parts (plain floats, for logging).

    ``labels`` (B, C, T) in [0, 1]; ``mask`` broadcastable to it (1 = label known); ``frames``
    (B, T) (1 = real frame). Defaults α=10, β=5, γ=0.1 follow the paper checkpoint's run name.
    ``class_weights`` (C,) scales each class's BCE cells (not the distillation term): a class
    whose hard cases are rare in the stream can be made to count more without resampling it.
    Returns ``(total, {"total", "bce", "mse", "l1", ["kd"]})``.
    """
    if output.target is None:
        raise ValueError("the reconstruction term needs output.target (the spectrogram X)")
    logits = output.logits
    if labels.shape != logits.shape:
        raise ValueError(f"labels shape {tuple(labels.shape)} != logits {tuple(logits.shape)}")
    weights = _label_weights(mask, frames, logits)
    cells = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype), reduction="none")
    if class_weights is not None:
        if class_weights.shape != (logits.shape[1],):
            raise ValueError(
                f"class_weights shape {tuple(class_weights.shape)} != ({logits.shape[1]},)"
            )
        cells = cells * class_weights.to(cells)[None, :, None]
    bce = _masked_mean(cells, weights)
    classification = bce
    parts: dict[str, float] = {}
    if teacher_logits is not None and kd_weight > 0:
        kd = distillation_loss(logits, teacher_logits, temperature, weights)
        classification = (1 - kd_weight) * bce + kd_weight * kd
        parts["kd"] = float(kd.detach())
    frame_weights = None if frames is None else frames[:, None, :]
    mse = _masked_mean((output.target - output.reconstruction).square(), frame_weights)
    l1 = _masked_mean(output.activations.abs(), frame_weights)
    total = alpha * classification + beta * mse + gamma * l1
    parts.update(
        total=float(total.detach()),
        bce=float(bce.detach()),
        mse=float(mse.detach()),
        l1=float(l1.detach()),
    )
    return total, parts
