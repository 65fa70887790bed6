"""Why this label: the model's logit for a class over a selection, split exactly over components.

Θ is linear, so over the frames ``[t0, t1)`` of a selection

    Σ_t logit[c, t] = b[c]·(t1 − t0) + Σ_k Σ_t Θ[c, k]·H[k, t]

holds exactly; the panel shows the top components by |contribution|, one row for all the other
components and one for the bias, and those rows add up to the summed logit. The same numbers
rebuild the model's posteriors frame by frame, and :attr:`WhyLabel.posterior_error` says how
closely (float32 rounding only), so the panel proves its own sum rather than asking for trust.

Two kinds of share, because contributions are signed:

* ``share`` — contribution / summed logit, signed: the shares, the rest's share and the bias
  share add up to 1. Opposing pushes make single shares exceed 100 % when the logit is small
  (a posterior near 0.5), which is honest but hard to read;
* ``push_share`` — a component's part of all the push *in its own direction* (0 … 1), which is
  what the one-line reading quotes: "speech: 72 % of the evidence for it from components 12,
  40, 7 — harmonic …". The reading explains the side the model came down on: the evidence
  *for* the class when the mean logit is ≥ 0 (mean posterior ≥ 0.5), *against* it otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.review.evidence import (
    Evidence,
    ReviewError,
    activations,
    as_float,
    class_row,
    lane_of,
    n_fft_of,
    seconds_to_frames,
)
from segmenter.explain import describe_component, logit_breakdown

__all__ = ["ComponentShare", "WhyLabel", "contribution_curves", "why_label"]

READING_COMPONENTS = 3


@dataclass(frozen=True)
class ComponentShare:
    """One component's weight on the class over the selection."""

    k: int
    contribution: float  # Σ_t Θ[c,k]·H[k,t]; > 0 pushes the label up
    share: float  # of the summed logit, signed (NaN when the logit sums to 0)
    push_share: float  # of all push in the same direction, 0 … 1
    description: str  # what its spectrum (column k of W) looks like


@dataclass(frozen=True)
class WhyLabel:
    """The why-this-label panel for one class and one selection."""

    class_code: str
    lane: str
    start: float
    end: float
    t0: int
    t1: int
    logit: float  # Σ_t logit[c, t] over the selection
    bias: float  # b[c] · frames
    components: tuple[ComponentShare, ...]  # the top ones, by |contribution|
    rest: float  # Σ of the contributions of all components not listed
    push_up: float  # Σ of the positive contributions (all components)
    push_down: float  # Σ of the negative contributions (≤ 0)
    mean_posterior: float  # mean of the model's posteriors over the selection
    posterior_error: float  # max_t |σ(b + Σ_k contribution) − model posterior|
    reading: str

    @property
    def frames(self) -> int:
        return self.t1 - self.t0

    @property
    def mean_logit(self) -> float:
        return self.logit / self.frames

    @property
    def total(self) -> float:
        """Listed contributions + rest + bias: equals :attr:`logit` up to rounding."""
        return math.fsum([c.contribution for c in self.components] + [self.rest, self.bias])

    def rows(self) -> list[tuple[str, float, float]]:
        """``(what, contribution, share)`` rows for a table, the last one the total."""
        share = (lambda v: v / self.logit) if self.logit != 0 else (lambda v: math.nan)
        rows = [(f"component {c.k}", c.contribution, c.share) for c in self.components]
        others = "other components" if self.components else "all components"
        rows += [(others, self.rest, share(self.rest)), ("bias", self.bias, share(self.bias))]
        rows.append(("logit (sum)", self.logit, 1.0 if self.logit != 0 else math.nan))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.class_code, "lane": self.lane, "start": self.start, "end": self.end,
            "frames": [self.t0, self.t1], "logit": self.logit, "bias": self.bias,
            "rest": self.rest, "push_up": self.push_up, "push_down": self.push_down,
            "mean_posterior": self.mean_posterior, "posterior_error": self.posterior_error,
            "reading": self.reading,
            "components": [
                {"k": c.k, "contribution": c.contribution, "share": _json_float(c.share),
                 "push_share": c.push_share, "description": c.description}
                for c in self.components
            ],
        }  # fmt: skip


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # stable for large |x|


def _frequencies(evidence: Evidence) -> np.ndarray:
    return np.fft.rfftfreq(n_fft_of(evidence), 1.0 / float(evidence.sample_rate))


def _reading(
    lane: str, contrib: np.ndarray, mean_logit: float, freqs: np.ndarray, W: np.ndarray
) -> str:
    direction = 1.0 if mean_logit >= 0 else -1.0
    side = "for it" if direction > 0 else "against it"
    push = np.clip(direction * contrib, 0.0, None)
    total = float(push.sum())
    if total <= 0:
        return (
            f"{lane}: no component pushes {'up' if direction > 0 else 'down'} here; "
            "the bias alone decides"
        )
    ranked = np.argsort(-push, kind="stable")[:READING_COMPONENTS]
    order = [int(k) for k in ranked if push[k] > 0]
    percent = 100.0 * float(push[order].sum()) / total
    names = ", ".join(str(k) for k in order)
    noun = "component" if len(order) == 1 else "components"
    lead = describe_component(W[:, order[0]], freqs)
    return f"{lane}: {percent:.0f} % of the evidence {side} from {noun} {names} — {lead}"


def why_label(
    evidence: Evidence, class_name: str, start: float, end: float, n: int = 5
) -> WhyLabel:
    """The panel for class ``class_name`` (code or lane name) over ``[start, end)`` seconds.

    ``n`` components are listed, ranked by |contribution| (what mattered, either way).
    """
    H = activations(evidence)
    row = class_row(evidence, class_name)
    t0, t1 = seconds_to_frames(start, end, H.shape[1], float(evidence.frame_duration))
    theta, bias, W = as_float(evidence.theta), as_float(evidence.bias), as_float(evidence.W)
    if W.shape[1] != H.shape[0]:
        raise ReviewError(f"W has {W.shape[1]} components but H has {H.shape[0]}")
    breakdown = logit_breakdown(H, theta, bias, row, t0, t1)
    contrib = breakdown.contributions
    ranked = np.argsort(-np.abs(contrib), kind="stable")[: max(int(n), 0)]
    up, down = float(contrib[contrib > 0].sum()), float(contrib[contrib < 0].sum())
    freqs = _frequencies(evidence)
    shown = []
    for k in ranked:
        value = float(contrib[k])
        same_side = up if value > 0 else down
        shown.append(
            ComponentShare(
                k=int(k),
                contribution=value,
                share=float(breakdown.shares[k]),
                push_share=value / same_side if same_side != 0 else 0.0,
                description=describe_component(W[:, k], freqs),
            )
        )
    others = np.ones(contrib.size, dtype=bool)
    others[ranked] = False
    rest = math.fsum(contrib[others].tolist())
    frame_logits = theta[row] @ as_float(H[:, t0:t1]) + bias[row]
    model = as_float(evidence.posteriors)[row, t0:t1]
    error = float(np.abs(_sigmoid(frame_logits) - model).max())
    return WhyLabel(
        class_code=evidence.classes[row],
        lane=lane_of(evidence, row),
        start=float(start),
        end=float(end),
        t0=t0,
        t1=t1,
        logit=breakdown.logit,
        bias=breakdown.bias,
        components=tuple(shown),
        rest=rest,
        push_up=up,
        push_down=down,
        mean_posterior=float(model.mean()),
        posterior_error=error,
        reading=_reading(lane_of(evidence, row), contrib, breakdown.logit / (t1 - t0), freqs, W),
    )


def contribution_curves(
    evidence: Evidence, class_name: str, start: float, end: float, components: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(times, curves)``: Θ[c,k]·H[k,t] per frame for the chosen components over a selection,
    ``curves`` shaped ``(len(components), frames)``, ``times`` the frame starts in seconds."""
    H = activations(evidence)
    row = class_row(evidence, class_name)
    d = float(evidence.frame_duration)
    t0, t1 = seconds_to_frames(start, end, H.shape[1], d)
    ks = np.asarray(components, dtype=np.int64)
    if ks.size and (ks.min() < 0 or ks.max() >= H.shape[0]):
        raise ReviewError(f"component(s) outside the {H.shape[0]} components of the model")
    theta = as_float(evidence.theta)[row, ks]
    curves = theta[:, None] * as_float(H[ks, t0:t1])
    return np.arange(t0, t1) * d, curves
