"""Why a label: the exact additive decomposition of each class logit over NMF components.

Because Θ is one linear layer, ``logit[c, t] = b[c] + Σ_k Θ[c, k] · H[k, t]`` holds exactly; the
term ``Θ[c, k] · H[k, t]`` is component ``k``'s *contribution* to class ``c`` at frame ``t``.
H is non-negative, so the sign of a contribution is the sign of Θ[c, k]: positive terms push the
label up, negative ones push it down.

Shapes: H ``(K, T)``, Θ ``(C, K)``, b ``(C,)``, contributions ``(C, K, T)``. :func:`contributions`
and :func:`logits_from_contributions` accept numpy arrays or torch tensors and answer in kind; the
ranking helpers answer in numpy (they feed tables and plots). Regions are half-open frame ranges
``[t0, t1)``; :func:`frame_range` turns a selection in seconds into one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import numpy as np

from segmenter.errors import SegmenterError

if TYPE_CHECKING:
    import torch

__all__ = [
    "ExplainError",
    "ComponentContribution",
    "LogitBreakdown",
    "contributions",
    "logits_from_contributions",
    "frame_range",
    "component_relevance",
    "relevant_components",
    "logit_breakdown",
    "top_components",
]


class ExplainError(SegmenterError, ValueError):
    """Arrays that do not fit together (shapes, empty region, bad component index)."""


def _numpy(array: Any) -> np.ndarray:
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.asarray(array, dtype=np.float64)


def _check(H: Any, theta: Any) -> None:
    if len(H.shape) != 2 or len(theta.shape) != 2 or theta.shape[1] != H.shape[0]:
        raise ExplainError(
            f"H must be (K, T) and theta (C, K) with the same K; got {tuple(H.shape)} and "
            f"{tuple(theta.shape)}"
        )


@overload
def contributions(H: np.ndarray, theta: np.ndarray) -> np.ndarray: ...
@overload
def contributions(H: torch.Tensor, theta: torch.Tensor) -> torch.Tensor: ...
def contributions(H: Any, theta: Any) -> Any:
    """``out[c, k, t] = Θ[c, k] · H[k, t]`` (numpy or torch, following the inputs)."""
    _check(H, theta)
    return theta[:, :, None] * H[None, :, :]


@overload
def logits_from_contributions(contrib: np.ndarray, bias: np.ndarray) -> np.ndarray: ...
@overload
def logits_from_contributions(contrib: torch.Tensor, bias: torch.Tensor) -> torch.Tensor: ...
def logits_from_contributions(contrib: Any, bias: Any) -> Any:
    """``logit[c, t] = b[c] + Σ_k contrib[c, k, t]``: the model's logits, rebuilt exactly."""
    if len(contrib.shape) != 3 or tuple(bias.shape) != (contrib.shape[0],):
        raise ExplainError(
            f"contributions must be (C, K, T) and bias (C,); got {tuple(contrib.shape)} and "
            f"{tuple(bias.shape)}"
        )
    return contrib.sum(axis=1) + bias[:, None]


def frame_range(
    start: float, end: float, n_frames: int, frame_duration: float = 0.02
) -> tuple[int, int]:
    """Frames ``[t0, t1)`` that a selection ``[start, end)`` in seconds touches (frame ``t``
    covers ``[t·d, (t+1)·d)``), clipped to the file."""
    t0 = min(max(math.floor(start / frame_duration + 1e-9), 0), n_frames)
    t1 = min(max(math.ceil(end / frame_duration - 1e-9), t0), n_frames)
    return t0, t1


def _region(n_frames: int, region: tuple[int, int] | None) -> tuple[int, int]:
    t0, t1 = (0, n_frames) if region is None else (int(region[0]), int(region[1]))
    if not 0 <= t0 < t1 <= n_frames:
        raise ExplainError(f"region [{t0}, {t1}) is empty or outside the {n_frames} frames")
    return t0, t1


def _class(theta: np.ndarray, class_index: int) -> int:
    if not -theta.shape[0] <= class_index < theta.shape[0]:
        raise ExplainError(f"class index {class_index} outside the {theta.shape[0]} classes")
    return class_index


def component_relevance(
    H: Any, theta: Any, class_index: int, region: tuple[int, int] | None = None
) -> np.ndarray:
    """``r[k] = mean_{t in region} H[k, t] · Θ[c, k]``, divided by ``max_k r`` (SPEC).

    Sign handling: the paper ranks the components that push the class up, so ``r`` is scaled by
    its largest *positive* value and the most relevant component scores 1; components that push
    the class down keep a negative score. If no component pushes up, ``r`` is scaled by its
    largest magnitude instead, so every score is ≤ 0 and none is relevant. All-zero gives zeros.
    """
    H, theta = _numpy(H), _numpy(theta)
    _check(H, theta)
    c = _class(theta, class_index)
    t0, t1 = _region(H.shape[1], region)
    r = H[:, t0:t1].mean(axis=1) * theta[c]
    top = r.max(initial=0.0)
    scale = top if top > 0 else np.abs(r).max(initial=0.0)
    return r / scale if scale > 0 else np.zeros_like(r)


def relevant_components(relevance: Any, threshold: float = 0.5) -> np.ndarray:
    """Indices with ``relevance >= threshold``, most relevant first (ties by index)."""
    r = _numpy(relevance)
    chosen = np.flatnonzero(r >= threshold)
    return chosen[np.argsort(-r[chosen], kind="stable")]


class LogitBreakdown(NamedTuple):
    """A class logit summed over a region, split into components and bias.

    ``contributions.sum() + bias == logit`` and ``shares.sum() + bias_share == 1`` (up to
    rounding). Shares are signed and relative to the summed logit, so they are NaN when the
    logit sums to zero and large when it is near zero (posteriors near 0.5).
    """

    contributions: np.ndarray  # (K,), Σ_t Θ[c,k]·H[k,t] over the region
    bias: float  # b[c] · number of frames
    logit: float  # Σ_t logit[c, t]
    shares: np.ndarray  # (K,), contributions / logit
    bias_share: float  # bias / logit


class ComponentContribution(NamedTuple):
    k: int
    contribution: float  # summed over the region; > 0 pushes the class up
    share: float  # of the summed logit


def logit_breakdown(
    H: Any, theta: Any, bias: Any, class_index: int, t0: int, t1: int
) -> LogitBreakdown:
    """Exact decomposition of ``Σ_{t0 <= t < t1} logit[c, t]`` (see :class:`LogitBreakdown`)."""
    H, theta, b = _numpy(H), _numpy(theta), _numpy(bias)
    _check(H, theta)
    c = _class(theta, class_index)
    t0, t1 = _region(H.shape[1], (t0, t1))
    contrib = theta[c] * H[:, t0:t1].sum(axis=1)
    bias_total = float(b[c]) * (t1 - t0)
    logit = float(contrib.sum()) + bias_total
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = contrib / logit if logit != 0 else np.full_like(contrib, np.nan)
    bias_share = bias_total / logit if logit != 0 else float("nan")
    return LogitBreakdown(contrib, bias_total, logit, shares, bias_share)


def top_components(
    H: Any,
    theta: Any,
    bias: Any,
    class_index: int,
    t0: int,
    t1: int,
    n: int = 10,
    order: Literal["magnitude", "up", "down"] = "magnitude",
) -> list[ComponentContribution]:
    """The ``n`` components that weigh most on class ``c`` over frames ``[t0, t1)``.

    ``order``: ``"magnitude"`` ranks by |contribution| (what mattered, either way), ``"up"`` by
    the most positive, ``"down"`` by the most negative.
    """
    bd = logit_breakdown(H, theta, bias, class_index, t0, t1)
    key = {
        "magnitude": -np.abs(bd.contributions),
        "up": -bd.contributions,
        "down": bd.contributions,
    }.get(order)
    if key is None:
        raise ExplainError(f"order must be 'magnitude', 'up' or 'down', got {order!r}")
    ranked = np.argsort(key, kind="stable")[: max(int(n), 0)]
    return [
        ComponentContribution(int(k), float(bd.contributions[k]), float(bd.shares[k]))
        for k in ranked
    ]
