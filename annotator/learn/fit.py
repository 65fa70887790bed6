"""The fitting behind :func:`annotator.learn.finetune_project`, kept apart from the job around it.

* :func:`fit_theta` — the Θ rows of the trained classes on stored activations (a small convex
  problem): masked BCE on confirmed frames + distillation towards the starting posteriors +
  a pull to the starting rows; the other rows never move;
* :func:`fit_psi` — Ψ too, on random 4 s chunks, when a person asks for it;
* :func:`retune_thresholds` — onset/offset of the trained classes with enough data, near the
  starting values, everything else kept.

Why each choice: the docstring of :mod:`annotator.learn.finetune` and ``docs/finetuning.md``.
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import torch
import torch.nn.functional as F

from annotator.learn.collect import LabelledRecording
from annotator.learn.config import FinetuneConfig
from segmenter.decisions import Thresholds
from segmenter.evaluation.tuning import ThresholdGrid, tune_thresholds
from segmenter.inference import Prediction
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report
from segmenter.training.data import Recording

__all__ = ["as_recording", "fit_psi", "fit_theta", "retune_thresholds"]


def as_recording(rec: LabelledRecording, classes: tuple[str, ...]) -> Recording:
    """The segmenter's view of a confirmed recording (for scoring and chunked training)."""
    return Recording(
        uri=rec.rel_path, path=rec.path, duration=rec.duration,
        spans={c: list(rec.spans.get(c, [])) for c in classes},
        annotated=tuple(c for c in classes if rec.known.get(c)),
    )  # fmt: skip


def fit_theta(
    model: NMFSegmenter,
    rows: list[int],
    labelled: tuple[np.ndarray, np.ndarray, np.ndarray],
    replay: np.ndarray,
    config: FinetuneConfig,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> list[float]:
    """Fit the Θ rows ``rows`` (and their biases): masked BCE on the confirmed frames, plus
    ``distill`` × BCE towards the starting posteriors on ``replay`` frames (N, K), plus
    ``anchor`` × the squared distance to the starting rows. The other rows do not move."""
    H, Y, M = (torch.from_numpy(np.ascontiguousarray(a)) for a in labelled)
    Y, M = Y[:, rows], M[:, rows]
    R = torch.from_numpy(np.ascontiguousarray(replay))
    layer = model.classifier
    weight0 = layer.weight.detach().cpu()[rows].clone()
    bias0 = layer.bias.detach().cpu()[rows].clone()
    with torch.no_grad():
        teacher = torch.sigmoid(R @ weight0.T + bias0) if R.shape[0] else None
    weight = torch.nn.Parameter(weight0.clone())
    bias = torch.nn.Parameter(bias0.clone())
    generator = torch.Generator().manual_seed(config.seed)
    n, n_replay, losses = H.shape[0], R.shape[0], []
    full_batch = config.optimizer == "lbfgs"
    limit = config.batch_frames * (8 if full_batch else 1)

    def sample(count: int) -> torch.Tensor | None:
        return torch.randint(0, count, (limit,), generator=generator) if count > limit else None

    def objective(idx: torch.Tensor | None, ridx: torch.Tensor | None):
        h, y, m = (H, Y, M) if idx is None else (H[idx], Y[idx], M[idx])
        bce = F.binary_cross_entropy_with_logits(h @ weight.T + bias, y, weight=m, reduction="sum")
        bce = bce / m.sum().clamp_min(1.0)
        loss = bce
        if teacher is not None and config.distill > 0:
            r, t = (R, teacher) if ridx is None else (R[ridx], teacher[ridx])
            loss = loss + config.distill * F.binary_cross_entropy_with_logits(
                r @ weight.T + bias, t
            )
        pull = ((weight - weight0) ** 2).sum() + ((bias - bias0) ** 2).sum()
        return loss + config.anchor * pull, bce

    if full_batch:  # the convex problem solved as such: moves only where the data pull
        optimiser = torch.optim.LBFGS(
            [weight, bias], lr=1.0, max_iter=1, history_size=20, line_search_fn="strong_wolfe"
        )
        idx, ridx = sample(n), sample(n_replay)

        def closure() -> torch.Tensor:
            optimiser.zero_grad(set_to_none=True)
            loss, bce = objective(idx, ridx)
            loss.backward()
            closure.bce = float(bce.detach())  # type: ignore[attr-defined]
            return loss

        for step in range(config.steps):
            check_cancelled(cancel, "fine-tuning")
            optimiser.step(closure)
            losses.append(closure.bce)  # type: ignore[attr-defined]
            report(progress, (step + 1) / config.steps, f"fitting Θ, loss {losses[-1]:.4f}")
    else:
        adam = torch.optim.Adam([weight, bias], lr=config.lr)
        for step in range(config.steps):
            check_cancelled(cancel, "fine-tuning")
            loss, bce = objective(sample(n), sample(n_replay))
            adam.zero_grad(set_to_none=True)
            loss.backward()
            adam.step()
            losses.append(float(bce.detach()))
            report(progress, (step + 1) / config.steps, f"fitting Θ, loss {losses[-1]:.4f}")
    with torch.no_grad():
        layer.weight[rows] = weight.detach().to(layer.weight)
        layer.bias[rows] = bias.detach().to(layer.bias)
    return losses


def fit_psi(
    model: NMFSegmenter,
    rows: list[int],
    recordings: list[LabelledRecording],
    config: FinetuneConfig,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> list[float]:
    """Ψ and the Θ rows ``rows`` on random 4 s chunks of the confirmed recordings: the training
    loss on the trained classes' labels only, plus ``distill`` × BCE towards the starting
    model's posteriors for *every* class (Ψ moves them all). The other Θ rows are restored
    after every step. The model stays in eval mode, so normalisation statistics learned on
    the large training corpus are used as they are."""
    import copy

    from segmenter.inference import resolve_device
    from segmenter.loss import segmenter_loss
    from segmenter.training.data import RandomChunks

    classes = tuple(model.classes)
    chunks = RandomChunks(
        [as_recording(r, classes) for r in recordings], config.steps * config.psi_batch,
        model.spectrogram, seed=config.seed,
    )  # fmt: skip
    device = resolve_device(config.device)
    model.to(device).eval()
    teacher = copy.deepcopy(model).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    frozen = [i for i in range(len(classes)) if i not in rows]
    weight0 = model.classifier.weight.detach().clone()
    bias0 = model.classifier.bias.detach().clone()
    keep = torch.zeros(len(classes), 1, device=device)
    keep[rows] = 1.0
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
        output = model(wave)
        loss, parts = segmenter_loss(output, labels, mask * keep, frames=frames)
        if config.distill > 0:
            with torch.no_grad():
                target = torch.sigmoid(teacher(wave).logits)
            loss = loss + config.distill * F.binary_cross_entropy_with_logits(output.logits, target)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimiser.step()
        with torch.no_grad():
            model.classifier.weight[frozen] = weight0[frozen]
            model.classifier.bias[frozen] = bias0[frozen]
        losses.append(parts["bce"])
        report(progress, (step + 1) / config.steps, f"fitting Ψ and Θ, BCE {parts['bce']:.4f}")
    model.cpu()
    return losses


def retune_thresholds(
    predictions: dict[str, Prediction],
    recordings: list[Recording],
    classes: tuple[str, ...],
    trained: list[str],
    pos: dict[str, float],
    neg: dict[str, float],
    start: dict[str, Thresholds],
    config: FinetuneConfig,
) -> tuple[dict[str, Thresholds], list[str]]:
    """New thresholds for the trained classes with enough positives (onset/offset only, near
    the starting values; everything else kept), and the changes as readable lines."""
    out, changes = dict(start), list[str]()
    if not config.tune_thresholds or not recordings:
        return out, changes
    steps = [round(0.05 * i, 2) for i in range(1, 20)]
    for c in trained:
        if min(pos[c], neg[c]) < config.tune_min_s:  # all-speech clips would pick the floor
            continue
        subset = [r for r in recordings if c in r.annotated]
        if not subset:
            continue
        base, limit = start[c], config.max_threshold_change + 1e-9
        grid = ThresholdGrid(
            onsets=[s for s in steps if abs(s - base.onset) <= limit] or [base.onset],
            offsets=[s for s in steps if abs(s - base.offset) <= limit] or [base.offset],
            min_on=(base.min_on,), min_off=(base.min_off,),
        )  # fmt: skip
        row = classes.index(c)
        tuned = tune_thresholds(
            {r.uri: predictions[r.uri].posteriors[row : row + 1] for r in subset},
            {r.uri: {c: r.spans.get(c, [])} for r in subset},
            {r.uri: r.region for r in subset}, classes=(c,), grid=grid,
        )[c]  # fmt: skip
        new = dataclasses.replace(base, onset=tuned.onset, offset=tuned.offset)
        if (new.onset, new.offset) != (base.onset, base.offset):
            changes.append(
                f"{c} onset {base.onset:g} → {new.onset:g}, offset {base.offset:g} → {new.offset:g}"
            )
        out[c] = new
    return out, changes
