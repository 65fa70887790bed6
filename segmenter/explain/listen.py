"""Listening to components: a soft mask from their share of the reconstruction.

The model reconstructs X = log(1 + |STFT|²) as W·H, which is additive over components *in that
domain* only. So the mask is the chosen components' share of the reconstruction itself,

    m[f, t] = (W[:, S] · H[S, :])[f, t] / ((W · H)[f, t] + eps)   ∈ [0, 1],

not a share of a power estimate exp(W·H) − 1 (the exponential does not split over components).
The selection gets ``m · STFT`` and the rest ``(1 − m) · STFT``, both with the mixture's phase,
each inverted by the caller's ``istft`` (the same STFT parameters as the analysis). Because the
two masks sum to one and the inverse STFT is linear, selection + rest = istft(STFT), the mixture
up to the STFT round trip, for any mask. Bins the model does not explain (W·H = 0) go to the rest.

Shapes: mixture STFT ``(F, T)`` complex, W ``(F, K)``, H ``(K, T)``. numpy or torch: the mask
follows the mixture's kind, so a torch ``istft`` receives tensors and a numpy one arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from segmenter.explain.contributions import ExplainError, _numpy

__all__ = ["soft_mask", "sonify"]


def _indices(components: Iterable[int], n_components: int) -> np.ndarray:
    chosen = np.array(sorted({int(k) for k in components}), dtype=np.int64)
    bad = chosen[(chosen < 0) | (chosen >= n_components)]
    if bad.size:
        raise ExplainError(f"component(s) {bad.tolist()} outside the {n_components} components")
    return chosen


def soft_mask(W: Any, H: Any, components: Iterable[int], eps: float = 1e-8) -> np.ndarray:
    """``(F, T)`` mask in [0, 1]: the share of W·H that components ``S`` reconstruct."""
    W, H = np.clip(_numpy(W), 0.0, None), np.clip(_numpy(H), 0.0, None)
    if W.ndim != 2 or H.ndim != 2 or W.shape[1] != H.shape[0]:
        raise ExplainError(
            f"W must be (F, K) and H (K, T) with the same K; got {W.shape} and {H.shape}"
        )
    chosen = _indices(components, W.shape[1])
    selected = W[:, chosen] @ H[chosen, :]
    denominator = W @ H + eps
    mask: np.ndarray = np.divide(
        selected, denominator, out=np.zeros_like(selected), where=denominator > 0
    )
    return mask


def sonify(
    mixture_stft: Any,
    W: Any,
    H: Any,
    components: Iterable[int],
    istft: Callable[[Any], Any],
    eps: float = 1e-8,
) -> tuple[Any, Any]:
    """``(selected_waveform, rest_waveform)`` for components ``S`` (see the module docstring).

    ``istft`` maps a complex ``(F, T)`` STFT to a waveform of the original length (bind
    ``length=`` in it); whatever it returns is returned.
    """
    shape = tuple(mixture_stft.shape)
    mask = soft_mask(W, H, components, eps)
    if shape != mask.shape:
        raise ExplainError(
            f"mixture STFT is {shape} but W·H is {mask.shape}: the STFT must use "
            f"the model's n_fft and hop"
        )
    m: Any  # a tensor like mixture_stft, or the numpy mask
    if hasattr(mixture_stft, "detach"):  # torch tensor: keep its device and precision
        import torch

        m = torch.as_tensor(mask, dtype=mixture_stft.real.dtype, device=mixture_stft.device)
    else:
        mixture_stft = np.asarray(mixture_stft)
        m = mask
    return istft(mixture_stft * m), istft(mixture_stft * (1 - m))
