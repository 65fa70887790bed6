"""Reviewing a model's labels without Qt: why a label, listening to components, the review queue,
comparison with a reference, and the explanation export. The GUI calls these; so can scripts.

* :mod:`.why` — the exact split of a class logit over components for a selection;
* :mod:`.listen` — a selection filtered to chosen components, and the rest;
* :mod:`.queue` — places ranked by uncertainty, disagreement and flicker, and (from
  :mod:`.unseen`) sounds the dictionary does not rebuild and labels on atypical components;
  with a model's review calibration (:mod:`.likely`), every model segment and possible miss
  ranked by the wrong time it is expected to hold; effort per file;
* :mod:`.compare` — misses, false alarms and confusions against a reference, error rates;
* :mod:`.edit_effort` — the edits a person needs to match a reference (working labels, the
  model's pre-label, empty lanes);
* :mod:`.export` — PNG figures and a JSON summary of the relevant components per class.

Import the functions named like their module (``listen``, ``compare``) from the module itself.
Submodules load on first use, so importing this package costs nothing (torch comes with
:mod:`.why` and :mod:`.listen`, matplotlib with :mod:`.export`).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Evidence": "evidence",
    "ReviewError": "evidence",
    "ComponentShare": "why",
    "WhyLabel": "why",
    "contribution_curves": "why",
    "why_label": "why",
    "Sonification": "listen",
    "listen_file": "listen",
    "QueueSettings": "queue",
    "ReviewItem": "queue",
    "ReviewQueue": "queue",
    "FileEffort": "queue",
    "annotation_items": "queue",
    "corpus_effort": "queue",
    "expected_effort": "queue",
    "review_items": "queue",
    "Comparison": "compare",
    "Disagreement": "compare",
    "LaneComparison": "compare",
    "copy_reference_segment": "compare",
    "ExplanationSummary": "export",
    "export_explanations": "export",
    "explain_recording": "export",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"annotator.review.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'annotator.review' has no attribute {name!r}")
