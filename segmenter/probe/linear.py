"""A linear probe on the activations H: one more Θ, read by the same explanations.

The paper's second result is that H carries much more than the four classes; a probe is how a
user gets at it. It is deliberately the same shape as the model's own head: a weight ``(C, K)``
and a bias ``(C,)`` applied per frame (``frame`` level) or to the time-pooled H (``file`` level,
mean over frames, as the paper does). Because it is linear in H and H ≥ 0, every logit splits
exactly over components — ``logit[c, t] = b[c] + Σ_k w[c, k]·H[k, t]`` — so "why this label"
works for a probe exactly as for Θ (:func:`segmenter.explain.contributions`).

``mode`` says how the logits become posteriors: ``multilabel`` (a sigmoid per class; classes may
co-occur, as the four classes do) or ``single`` (a softmax: exactly one class per frame or file).
A probe names the base model it was trained on by :func:`activation_fingerprint`, a hash of
everything that makes H (the front end, Ψ and W; not Θ, the thresholds or the metadata), so a
probe still applies after the thresholds are tuned or a head is added, and is refused on any
model whose H differs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from segmenter.decisions import Decision, Thresholds, decide
from segmenter.errors import SegmenterError
from segmenter.explain.contributions import contributions as _contributions

__all__ = [
    "LEVELS",
    "MODES",
    "LinearProbe",
    "ProbeError",
    "activation_fingerprint",
    "pool",
]

LEVELS = ("frame", "file")
MODES = ("multilabel", "single")


class ProbeError(SegmenterError, ValueError):
    """A probe, its labels or its file cannot be used (one line naming what and why)."""


def activation_fingerprint(model: Any) -> str:
    """SHA-256 of what determines H: the model config (without its classes) and every stored
    tensor except the classifier Θ.

    Why not the file's bytes: tuning thresholds or adding a probe head rewrites the file but
    leaves H unchanged, and a probe must keep working then; a retrained or replaced model
    (another Ψ or W) changes H, and a probe trained on the old H must then be refused."""
    config = model.config.to_dict()
    config.pop("classes", None)
    params = dict(config.get("front_end_params") or {})
    params.pop("model_path", None)  # where WavLM weights lie is not what they are
    config["front_end_params"] = params
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for key, tensor in sorted(model.portable_state_dict().items()):
        if key.startswith("classifier."):
            continue
        digest.update(key.encode())
        array = tensor.detach().to("cpu").contiguous().numpy()
        digest.update(str(array.dtype).encode() + str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def pool(H: np.ndarray) -> np.ndarray:
    """Time-pooled H ``(K,)``: the mean over frames, the paper's file-level input.

    The mean (not max, not mean+std) keeps the file-level logit linear in H, so it still splits
    exactly over components: ``b + Σ_k w_k · mean_t H[k, t]``."""
    H = np.asarray(H)
    if H.ndim != 2 or H.shape[1] == 0:
        raise ProbeError(f"H must be (K, T) with T > 0, got shape {H.shape}")
    pooled: np.ndarray = H.mean(axis=1, dtype=np.float64)
    return pooled


@dataclass
class LinearProbe:
    """Weights and everything needed to use them: classes, level, mode, decision thresholds,
    and the base model they read H from.

    ``weight`` (C, K) and ``bias`` (C,) act on raw H (any input scaling used in training is
    folded into them), so explanations need nothing else. ``thresholds`` are per class, the
    same hysteresis / minimum-duration rules as the four classes (frame level only).
    """

    weight: np.ndarray
    bias: np.ndarray
    classes: tuple[str, ...]
    level: str = "frame"
    mode: str = "multilabel"
    thresholds: dict[str, Thresholds] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.weight = np.asarray(self.weight, dtype=np.float32)
        self.bias = np.asarray(self.bias, dtype=np.float32)
        self.classes = tuple(str(c) for c in self.classes)
        if self.level not in LEVELS:
            raise ProbeError(f"probe level must be one of {LEVELS}, got {self.level!r}")
        if self.mode not in MODES:
            raise ProbeError(f"probe mode must be one of {MODES}, got {self.mode!r}")
        if not self.classes or len(set(self.classes)) != len(self.classes):
            raise ProbeError(f"probe classes must be distinct and non-empty, got {self.classes}")
        if any(not c.strip() or any(ch.isspace() for ch in c) for c in self.classes):
            raise ProbeError(f"probe class names must be non-empty words, got {self.classes}")
        if self.mode == "single" and len(self.classes) < 2:
            raise ProbeError("a single-label probe needs at least two classes")
        C = len(self.classes)
        if self.weight.ndim != 2 or self.weight.shape[0] != C or self.bias.shape != (C,):
            raise ProbeError(
                f"probe weight must be ({C}, K) and bias ({C},), got {self.weight.shape} and "
                f"{self.bias.shape}"
            )
        if not (np.isfinite(self.weight).all() and np.isfinite(self.bias).all()):
            raise ProbeError("probe weights must be finite")
        self.thresholds = {
            c: t if isinstance(t, Thresholds) else Thresholds.from_dict(t)
            for c, t in self.thresholds.items()
        }
        unknown = sorted(set(self.thresholds) - set(self.classes))
        if unknown:
            raise ProbeError(f"thresholds for unknown probe class(es) {', '.join(unknown)}")
        for c in self.classes:
            self.thresholds.setdefault(c, Thresholds())

    @property
    def n_components(self) -> int:
        return int(self.weight.shape[1])

    # ------------------------------------------------------------------ computation
    def _check_H(self, H: np.ndarray) -> np.ndarray:
        H = np.asarray(H)
        if H.ndim not in (1, 2) or H.shape[0] != self.n_components:
            raise ProbeError(
                f"H has shape {H.shape}; this probe reads {self.n_components} components"
            )
        return H

    def logits(self, H: np.ndarray) -> np.ndarray:
        """Frame level: (C, T) from H (K, T). File level: (C,) from H (K, T) (pooled here) or
        from an already pooled (K,). Float64, so that they equal the contributions' sum."""
        H = self._check_H(H)
        if self.level == "file" and H.ndim == 2:
            H = pool(H)
        w, b = self.weight.astype(np.float64), self.bias.astype(np.float64)
        if H.ndim == 1:
            return w @ H.astype(np.float64) + b
        return w @ H.astype(np.float64) + b[:, None]

    def posteriors(self, H: np.ndarray) -> np.ndarray:
        """Sigmoid per class (multilabel) or softmax over classes (single), shaped as
        :meth:`logits`."""
        return self._squash(self.logits(H))

    def pooled_posteriors(self, pooled: np.ndarray) -> np.ndarray:
        """(C, N) posteriors of N already pooled inputs given as columns (K, N): a file-level
        probe scoring many files at once (a (K, N) H would otherwise be pooled over N)."""
        pooled = np.asarray(pooled, dtype=np.float64)
        if pooled.ndim != 2 or pooled.shape[0] != self.n_components:
            raise ProbeError(f"pooled inputs must be ({self.n_components}, N), got {pooled.shape}")
        w, b = self.weight.astype(np.float64), self.bias.astype(np.float64)
        return self._squash(w @ pooled + b[:, None])

    def _squash(self, z: np.ndarray) -> np.ndarray:
        squashed: np.ndarray
        if self.mode == "multilabel":
            squashed = 1.0 / (1.0 + np.exp(-z))
            return squashed
        z = z - z.max(axis=0, keepdims=True)
        e = np.exp(z)
        squashed = e / e.sum(axis=0, keepdims=True)
        return squashed

    def contributions(self, H: np.ndarray) -> np.ndarray:
        """``w[c, k] · H[k, t]`` (C, K, T) at frame level, ``w[c, k] · mean_t H[k, t]`` (C, K)
        at file level: with the bias they add up to :meth:`logits` exactly."""
        H = self._check_H(H).astype(np.float64)
        w = self.weight.astype(np.float64)
        per_component: np.ndarray
        if self.level == "file":
            pooled = pool(H) if H.ndim == 2 else H
            per_component = w * pooled[None, :]
        else:
            per_component = _contributions(H, w)
        return per_component

    def segments(
        self, H: np.ndarray, frame_duration: float, duration: float | None = None
    ) -> dict[str, list[Decision]]:
        """Frame level: segments per class, with the stored thresholds (hysteresis, minimum
        durations), as the model's own classes are decided."""
        if self.level != "frame":
            raise ProbeError("only a frame-level probe gives segments; use predict_file_label")
        return decide(self.posteriors(H), self.thresholds, self.classes, frame_duration, duration)

    def file_label(self, H: np.ndarray) -> tuple[str, float]:
        """File level, single-label: the class and its posterior; multilabel: the most
        probable class (the caller may read :meth:`posteriors` for all of them)."""
        p = self.posteriors(H if self.level == "file" else pool(self._check_H(H)))
        if p.ndim != 1:
            p = p.mean(axis=1)
        best = int(np.argmax(p))
        return self.classes[best], float(p[best])

    def describe(self) -> str:
        """One line for logs and ``info``."""
        names = ", ".join(self.classes)
        return f"{self.level}-level {self.mode} probe on K={self.n_components}: {names}"
