"""Learning the NMF dictionary W (F × K): sparse NMF with unit-norm atoms.

Le Roux, Weninger & Hershey (2015), "Sparse NMF – half-baked or well done?": minimise

    C(W, H) = ½ ‖X − W̃H‖²_F + μ ‖H‖₁,    W̃ = W with every column scaled to unit L2 norm,

by multiplicative updates for β = 2. Normalising W inside the cost (rather than rescaling after
each step, the "half-baked" way) keeps the L1 penalty meaningful: H cannot shrink by inflating W.
The W update is the normalisation-aware one of the paper (eq. 21–22 specialised to β = 2):

    H ← H ⊙ W̃ᵀX / (W̃ᵀW̃H + μ)
    W ← W̃ ⊙ (XHᵀ + W̃ ⊙ 1(W̃ ⊙ ΛHᵀ)) / (ΛHᵀ + W̃ ⊙ 1(W̃ ⊙ XHᵀ)),   Λ = W̃H,
    W̃ ← W / ‖W‖ (column-wise)

where 1(·) sums each column and broadcasts it over rows. Everything is full-batch and vectorised
in torch, so it runs on a GPU when X is on one. The reported cost is C above (not averaged).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import torch

from segmenter.audio import load_audio
from segmenter.features.spectrogram import SpectrogramConfig, log_power_spectrogram
from segmenter.progress import ProgressCallback, check_cancelled, report

__all__ = ["NMFResult", "learn_dictionary", "activations_for", "nmf_cost", "collect_frames"]

_EPS = 1e-12


class NMFResult(NamedTuple):
    """W (F, K) with unit-norm columns, H (K, N), and the cost after init and each iteration."""

    W: torch.Tensor
    H: torch.Tensor
    cost_history: list[float]


def _normalise_columns(W: torch.Tensor) -> torch.Tensor:
    normalised: torch.Tensor = W / W.norm(dim=0, keepdim=True).clamp_min(_EPS)
    return normalised


def nmf_cost(X: torch.Tensor, W: torch.Tensor, H: torch.Tensor, mu: float) -> float:
    """½‖X − WH‖²_F + μ‖H‖₁ (W taken as given; pass the normalised W̃)."""
    residual = X - W @ H
    return float(0.5 * residual.square().sum() + mu * H.abs().sum())


def _check_input(X: torch.Tensor) -> torch.Tensor:
    if X.dim() != 2:
        raise ValueError(f"X must be (F, N), got shape {tuple(X.shape)}")
    if not X.is_floating_point():
        X = X.float()
    if X.numel() == 0:
        raise ValueError("X is empty: no frames to factorise")
    if not torch.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    if (X < 0).any():
        raise ValueError("X must be non-negative")
    return X


def _update_h(X: torch.Tensor, W: torch.Tensor, H: torch.Tensor, mu: float) -> torch.Tensor:
    numerator = W.T @ X
    denominator = (W.T @ W) @ H + mu
    return H * numerator / denominator.clamp_min(_EPS)


def learn_dictionary(
    X: torch.Tensor,
    n_components: int,
    mu: float = 1.0,
    iterations: int = 200,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> NMFResult:
    """Factorise non-negative X (F, N) ≈ W̃H with sparse H and unit-norm atoms.

    Random uniform init from ``seed`` (drawn on the CPU, so results do not depend on the device),
    then ``iterations`` full-batch updates of H then W. Runs on X's device and dtype.
    """
    X = _check_input(X)
    if n_components < 1:
        raise ValueError("n_components must be at least 1")
    if mu < 0:
        raise ValueError("mu must be non-negative")
    F_, N = X.shape
    generator = torch.Generator().manual_seed(seed)
    W = torch.rand(F_, n_components, generator=generator, dtype=torch.float64)
    H = torch.rand(n_components, N, generator=generator, dtype=torch.float64)
    W = _normalise_columns(W.to(X)) + 0.0
    H = H.to(X) + 0.0
    costs = [nmf_cost(X, W, H, mu)]
    report(progress, 0.0, "learning NMF dictionary")
    for it in range(iterations):
        check_cancelled(cancel, "dictionary learning")
        H = _update_h(X, W, H, mu)
        XHt = X @ H.T
        LHt = W @ (H @ H.T)
        numerator = XHt + W * (W * LHt).sum(dim=0, keepdim=True)
        denominator = LHt + W * (W * XHt).sum(dim=0, keepdim=True)
        W = _normalise_columns(W * numerator / denominator.clamp_min(_EPS))
        costs.append(nmf_cost(X, W, H, mu))
        report(progress, (it + 1) / iterations, f"NMF iteration {it + 1}/{iterations}")
    return NMFResult(W, H, costs)


def activations_for(
    X: torch.Tensor,
    W: torch.Tensor,
    mu: float = 1.0,
    iterations: int = 100,
    seed: int = 0,
    H: torch.Tensor | None = None,
) -> torch.Tensor:
    """Sparse activations H (K, N) of X (F, N) for a fixed dictionary W (F, K).

    Used to inspect a learned dictionary and as an NMF-only baseline; these updates decrease the
    cost monotonically (the H step is a plain majorisation-minimisation step).
    """
    X = _check_input(X)
    W = W.to(X)
    if W.dim() != 2 or W.shape[0] != X.shape[0]:
        raise ValueError(f"W must be (F={X.shape[0]}, K), got shape {tuple(W.shape)}")
    if H is None:
        generator = torch.Generator().manual_seed(seed)
        H = torch.rand(W.shape[1], X.shape[1], generator=generator, dtype=torch.float64).to(X)
    else:
        H = H.to(X).clone()
    for _ in range(iterations):
        H = _update_h(X, W, H, mu)
    return H


def collect_frames(
    segments: Iterable[tuple[str | Path, float, float]],
    config: SpectrogramConfig | None = None,
    min_seconds: float = 1.0,
    max_seconds: float = 4.0,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> torch.Tensor:
    """Spectrogram frames (F, N) of labelled segments ``(path, start_s, end_s)``, for NMF.

    As in the paper, segments shorter than ``min_seconds`` are skipped and longer ones keep
    their first ``max_seconds``. Only the needed region of each file is decoded.
    """
    cfg = config or SpectrogramConfig()
    items = list(segments)
    blocks: list[torch.Tensor] = []
    for i, (path, start, end) in enumerate(items):
        check_cancelled(cancel, "collecting frames")
        if end - start < min_seconds:
            continue
        samples = load_audio(
            path, cfg.sample_rate, offset=start, duration=min(end - start, max_seconds)
        )
        blocks.append(log_power_spectrogram(torch.from_numpy(samples), cfg))
        report(progress, (i + 1) / max(1, len(items)), f"segment {i + 1}/{len(items)}")
    if not blocks:
        return torch.zeros(cfg.n_bins, 0)
    return torch.cat(blocks, dim=1)
