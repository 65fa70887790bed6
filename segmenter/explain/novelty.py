"""What the model cannot see: sounds its dictionary does not rebuild, and components it rarely used.

The NMF model explains X (F, T) as W·H. Where ``‖X_t − (W·H)_t‖ / ‖X_t‖`` is large the sound lies
outside the dictionary, so the class read from H is a guess, however confident the posterior.
That ratio is not comparable across levels: the shipped model rebuilds loud frames to a relative
error of 0.5–0.7 and overshoots near-silent ones by a factor of 10–1000 (W·H has a floor that a
quiet X lacks). So "large" is judged against the model's own distribution *at the same level*:
a :class:`ReferenceProfile` holds, per band of ``log10 ‖X_t‖``, quantiles of ``log10`` relative
error measured on the recipe's validation data, and :meth:`ReferenceProfile.percentile` places a
new frame in it. Frames quieter than the lowest band are silence and never unfamiliar.

The same profile holds, per class, what the model's evidence for that class usually rests on:
``class_support[c][k]``, component k's share of the positive support Σ Θ⁺_ck·H_kt over the frames
the model labelled c, and quantiles of how far a labelled segment's own support mix strays from
it (:func:`support_divergence`, Kullback–Leibler, nats). A segment whose support comes from
components seldom behind its label is flagged even when its posterior is confident. (Measured on
the shipped model, frame by frame: this divergence ranks the model's false-alarm frames above its
correct ones with an AUC of 0.72–0.90 per class on validation mixtures other than those the
typical mixes came from; a component's global activation share does not, 0.47–0.64, nor does the
level-matched reconstruction error, 0.45.)

Everything is streaming-friendly: inference hands over two numbers per frame (residual and X
norm, :func:`reconstruction_norms`), and :class:`ProfileBuilder` keeps fixed histograms and one
(K,) vector per labelled segment, so neither needs a whole recording's (F, T) array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ERROR_EDGES",
    "LEVEL_EDGES",
    "ProfileBuilder",
    "QUANTILE_LEVELS",
    "ReferenceProfile",
    "reconstruction_norms",
    "rebuilt_share",
    "segment_support",
    "support_divergence",
]

#: log10 ‖X_t‖ band edges; frames under the first edge are silence (X = log(1 + |S|²), so 1e-3
#: is a noise floor around −75 dBFS), frames above the last go to the last band.
LEVEL_EDGES: tuple[float, ...] = tuple(np.round(np.arange(-3.0, 2.01, 0.5), 2).tolist())
#: log10 relative-error histogram edges of :class:`ProfileBuilder` (0.01 … 10⁶, 0.02 decades)
ERROR_EDGES: np.ndarray = np.round(np.arange(-2.0, 6.0001, 0.02), 2)
#: quantile levels a profile stores per band
QUANTILE_LEVELS: tuple[float, ...] = tuple(
    [round(q, 3) for q in np.arange(0.0, 0.99, 0.01)] + [0.99, 0.995, 0.999, 1.0]
)
#: a band with fewer reference frames borrows the nearest band that has enough
MIN_BAND_FRAMES = 200
#: floor of a typical support share (a component never behind a class is "very rare", not ∞)
SUPPORT_FLOOR = 1e-6
_TINY = 1e-12


def reconstruction_norms(X: Any, WH: Any) -> np.ndarray:
    """(2, T) float32: row 0 ``‖X_t − (W·H)_t‖``, row 1 ``‖X_t‖`` (Euclidean over frequency).

    Takes numpy arrays or torch tensors (F, T) of the same shape; only the two rows leave, so a
    chunked caller keeps two floats per frame instead of the spectrogram.
    """
    try:
        import torch

        if isinstance(X, torch.Tensor):
            residual = torch.linalg.vector_norm((X - WH).float(), dim=-2)
            norm = torch.linalg.vector_norm(X.float(), dim=-2)
            return torch.stack([residual, norm]).cpu().numpy().astype(np.float32)
    except ImportError:  # pragma: no cover - segmenter always has torch
        pass
    X = np.asarray(X, dtype=np.float32)
    WH = np.asarray(WH, dtype=np.float32)
    return np.stack([np.linalg.norm(X - WH, axis=-2), np.linalg.norm(X, axis=-2)]).astype(
        np.float32
    )


def rebuilt_share(residual: Any, norm: Any) -> float:
    """Share of X's energy (squared norm) that W·H rebuilds over some frames, in [0, 1].

    ``1 − Σ‖X − WH‖² / Σ‖X‖²``; an overshoot as large as X itself counts as rebuilding nothing.
    """
    r = np.asarray(residual, dtype=np.float64)
    n = np.asarray(norm, dtype=np.float64)
    energy = float(np.square(n).sum())
    if energy <= _TINY:
        return 0.0
    return float(min(1.0, max(0.0, 1.0 - float(np.square(r).sum()) / energy)))


def segment_support(H: Any, theta_row: Any, a: int, b: int, block: int = 8192) -> np.ndarray:
    """(K,) positive support Θ⁺_ck · Σ_{t∈[a,b)} H_kt of one class over frames ``[a, b)``, read
    in column blocks (H may be a mapped float16 array of a long file)."""
    total = np.zeros(np.asarray(theta_row).shape[0], dtype=np.float64)
    for c in range(a, b, block):
        total += np.asarray(H[:, c : min(b, c + block)], dtype=np.float64).sum(axis=1)
    return np.maximum(np.asarray(theta_row, dtype=np.float64), 0.0) * total


def support_divergence(support: Any, typical: Any) -> tuple[float, int]:
    """How far a segment's support mix ``support`` (K,) strays from the class's ``typical`` mix:
    KL(p ‖ q) in nats with p, q normalised (q floored at `SUPPORT_FLOOR`), and the component that
    adds most to it. (0.0, -1) for a segment without positive support."""
    s = np.asarray(support, dtype=np.float64)
    if s.sum() <= 0:
        return 0.0, -1
    p = s / s.sum()
    q = np.maximum(np.asarray(typical, dtype=np.float64), SUPPORT_FLOOR)
    q = q / q.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    return float(terms.sum()), int(np.argmax(terms))


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: np.ndarray) -> np.ndarray:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    quantiles: np.ndarray = np.interp(levels, cumulative, v)
    return quantiles


def _band(norm: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Band index of each frame by ``log10 norm`` (−1: silence, under the first edge)."""
    level = np.log10(np.maximum(np.asarray(norm, dtype=np.float64), _TINY))
    index = np.searchsorted(np.asarray(edges[1:-1]), level, side="right")
    return np.where(level < edges[0], -1, index)


@dataclass(frozen=True)
class ReferenceProfile:
    """The model's own reconstruction-error distribution per level band, and per class the
    support mix its labels usually rest on.

    ``error_quantiles[b]`` are ``log10`` relative errors at :data:`QUANTILE_LEVELS` for band
    ``b`` (``[level_edges[b], level_edges[b + 1])``; the last band is open above), empty when the
    band had too few frames. Per class code: ``class_support[c]`` (K,) is the typical support
    mix of class c, ``divergence_quantiles[c]`` the :func:`support_divergence` of the model's
    segments of c at :data:`QUANTILE_LEVELS` (duration-weighted), both empty when unmeasured.
    ``source`` says which data it was measured on.
    """

    level_edges: tuple[float, ...]
    quantile_levels: tuple[float, ...]
    error_quantiles: tuple[tuple[float, ...], ...]
    band_frames: tuple[int, ...]
    class_support: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    divergence_quantiles: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.error_quantiles) != len(self.level_edges) - 1:
            raise ValueError("a profile needs one quantile row per level band")
        if not any(len(row) for row in self.error_quantiles):
            raise ValueError("a profile needs at least one level band with frames")

    @property
    def n_bands(self) -> int:
        return len(self.level_edges) - 1

    def _usable(self, band: int) -> int:
        """The band to read for ``band``: itself, else the nearest one with enough frames."""
        filled = [
            b
            for b, row in enumerate(self.error_quantiles)
            if row and self.band_frames[b] >= MIN_BAND_FRAMES
        ] or [b for b, row in enumerate(self.error_quantiles) if row]
        return min(filled, key=lambda b: (abs(b - band), -b))

    def percentile(self, residual: Any, norm: Any) -> np.ndarray:
        """Where each frame's relative error falls among the reference frames of its level band,
        0 … 1 (float32); NaN for silent frames (under the first level edge)."""
        r = np.asarray(residual, dtype=np.float64)
        n = np.asarray(norm, dtype=np.float64)
        error = np.log10(np.maximum(r, _TINY) / np.maximum(n, _TINY))
        band = _band(n, self.level_edges)
        out = np.full(r.shape, np.nan, dtype=np.float32)
        levels = np.asarray(self.quantile_levels, dtype=np.float64)
        for b in np.unique(band[band >= 0]):
            mask = band == b
            values = np.asarray(self.error_quantiles[self._usable(int(b))], dtype=np.float64)
            # ties (a quantile repeated) would break np.interp's monotone x: spread them by 1e-9
            values = values + 1e-9 * np.arange(values.size)
            out[mask] = np.interp(error[mask], values, levels, left=0.0, right=1.0)
        return out

    def divergence_percentile(self, code: str, divergence: float) -> float | None:
        """Where a segment's support divergence falls among the reference segments of class
        ``code`` (0 … 1), or None when the profile has no segments of that class."""
        values = self.divergence_quantiles.get(code) or ()
        if not values:
            return None
        xs = np.asarray(values, dtype=np.float64) + 1e-12 * np.arange(len(values))
        levels = np.asarray(self.quantile_levels, dtype=np.float64)
        return float(np.interp(divergence, xs, levels, left=0.0, right=1.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "level_edges": list(self.level_edges),
            "quantile_levels": list(self.quantile_levels),
            "error_quantiles": [[round(v, 4) for v in row] for row in self.error_quantiles],
            "band_frames": list(self.band_frames),
            "class_support": {
                c: [float(f"{v:.4g}") for v in row] for c, row in self.class_support.items()
            },
            "divergence_quantiles": {
                c: [round(v, 4) for v in row] for c, row in self.divergence_quantiles.items()
            },
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceProfile:
        """A profile from :meth:`to_dict`'s output (a model file's metadata); ValueError if not
        one."""
        try:
            return cls(
                level_edges=tuple(float(v) for v in data["level_edges"]),
                quantile_levels=tuple(float(v) for v in data["quantile_levels"]),
                error_quantiles=tuple(
                    tuple(float(v) for v in row) for row in data["error_quantiles"]
                ),
                band_frames=tuple(int(v) for v in data["band_frames"]),
                class_support={
                    str(c): tuple(float(v) for v in row)
                    for c, row in dict(data.get("class_support") or {}).items()
                },
                divergence_quantiles={
                    str(c): tuple(float(v) for v in row)
                    for c, row in dict(data.get("divergence_quantiles") or {}).items()
                },
                source=str(data.get("source", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a reference profile ({exc})") from exc

    @classmethod
    def of_recording(cls, norms: np.ndarray, floor_source: str = "") -> ReferenceProfile:
        """A stand-in profile from one recording's own frames (for a model file that stores
        none): a frame is then only unusual *within its recording*, hence the callers' fixed
        floor on the error itself."""
        builder = ProfileBuilder()
        builder.add(norms)
        return builder.finish(floor_source or "this recording")


class ProfileBuilder:
    """Accumulates a :class:`ReferenceProfile` recording by recording with bounded memory: a
    histogram of ``log10`` relative error per level band, and per labelled segment its (K,)
    support (a few thousand segments of validation data: a few MB)."""

    def __init__(self, level_edges: Sequence[float] = LEVEL_EDGES) -> None:
        self.level_edges = tuple(float(v) for v in level_edges)
        self.counts = np.zeros((len(self.level_edges) - 1, ERROR_EDGES.size + 1), dtype=np.int64)
        self.segments: dict[str, list[tuple[np.ndarray, int]]] = {}

    def add(self, norms: np.ndarray) -> None:
        """Add frames: ``norms`` (2, t) from :func:`reconstruction_norms`."""
        r, n = np.asarray(norms, dtype=np.float64)
        band = _band(n, self.level_edges)
        error = np.log10(np.maximum(r, _TINY) / np.maximum(n, _TINY))
        slot = np.searchsorted(ERROR_EDGES, error, side="right")
        keep = band >= 0
        np.add.at(self.counts, (band[keep], slot[keep]), 1)

    def add_segments(
        self,
        H: Any,
        theta: Any,
        classes: Sequence[str],
        segments: Mapping[str, Sequence[tuple[int, int]]],
    ) -> None:
        """Add the model's labelled segments (frames ``[a, b)`` per class code) of a recording
        whose activations are ``H`` (K, T), with the class weights ``theta`` (C, K)."""
        theta = np.asarray(theta, dtype=np.float64)
        for row, code in enumerate(classes):
            for a, b in segments.get(code, ()):
                if b > a:
                    support = segment_support(H, theta[row], a, b)
                    self.segments.setdefault(code, []).append((support, b - a))

    def finish(self, source: str) -> ReferenceProfile:
        """The profile; error quantiles are read off the cumulative histogram (linear within a
        bin), divergence quantiles weigh each segment by its length."""
        levels = np.asarray(QUANTILE_LEVELS)
        # slot s holds values in [edges[s-1], edges[s]); slots 0 and -1 are open-ended, given
        # one bin's width so the interpolation has an end
        step = float(ERROR_EDGES[1] - ERROR_EDGES[0])
        right = np.concatenate([ERROR_EDGES, [ERROR_EDGES[-1] + step]])
        left = np.concatenate([[ERROR_EDGES[0] - step], ERROR_EDGES])
        rows: list[tuple[float, ...]] = []
        for counts in self.counts:
            total = int(counts.sum())
            if total == 0:
                rows.append(())
                continue
            cumulative = np.concatenate([[0.0], np.cumsum(counts) / total])
            edges = np.concatenate([[left[0]], right])
            used = np.flatnonzero(counts)  # the distribution spans the slots that hold frames
            values = np.clip(np.interp(levels, cumulative, edges), left[used[0]], right[used[-1]])
            rows.append(tuple(float(v) for v in values))
        typical: dict[str, tuple[float, ...]] = {}
        spread: dict[str, tuple[float, ...]] = {}
        for code, found in self.segments.items():
            mix = np.sum([support for support, _ in found], axis=0)
            if mix.sum() <= 0:
                continue
            typical[code] = tuple(float(v) for v in mix / mix.sum())
            kl = np.array([support_divergence(support, typical[code])[0] for support, _ in found])
            weights = np.array([length for _, length in found], dtype=np.float64)
            spread[code] = tuple(float(v) for v in _weighted_quantiles(kl, weights, levels))
        return ReferenceProfile(
            level_edges=self.level_edges,
            quantile_levels=tuple(QUANTILE_LEVELS),
            error_quantiles=tuple(rows),
            band_frames=tuple(int(c.sum()) for c in self.counts),
            class_support=typical,
            divergence_quantiles=spread,
            source=source,
        )
