"""Training a linear probe: class-weighted, early-stopped on recordings it never trained on.

What is held out is a whole *group* (a recording, or a speaker when the caller says so), never
frames of a recording the probe saw: neighbouring 20 ms frames are nearly copies of each other,
so a frame-level split would report memorisation as accuracy. Groups are split per class (the
class most of a group's rows carry), so every class with two or more groups is on both sides.

The probe is fitted on standardised inputs (each component scaled to zero mean and unit
variance over the training rows: the components' scales differ by orders of magnitude, and
Adam with one step size for all would otherwise favour the loud ones), then the scaling is
folded back into the weights, so the saved probe reads raw H and its contributions stay exact.
Class weighting: single-label rows are weighted by ``N / (C · n_c)``; multilabel classes get a
positive weight ``n_neg / n_pos`` (clipped to [0.01, 100]), so a rare lane (laughter on 3 % of
the frames) is not learnt as "never".
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from segmenter.decisions import Thresholds, binarize
from segmenter.probe.linear import LinearProbe, ProbeError, pool
from segmenter.probe.metrics import multilabel_metrics, single_label_metrics
from segmenter.progress import ProgressCallback, check_cancelled, report

__all__ = ["Example", "TrainOptions", "split_groups", "train_probe", "evaluate_probe"]


@dataclass
class Example:
    """One labelled recording (or clip) for a probe.

    ``features``: H (K, T) (a file-level probe pools it; an already pooled (K,) is accepted).
    ``target``: single-label frame level (T,) class indices with -1 for unlabelled frames;
    multilabel frame level (C, T) of 0/1; file level a class index (single) or (C,) 0/1.
    ``group`` is what the split holds out together (the recording by default).
    """

    group: str
    features: np.ndarray
    target: Any
    name: str = ""


@dataclass
class TrainOptions:
    """Optimisation settings; the defaults train 10 minutes of frames in seconds on one core."""

    validation: float = 0.2
    seed: int = 0
    max_epochs: int = 200
    patience: int = 10
    learning_rate: float = 1e-2
    weight_decay: float = 1e-4
    batch_size: int = 4096
    class_weighting: bool = True
    tune_onsets: bool = True
    """Frame-level multilabel: choose each class's onset (offset 0.1 below it) for the best F1
    of the decided lane on the *training* recordings (class weighting makes a rare lane's
    posteriors run high, so 0.5 over-fires); the held-out figures stay held out."""


def _rows(
    examples: Sequence[Example], level: str, mode: str, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (N, K) float32, y, example index per row), unlabelled frames dropped."""
    xs, ys, owners = [], [], []
    for i, ex in enumerate(examples):
        H = np.asarray(ex.features, dtype=np.float32)
        if level == "file":
            x = (pool(H) if H.ndim == 2 else H).astype(np.float32)[None, :]
            y: np.ndarray  # int64 class indices (single) or float32 targets (multilabel)
            if mode == "single":
                y = np.asarray([int(ex.target)], dtype=np.int64)
            else:
                y = np.asarray(ex.target, dtype=np.float32).reshape(1, n_classes)
        else:
            if H.ndim != 2:
                raise ProbeError(f"{ex.name or ex.group}: frame-level features must be (K, T)")
            x = H.T
            if mode == "single":
                y = np.asarray(ex.target, dtype=np.int64).reshape(-1)
                if y.size != x.shape[0]:
                    raise ProbeError(
                        f"{ex.name or ex.group}: {y.size} labels for {x.shape[0]} frames"
                    )
                keep = y >= 0
                x, y = x[keep], y[keep]
            else:
                y = np.asarray(ex.target, dtype=np.float32)
                if y.shape != (n_classes, x.shape[0]):
                    raise ProbeError(
                        f"{ex.name or ex.group}: labels of shape {y.shape}, expected "
                        f"({n_classes}, {x.shape[0]})"
                    )
                y = y.T
        if mode == "single" and y.size and (y.max() >= n_classes):
            raise ProbeError(f"{ex.name or ex.group}: class index {int(y.max())} out of range")
        xs.append(x)
        ys.append(y)
        owners.append(np.full(x.shape[0], i, dtype=np.int64))
    if not xs or sum(x.shape[0] for x in xs) == 0:
        raise ProbeError("no labelled frames or files to train a probe on")
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owners)


def split_groups(
    groups: Sequence[str], strata: Sequence[int], fraction: float, seed: int
) -> set[str]:
    """The groups held out for validation: per stratum (a group's main class), about
    ``fraction`` of its groups, at least one when it has two or more, none when it has one."""
    if not 0.0 <= fraction < 1.0:
        raise ProbeError(f"validation fraction must be in [0, 1), got {fraction}")
    by_stratum: dict[int, list[str]] = {}
    for group, stratum in zip(groups, strata, strict=True):
        members = by_stratum.setdefault(int(stratum), [])
        if group not in members:
            members.append(group)
    held: set[str] = set()
    if fraction == 0.0:
        return held
    rng = np.random.default_rng(seed)
    for stratum in sorted(by_stratum):
        members = sorted(g for g in by_stratum[stratum] if g not in held)
        if len(members) < 2:
            continue
        order = [members[i] for i in rng.permutation(len(members))]
        take = min(len(members) - 1, max(1, int(round(fraction * len(members)))))
        held.update(order[:take])
    return held


def _strata(examples: Sequence[Example], level: str, mode: str) -> list[int]:
    """Each example's main class (the most frequent among its labelled rows)."""
    out = []
    for ex in examples:
        t = np.asarray(ex.target)
        if mode == "single":
            t = t.reshape(-1)
            t = t[t >= 0]
            out.append(int(np.bincount(t).argmax()) if t.size else -1)
        elif level == "file" or t.ndim == 1:
            out.append(int(np.argmax(t)) if t.any() else -1)
        else:
            sums = t.sum(axis=1)
            out.append(int(np.argmax(sums)) if sums.any() else -1)
    return out


def _loss(mode: str, y_train: np.ndarray, n_classes: int, weighting: bool) -> nn.Module:
    if mode == "single":
        counts = np.bincount(y_train, minlength=n_classes).astype(np.float64)
        weight = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 0.0)
        if not weighting:
            weight = (counts > 0).astype(np.float64)
        return nn.CrossEntropyLoss(weight=torch.tensor(weight, dtype=torch.float32))
    pos = y_train.sum(axis=0).astype(np.float64)
    neg = y_train.shape[0] - pos
    pos_weight = (
        np.clip(neg / np.maximum(pos, 1.0), 0.01, 100.0) if weighting else np.ones_like(pos)
    )
    return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight, dtype=torch.float32))


def train_probe(
    examples: Sequence[Example],
    classes: Sequence[str],
    *,
    level: str = "frame",
    mode: str = "multilabel",
    options: TrainOptions | None = None,
    thresholds: Mapping[str, Thresholds] | None = None,
    base: Mapping[str, Any] | None = None,
    frame_duration: float = 0.02,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> tuple[LinearProbe, dict[str, Any]]:
    """Fit a probe on ``examples``; returns it and a report (split, epochs, seconds, and the
    validation figures of :func:`evaluate_probe` when anything was held out).

    The probe kept is the one of the epoch with the lowest validation loss (the training loss
    when nothing could be held out, e.g. one recording per class)."""
    opts = options or TrainOptions()
    classes = tuple(classes)
    started = time.perf_counter()
    probe_check = LinearProbe(np.zeros((len(classes), 1)), np.zeros(len(classes)), classes,
                              level=level, mode=mode)  # fmt: skip
    del probe_check  # validates classes, level and mode before any work
    groups = [ex.group for ex in examples]
    held = split_groups(groups, _strata(examples, level, mode), opts.validation, opts.seed)
    train_ex = [ex for ex in examples if ex.group not in held]
    val_ex = [ex for ex in examples if ex.group in held]
    X, y, _ = _rows(train_ex, level, mode, len(classes))
    Xv: np.ndarray | None = None
    yv: np.ndarray | None = None
    if val_ex:
        Xv, yv, _ = _rows(val_ex, level, mode, len(classes))
    counts = np.bincount(y, minlength=len(classes)) if mode == "single" else y.sum(axis=0)
    if yv is not None:  # val_ex
        counts = counts + (np.bincount(yv, minlength=len(classes)) if mode == "single"
                           else yv.sum(axis=0))  # fmt: skip
    unlabelled = [c for c, n in zip(classes, counts, strict=True) if n == 0]
    if unlabelled:
        what = "file" if level == "file" else "frame"
        raise ProbeError(
            f"no {what} is labelled {', '.join(map(repr, unlabelled))}; a probe cannot learn a "
            "class it is never shown (check the label names)"
        )
    if mode == "single" and np.unique(y).size < 2:
        raise ProbeError(
            f"the training side holds only class {classes[int(y[0])]!r}; label at least two "
            "classes (a single-label probe chooses between them)"
        )

    mean = X.mean(axis=0, dtype=np.float64)
    std = X.std(axis=0, dtype=np.float64)
    std = np.where(std > 1e-6 * max(float(std.max(initial=0.0)), 1e-12), std, 1.0)

    def standard(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((a - mean) / std).astype(np.float32))

    Xt, Xvt = standard(X), (standard(Xv) if Xv is not None else None)
    target = torch.from_numpy(y)
    target_v = torch.from_numpy(yv) if yv is not None else None
    loss_fn = _loss(mode, y, len(classes), opts.class_weighting)
    generator = torch.Generator().manual_seed(opts.seed)
    torch.manual_seed(opts.seed)
    layer = nn.Linear(X.shape[1], len(classes))
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    optimiser = torch.optim.Adam(
        layer.parameters(), lr=opts.learning_rate, weight_decay=opts.weight_decay
    )
    best = (math.inf, layer.weight.detach().clone(), layer.bias.detach().clone(), 0)
    stale = 0
    epochs = 0
    for epoch in range(opts.max_epochs):
        check_cancelled(cancel, "probe training")
        order = torch.randperm(Xt.shape[0], generator=generator)
        for start in range(0, Xt.shape[0], opts.batch_size):
            idx = order[start : start + opts.batch_size]
            optimiser.zero_grad()
            loss_fn(layer(Xt[idx]), target[idx]).backward()
            optimiser.step()
        epochs = epoch + 1
        with torch.no_grad():
            watched = (
                loss_fn(layer(Xvt), target_v) if Xvt is not None else loss_fn(layer(Xt), target)
            )
        value = float(watched)
        if value < best[0] - 1e-5:
            best = (value, layer.weight.detach().clone(), layer.bias.detach().clone(), epochs)
            stale = 0
        else:
            stale += 1
        report(progress, epochs / opts.max_epochs, f"probe epoch {epochs}: loss {value:.4f}")
        if stale >= opts.patience:
            break

    w = best[1].double().numpy() / std[None, :]
    b = best[2].double().numpy() - w @ mean
    probe = LinearProbe(
        w, b, classes, level=level, mode=mode, thresholds=dict(thresholds or {}),
        base=dict(base or {}),
    )  # fmt: skip
    if opts.tune_onsets and level == "frame" and mode == "multilabel":
        probe.thresholds = tune_onsets(probe, train_ex, frame_duration)
    result: dict[str, Any] = {
        "train_groups": sorted({ex.group for ex in train_ex}),
        "validation_groups": sorted(held),
        "train_rows": int(X.shape[0]),
        "validation_rows": int(Xv.shape[0]) if Xv is not None else 0,
        "epochs": epochs,
        "best_epoch": best[3],
        "seconds": round(time.perf_counter() - started, 3),
    }
    if val_ex:
        result["validation"] = evaluate_probe(probe, val_ex, frame_duration=frame_duration)
    result["train"] = evaluate_probe(probe, train_ex, frame_duration=frame_duration)
    probe.training = {
        k: v for k, v in result.items() if k not in ("validation", "train", "train_groups")
    }
    probe.training["train_groups"] = len(result["train_groups"])
    probe.training["options"] = {k: getattr(opts, k) for k in opts.__dataclass_fields__}
    if val_ex:
        probe.metrics = _summary(result["validation"])
    return probe, result


ONSETS = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))  # 0.3 … 0.9


def tune_onsets(
    probe: LinearProbe, examples: Sequence[Example], frame_duration: float = 0.02
) -> dict[str, Thresholds]:
    """Per class, the onset in :data:`ONSETS` (offset 0.1 below it, the minimum durations kept)
    whose decided lane has the best F1 over ``examples``; ties go to the higher onset (fewer
    false alarms to delete)."""
    posteriors = [(probe.posteriors(np.asarray(ex.features)), np.asarray(ex.target) > 0.5)
                  for ex in examples]  # fmt: skip
    tuned = dict(probe.thresholds)
    for i, name in enumerate(probe.classes):
        base = probe.thresholds[name]
        best = (-1.0, base)
        for onset in ONSETS:
            candidate = Thresholds(
                onset=onset, offset=max(onset - 0.1, 0.0), min_on=base.min_on,
                min_off=base.min_off, pad_onset=base.pad_onset, pad_offset=base.pad_offset,
                min_confidence=base.min_confidence,
            )  # fmt: skip
            tp = fp = fn = 0
            for p, truth in posteriors:
                decided = _mask(binarize(p[i], candidate, frame_duration), p.shape[1],
                                frame_duration)  # fmt: skip
                tp += int(np.sum(decided & truth[i]))
                fp += int(np.sum(decided & ~truth[i]))
                fn += int(np.sum(~decided & truth[i]))
            f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
            if f1 >= best[0]:
                best = (f1, candidate)
        tuned[name] = best[1]
    return tuned


def _mask(segments: Sequence[Any], n_frames: int, frame_duration: float) -> np.ndarray:
    out = np.zeros(n_frames, dtype=bool)
    for seg in segments:
        a, b = int(round(seg.start / frame_duration)), int(round(seg.end / frame_duration))
        out[max(a, 0) : min(b, n_frames)] = True
    return out


def _summary(metrics: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "accuracy": metrics["accuracy"],
        "uar": metrics["uar"],
        "f1": {c: row["f1"] for c, row in metrics["classes"].items()},
        "n": metrics["n"],
    }


def _decided_frames(probe: LinearProbe, H: np.ndarray, frame_duration: float) -> np.ndarray:
    """(T, C) 0/1: the frames each class's decided segments cover (hysteresis, minimum
    durations), i.e. what the lane would show, not the raw posterior above 0.5."""
    T = H.shape[1]
    decided = probe.segments(H, frame_duration)
    return np.stack([_mask(decided[c], T, frame_duration) for c in probe.classes], axis=1)


def evaluate_probe(
    probe: LinearProbe, examples: Sequence[Example], frame_duration: float = 0.02
) -> dict[str, Any]:
    """Accuracy, UAR and per-class F1 of ``probe`` on ``examples`` (see
    :mod:`segmenter.probe.metrics`). Frame-level multilabel probes are scored on their decided
    lanes; single-label frame probes on the most probable class of each labelled frame."""
    C = len(probe.classes)
    if probe.level == "file":
        X, y, _ = _rows(examples, "file", probe.mode, C)
        p = probe.pooled_posteriors(X.T)  # (C, N)
        if probe.mode == "single":
            return single_label_metrics(y, p.argmax(axis=0), probe.classes)
        return multilabel_metrics(y, (p >= 0.5).T, probe.classes)
    ys, preds = [], []
    for ex in examples:
        H = np.asarray(ex.features)
        if probe.mode == "single":
            t = np.asarray(ex.target, dtype=np.int64).reshape(-1)
            keep = t >= 0
            ys.append(t[keep])
            preds.append(probe.posteriors(H).argmax(axis=0)[keep])
        else:
            ys.append(np.asarray(ex.target).T > 0.5)
            preds.append(_decided_frames(probe, H, frame_duration))
    y, pred = np.concatenate(ys), np.concatenate(preds)
    if probe.mode == "single":
        return single_label_metrics(y, pred, probe.classes)
    return multilabel_metrics(y, pred, probe.classes)
