"""Review items for what the model cannot see, even where its posterior is confident.

The queue's other kinds follow the posterior; the errors they miss are the confident ones (a
spurious noise segment at 0.9, overlap never suspected). The NMF model has two signs of its own
for those, both measured against what it met in its validation data (a
`segmenter.explain.novelty.ReferenceProfile` stored in the model file's metadata):

* ``unfamiliar`` — stretches where the dictionary rebuilds the spectrogram worse than the
  reference frames *at the same level* mostly did (per-frame error percentile above
  ``unfamiliar_from``): the sound lies outside W, so whatever H says about it is a guess. Not tied
  to a lane: such a place deserves a look at every lane (lane `ALL_LANES`). Strength grows from 0
  at ``unfamiliar_from`` to 1 at the reference's worst frame.
* ``rare`` — model segments whose explanation rests on components that are rare *behind that
  label* in the validation data: the segment's mix of positive contributions Θ⁺_ck·H_kt strays
  from the class's typical mix (Kullback–Leibler) further than ``rare_from`` of the model's
  validation segments of that class did. The reason names the component that strays most.

Without a stored profile (older model files) the recording's own distribution stands in for the
reconstruction, with a fixed floor on the error (``own_floor``: W·H must rebuild under that share
of the energy), and the reason says so; ``rare`` needs the profile (what is typical behind a label
is a property of the training data, not of one recording). Without per-frame reconstruction
norms (a windowed model, an old cache) there are no ``unfamiliar`` items; without H, no ``rare``.

Memory: the norms are two floats a frame; H is read segment by segment in column blocks (it may
be a mapped float16 array of a ten-hour file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.review.stretches import StretchRule, regions
from segmenter.explain.novelty import (
    ReferenceProfile,
    rebuilt_share,
    segment_support,
    support_divergence,
)

__all__ = [
    "ALL_LANES",
    "Found",
    "UnseenSettings",
    "Rarity",
    "rare_detail",
    "rare_items",
    "rarities",
    "reference_of",
    "segment_rarity",
    "unfamiliar_items",
]

#: lane of an item that concerns every lane at once (an unfamiliar sound)
ALL_LANES = "all lanes"


@dataclass(frozen=True)
class UnseenSettings:
    """Thresholds of the two kinds (see the module docstring)."""

    unfamiliar_from: float = 0.95
    own_floor: float = 0.5
    rare_from: float = 0.9


@dataclass(frozen=True)
class Found:
    """One item before it becomes a `ReviewItem` (the queue adds weight and wraps it)."""

    lane: str
    start: float
    end: float
    kind: str
    strength_seconds: float
    detail: str


def reference_of(evidence: Any) -> ReferenceProfile | None:
    """The profile the evidence carries (``reference``: a profile or its dict), or None."""
    found = getattr(evidence, "reference", None)
    if found is None or isinstance(found, ReferenceProfile):
        return found
    try:
        return ReferenceProfile.from_dict(found)
    except ValueError:
        return None


def unfamiliar_items(evidence: Any, settings: UnseenSettings, rule: StretchRule) -> list[Found]:
    """Stretches the dictionary rebuilds unusually badly for their level."""
    norms = getattr(evidence, "reconstruction", None)
    if norms is None:
        return []
    norms = np.asarray(norms, dtype=np.float32)
    if norms.ndim != 2 or norms.shape[0] != 2 or norms.shape[1] == 0:
        return []
    d = float(evidence.frame_duration)
    profile = reference_of(evidence)
    own = profile is None
    if profile is None:
        try:
            profile = ReferenceProfile.of_recording(norms)
        except ValueError:  # every frame silent
            return []
    pct = profile.percentile(norms[0], norms[1])
    start = float(settings.unfamiliar_from)
    strength = np.nan_to_num((pct - start) / max(1e-9, 1.0 - start), nan=0.0)
    strength = np.clip(strength, 0.0, 1.0)
    if own:  # within one recording, the worst 5 % always exist: only count real misfits
        with np.errstate(divide="ignore", invalid="ignore"):
            share = 1.0 - np.square(norms[0] / norms[1])
        strength[~(share < settings.own_floor)] = 0.0
    where = "frames this loud in " + (
        "this recording (the model file stores no reference)" if own else "its validation data"
    )
    out = []
    for a, b, score in regions(strength, d, rule):
        voiced = np.isfinite(pct[a:b])
        share = rebuilt_share(norms[0, a:b][voiced], norms[1, a:b][voiced])
        worst = float(np.nanmax(pct[a:b]))
        rebuilt = "none" if share < 0.005 else f"only {share * 100:.0f} %"
        out.append(Found(
            ALL_LANES, a * d, b * d, "unfamiliar", score,
            f"unfamiliar sound: the dictionary rebuilds {rebuilt} of its energy "
            f"(a worse fit than {min(worst, 0.999) * 100:.1f} % of {where})",
        ))  # fmt: skip
    return out


@dataclass(frozen=True)
class Rarity:
    """Where a segment's support mix falls among the reference's segments of its class
    (``percentile``, 0 … 1), and the component that strays most: its share ``here`` and in the
    class's ``typical`` mix."""

    percentile: float
    top: int
    here: float
    typical: float


def segment_rarity(
    H: Any, theta_row: np.ndarray, typical: Sequence[float], profile: ReferenceProfile,
    code: str, a: int, b: int,
) -> Rarity | None:  # fmt: skip
    """The :class:`Rarity` of frames ``[a, b)`` of class ``code`` (None: nothing to judge)."""
    support = segment_support(H, theta_row, a, b)
    divergence, top = support_divergence(support, typical)
    pct = profile.divergence_percentile(code, divergence)
    if pct is None or top < 0:
        return None
    return Rarity(pct, top, float(support[top] / support.sum()), float(typical[top]))


def rare_detail(lane: str, rarity: Rarity) -> str:
    """The reason of a rare item (also quoted by the calibrated queue's items)."""
    return (
        f"{lane} rests on components seldom behind it: #{rarity.top} gives "
        f"{rarity.here * 100:.0f} % of its support here, {rarity.typical * 100:.1f} % in "
        f"validation data (a stranger mix than {min(rarity.percentile, 0.999) * 100:.1f} % of "
        f"the model's validation {lane} segments)"
    )


def rarities(
    evidence: Any, segments: Mapping[int, Sequence[tuple[float, float]]]
) -> dict[tuple[int, float, float], Rarity]:
    """The :class:`Rarity` of each model segment (per class row, in seconds) keyed ``(row,
    start, end)``; empty without a reference profile, H or Θ."""
    profile = reference_of(evidence)
    H = getattr(evidence, "H", None)
    if profile is None or H is None or getattr(evidence, "theta", None) is None:
        return {}
    d = float(evidence.frame_duration)
    T = int(H.shape[1])
    theta = np.asarray(evidence.theta, dtype=np.float64)
    out = {}
    for row, spans in segments.items():
        code = evidence.classes[row]
        typical = profile.class_support.get(code)
        if not typical or len(typical) != theta.shape[1]:
            continue
        for begin, end in spans:
            a = min(T, max(0, int(round(begin / d))))
            b = min(T, max(a, int(round(end / d))))
            if b > a:
                found = segment_rarity(H, theta[row], typical, profile, code, a, b)
                if found is not None:
                    out[(row, begin, end)] = found
    return out


def rare_items(
    evidence: Any,
    segments: Mapping[int, Sequence[tuple[float, float]]],
    lanes: Mapping[int, str],
    settings: UnseenSettings,
    found: Mapping[tuple[int, float, float], Rarity] | None = None,
) -> list[Found]:
    """Model segments (per class row, in seconds) whose support strays from what their class
    usually rests on, further than ``rare_from`` of the reference's segments did (``found``:
    their rarities when already measured, see :func:`rarities`)."""
    found = rarities(evidence, segments) if found is None else found
    start = float(settings.rare_from)
    out = []
    for (row, begin, end), rarity in found.items():
        strength = min(1.0, max(0.0, (rarity.percentile - start) / max(1e-9, 1.0 - start)))
        if strength > 0:
            out.append(Found(
                lanes[row], float(begin), float(end), "rare", strength * (end - begin),
                rare_detail(lanes[row], rarity),
            ))  # fmt: skip
    return out
