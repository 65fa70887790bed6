"""A deterministic train / held-out split of recordings that stays put as a project grows.

Each recording gets a number in [0, 1) from a hash of its path in the project; those below the
held-out fraction are held out. A recording's side therefore never changes when others are
added or removed (a plain shuffle would reshuffle everything and leak yesterday's held-out files
into today's training). Only confirmed (DONE) recordings can be held out, since only they are
known everywhere. With two or more of them, at least one is held out and at least one trains;
never more than ``ceil(fraction × n)`` are held out (the lowest hashes), so a small project is
not left with one recording to learn from.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from annotator.learn.collect import LabelledRecording

__all__ = ["split_held_out", "unit_hash"]


def unit_hash(text: str, salt: str = "nmf-annotator/held-out") -> float:
    digest = hashlib.sha256(f"{salt}\0{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_held_out(
    recordings: Sequence[LabelledRecording], fraction: float = 0.25
) -> tuple[list[LabelledRecording], list[LabelledRecording]]:
    """``(train, held_out)``; ``fraction`` 0 holds nothing out (no before/after scores)."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"held-out fraction must lie in [0, 1), got {fraction:g}")
    candidates = sorted((r for r in recordings if r.confirmed), key=lambda r: unit_hash(r.rel_path))
    cap = math.ceil(fraction * len(candidates))  # 2 of 3 held out would leave 1 to learn from
    held = [r for r in candidates if unit_hash(r.rel_path) < fraction][:cap]
    if fraction > 0 and len(candidates) >= 2:
        if not held:
            held = candidates[:1]
        if len(held) == len(candidates):
            held = held[:-1]
    chosen = {id(r) for r in held}
    return [r for r in recordings if id(r) not in chosen], held
