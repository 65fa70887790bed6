"""Accuracy, UAR and per-class F1 of a probe's decisions, plain numpy.

UAR (unweighted average recall, the mean of the per-class recalls) is the figure the paper gives
for speaker gender; it is reported beside accuracy because probing sets are rarely balanced and a
probe that always answers the majority class has a high accuracy but a UAR of ``1 / C``.

Single-label: ``y`` and ``pred`` are class indices; classes absent from ``y`` are left out of UAR
(their recall is undefined) but keep an F1 row. Multilabel: ``y`` and ``pred`` are (N, C) 0/1; each
class is a binary problem, accuracy is the mean over classes of the binary accuracy and UAR the
mean over classes of the balanced accuracy ((TPR + TNR) / 2), so chance is 0.5 there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["single_label_metrics", "multilabel_metrics"]


def _f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 0.0


def single_label_metrics(y: np.ndarray, pred: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """``{"n", "accuracy", "uar", "chance_uar", "majority_accuracy", "classes": {c: {...}}}``."""
    y, pred = np.asarray(y, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    out: dict[str, Any] = {"n": int(y.size), "classes": {}}
    if y.size == 0:
        return {**out, "accuracy": float("nan"), "uar": float("nan")}
    recalls = []
    counts = np.bincount(y, minlength=len(classes))
    for i, name in enumerate(classes):
        tp = float(np.sum((pred == i) & (y == i)))
        fp = float(np.sum((pred == i) & (y != i)))
        fn = float(np.sum((pred != i) & (y == i)))
        recall = tp / (tp + fn) if tp + fn > 0 else float("nan")
        if counts[i] > 0:
            recalls.append(recall)
        out["classes"][name] = {"n": int(counts[i]), "recall": recall, "f1": _f1(tp, fp, fn)}
    present = int(np.count_nonzero(counts))
    out["accuracy"] = float(np.mean(pred == y))
    out["uar"] = float(np.mean(recalls))
    out["chance_uar"] = 1.0 / present
    out["majority_accuracy"] = float(counts.max() / y.size)
    return out


def multilabel_metrics(y: np.ndarray, pred: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """Per class binary figures, averaged over classes (see the module docstring)."""
    y, pred = np.asarray(y, dtype=bool), np.asarray(pred, dtype=bool)
    out: dict[str, Any] = {"n": int(y.shape[0]), "classes": {}}
    accs, uars = [], []
    for i, name in enumerate(classes):
        t, p = y[:, i], pred[:, i]
        tp, fp = float(np.sum(t & p)), float(np.sum(~t & p))
        fn, tn = float(np.sum(t & ~p)), float(np.sum(~t & ~p))
        tpr = tp / (tp + fn) if tp + fn > 0 else float("nan")
        tnr = tn / (tn + fp) if tn + fp > 0 else float("nan")
        acc = (tp + tn) / max(tp + tn + fp + fn, 1.0)
        balanced = float(np.nanmean([tpr, tnr])) if tp + fn + tn + fp > 0 else float("nan")
        accs.append(acc)
        uars.append(balanced)
        out["classes"][name] = {
            "positives": int(tp + fn),
            "accuracy": acc,
            "recall": tpr,
            "uar": balanced,
            "f1": _f1(tp, fp, fn),
        }
    out["accuracy"] = float(np.mean(accs)) if accs else float("nan")
    out["uar"] = float(np.nanmean(uars)) if uars else float("nan")
    out["chance_uar"] = 0.5
    return out
