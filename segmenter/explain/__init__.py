"""Explanations of the NMF segmenter, arrays in and arrays out (numpy or torch).

* :mod:`.contributions` — the exact split of each class logit over components, relevance
  (SPEC: r_kc = mean_t H[k,t]·Θ[c,k] / max_k r_kc) and rankings for a region;
* :mod:`.spectra` — a component's spectrum (column of W) and a plain-words description;
* :mod:`.listen` — soft masks and sonification of chosen components;
* :mod:`.novelty` — what the model cannot see: reconstruction error and support-mix rarity
  against its validation data;
* :mod:`.wrongness` — how often a model segment, or a stretch it left empty, was wrong on
  held-out data (the review calibration).

Nothing here knows the model class: callers pass H (K, T), W (F, K), Θ (C, K) and b (C,).
"""

from __future__ import annotations

from segmenter.explain.contributions import (
    ComponentContribution,
    ExplainError,
    LogitBreakdown,
    component_relevance,
    contributions,
    frame_range,
    logit_breakdown,
    logits_from_contributions,
    relevant_components,
    top_components,
)
from segmenter.explain.listen import soft_mask, sonify
from segmenter.explain.spectra import (
    ComponentStats,
    component_spectrum,
    component_stats,
    describe_component,
)

__all__ = [
    "ComponentContribution",
    "ComponentStats",
    "ExplainError",
    "LogitBreakdown",
    "component_relevance",
    "component_spectrum",
    "component_stats",
    "contributions",
    "describe_component",
    "frame_range",
    "logit_breakdown",
    "logits_from_contributions",
    "relevant_components",
    "soft_mask",
    "sonify",
    "top_components",
]
