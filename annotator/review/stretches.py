"""Frame masks and strengths to stretches: the one place the review queue's kinds turn per-frame
numbers into places (runs, joined across short gaps, too-short ones dropped)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["StretchRule", "merge_runs", "regions", "runs"]


@dataclass(frozen=True)
class StretchRule:
    """How frames become places: join runs closer than ``merge_gap`` seconds, drop places
    shorter than ``min_duration`` seconds."""

    merge_gap: float = 0.2
    min_duration: float = 0.1


def runs(active: np.ndarray) -> list[tuple[int, int]]:
    """Runs ``[a, b)`` of True frames."""
    padded = np.concatenate(([False], np.asarray(active, dtype=bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def merge_runs(found: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """``found`` (sorted runs) with runs at most ``gap`` frames apart joined."""
    merged: list[tuple[int, int]] = []
    for a, b in found:
        if merged and a - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def regions(strength: np.ndarray, d: float, rule: StretchRule) -> list[tuple[int, int, float]]:
    """Runs of frames with strength > 0, joined across short gaps: (t0, t1, strength·seconds)."""
    joined = merge_runs(runs(strength > 0), int(round(rule.merge_gap / d)))
    out = []
    for a, b in joined:
        if (b - a) * d + 1e-9 >= rule.min_duration:
            out.append((a, b, float(strength[a:b].sum()) * d))
    return out
