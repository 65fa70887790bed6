"""The segmenter's four classes: their codes and the lane names the annotator shows them as.

One definition, because the codes were written out in the model, the decisions, the recipe's
mixer, the review tools and the bridge, and the code → lane mapping twice; a fifth class (or a
renamed lane) must change one line. ``annotator.core`` may not import the segmenter (it stays
torch-free) and keeps its own ``CLASS_LANES``; a test pins it to `LANE_OF_CLASS`.
Standard library only, so any layer may import it without loading torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["CLASSES", "LANE_OF_CLASS", "lane_name"]

CLASSES: tuple[str, ...] = ("sp", "mu", "no", "ov")
"""Speech, music, noise, overlapped speech (``ov`` implies ``sp``), in the model's output order."""

LANE_OF_CLASS: Mapping[str, str] = MappingProxyType(
    {"sp": "speech", "mu": "music", "no": "noise", "ov": "overlap"}
)
"""Class code → the lane name a person sees (and that TextGrid tiers and RTTM labels carry)."""


def lane_name(code: str) -> str:
    """The lane name of a class code; other heads (a taught lane, say) keep their own name."""
    return LANE_OF_CLASS.get(code, code)
