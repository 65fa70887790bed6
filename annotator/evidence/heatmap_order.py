"""The order of the heatmap's rows: components grouped by the class they push most, most relevant
first, so a glance at the heatmap reads as "speech atoms are active here" rather than as 256
anonymous rows.

A component's push towards class c is mean_t H[k, t] · Θ[c, k] (the paper's relevance without
the label mask: the order must exist before anything is labelled, and must not change when a
threshold moves). Each component joins the class with the largest push; one that pushes no
class up (every product <= 0) goes to a final "other" group. numpy only; no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.evidence.mapped_arrays import sample_columns

OTHER = "other"
#: columns of the drawn image sampled to estimate each row's mean activation
SAMPLE_COLUMNS = 8192
#: the log compression of `evidence.display_activations` (undone to estimate mean H)
_TOP = float(np.log1p(10.0))


@dataclass(frozen=True)
class RowGroup:
    """Rows [start, stop) of the order (top to bottom) are the components pushing ``name``."""

    name: str
    index: int  # the class row of Θ, or -1 for "other"
    start: int
    stop: int


@dataclass(frozen=True)
class RowOrder:
    """Components top to bottom (``order[0]`` is the top row), and the groups they form."""

    order: np.ndarray  # (K,) int64, a permutation of range(K)
    groups: tuple[RowGroup, ...]

    @property
    def bottom_up(self) -> np.ndarray:
        """Components by image row (row 0 is drawn at the bottom of the heatmap)."""
        return self.order[::-1]


def row_order(
    mean_activation: np.ndarray, theta: np.ndarray, class_names: Sequence[str]
) -> RowOrder:
    """Group components by their strongest positive push, in class order, then "other".

    ``mean_activation`` is mean_t H (K,) or H (K, T) itself; ``theta`` is Θ (C, K). Within a
    group rows go by descending push (the "other" group by descending mean activation); ties
    keep index order, so the order is deterministic.
    """
    h = np.asarray(mean_activation, dtype=np.float64)
    if h.ndim == 2:
        h = h.mean(axis=1)
    theta = np.asarray(theta, dtype=np.float64)
    if h.ndim != 1 or theta.ndim != 2 or theta.shape[1] != h.shape[0]:
        raise ValueError(f"need H (K,) or (K, T) and Θ (C, K); got {h.shape} and {theta.shape}")
    if len(class_names) != theta.shape[0]:
        raise ValueError(f"{len(class_names)} class names for {theta.shape[0]} rows of Θ")
    push = theta * h[None, :]  # (C, K)
    best = np.argmax(push, axis=0) if push.size else np.zeros(h.shape[0], dtype=np.int64)
    strength = push[best, np.arange(h.shape[0])] if push.size else np.zeros(h.shape[0])
    cls = np.where(strength > 0, best, -1)
    order: list[np.ndarray] = []
    groups: list[RowGroup] = []
    start = 0
    for index, name in [*enumerate(class_names), (-1, OTHER)]:
        members = np.flatnonzero(cls == index)
        if members.size == 0:
            continue
        key = strength[members] if index >= 0 else h[members]
        members = members[np.argsort(-key, kind="stable")]
        order.append(members)
        groups.append(RowGroup(str(name), index, start, start + members.size))
        start += members.size
    flat = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)
    return RowOrder(flat.astype(np.int64), tuple(groups))


def compact(order: RowOrder, per_class: int) -> RowOrder:
    """The ``per_class`` most relevant components of each class group, "other" left out: what
    tells at a glance which class's atoms are active (256 rows in a hundred pixels do not)."""
    kept: list[np.ndarray] = []
    groups: list[RowGroup] = []
    start = 0
    for group in order.groups:
        if group.index < 0:
            continue
        members = order.order[group.start : min(group.stop, group.start + per_class)]
        kept.append(members)
        groups.append(RowGroup(group.name, group.index, start, start + members.size))
        start += members.size
    flat = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
    return RowOrder(flat.astype(np.int64), tuple(groups))


def mean_from_heat(heat: np.ndarray) -> np.ndarray:
    """mean_t H (K,), up to a common scale, from the drawn uint8 image: the log compression is
    undone on about `SAMPLE_COLUMNS` columns in evenly spread runs, so an hour costs milliseconds
    and H itself (perhaps still on disk) is not needed. A common scale changes no order."""
    heat = np.asarray(heat)
    if heat.ndim != 2 or heat.shape[1] == 0:
        raise ValueError(f"need a (K, T) image, got shape {heat.shape}")
    # float32 and in place: the sample is K × 8192 values (2 M for K = 256), and a float64
    # chain of copies of it was a 50 MB moment on every open
    sample = sample_columns(heat, SAMPLE_COLUMNS).astype(np.float32)
    sample *= np.float32(_TOP / 255.0)
    np.expm1(sample, out=sample)
    return sample.mean(axis=1, dtype=np.float64)
