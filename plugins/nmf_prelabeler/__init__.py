"""The bridge between the segmenter and the annotator: the built-in ``nmf`` pre-labeler.

``segmenter`` knows nothing of lanes and ``annotator`` computes no labels; this package is the
only place that knows both. It registers through the same entry point as any third-party
pre-labeler (``nmf_annotator.prelabelers``: ``nmf = "nmf_prelabeler:make_prelabeler"``), so our
own model gets no private door into the host.

Importing this package is cheap: torch and the segmenter load when a pre-labeler is built, so
``annotator plugins list`` can check it without paying for a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nmf_prelabeler.convert import (
        CLASS_LANE_NAMES,
        ModelEvidence,
        PrelabelResult,
        decisions_to_annotation,
        lane_name,
    )
    from nmf_prelabeler.prelabeler import NMFPrelabeler

__all__ = [
    "CLASS_LANE_NAMES",
    "ModelEvidence",
    "NMFPrelabeler",
    "PrelabelResult",
    "decisions_to_annotation",
    "lane_name",
    "make_prelabeler",
]

_LAZY = {
    "CLASS_LANE_NAMES": "nmf_prelabeler.convert",
    "ModelEvidence": "nmf_prelabeler.convert",
    "PrelabelResult": "nmf_prelabeler.convert",
    "decisions_to_annotation": "nmf_prelabeler.convert",
    "lane_name": "nmf_prelabeler.convert",
    "NMFPrelabeler": "nmf_prelabeler.prelabeler",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nmf_prelabeler' has no attribute {name!r}")


def make_prelabeler(
    model: str | Path | None = None,
    device: str = "auto",
    activations: str = "none",
    chunk_seconds: float = 60.0,
    thresholds: dict[str, dict[str, float]] | None = None,
    probes: list[str] | None = None,
) -> NMFPrelabeler:
    """NMF segmenter pre-labeler (speech, music, noise, overlap) from a model file.

    ``model`` defaults to the shipped model; ``device`` is ``auto``, ``cpu``, ``cuda`` or
    ``cuda:N``; ``activations`` (``none``, ``memory``, ``mmap``) says whether the result keeps
    H for the GUI's heat map; ``thresholds`` overrides the model's decision thresholds per
    class (``{"sp": {"onset": 0.6}}``); ``probes`` are probe files whose lanes are added
    (``segmenter probe train``; each must name this model as its base).
    """
    from nmf_prelabeler.prelabeler import NMFPrelabeler

    return NMFPrelabeler(
        model,
        device=device,
        activations=activations,
        chunk_seconds=chunk_seconds,
        thresholds=thresholds,
        probes=probes,
    )
