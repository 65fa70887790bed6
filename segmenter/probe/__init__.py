"""Linear probes on the activations H: "teach it a new lane" from a few labelled recordings.

The paper probes H with a linear layer to show it carries far more than the four classes
(genre, sound events, phones, speaker gender); here the same probe is a user feature. Plain
numpy/PyTorch, no Qt, no annotator:

* :mod:`.linear` — :class:`LinearProbe` (frame or file level, multilabel or single-label), its
  exact per-component contributions, and the base model's activation fingerprint;
* :mod:`.train` — class-weighted training with early stopping on held-out recordings, and
  accuracy / UAR / per-class F1 (:mod:`.metrics`);
* :mod:`.activations` — H of a recording under the frozen model, cached on disk;
* :mod:`.labels` — targets from a lane of spans (RTTM) or one label per file (CSV);
* :mod:`.probe_file` — the small probe file that names its base model by hash;
* :mod:`.head` — a probe appended to Θ in a new model file, so every door that loads a model
  labels, explains and edits the new lane;
* :mod:`.cli` — ``segmenter probe train`` / ``segmenter probe evaluate``.
"""

from __future__ import annotations

from segmenter.probe.linear import (
    LEVELS,
    MODES,
    LinearProbe,
    ProbeError,
    activation_fingerprint,
    pool,
)
from segmenter.probe.metrics import multilabel_metrics, single_label_metrics

__all__ = [
    "LEVELS",
    "MODES",
    "LinearProbe",
    "ProbeError",
    "activation_fingerprint",
    "multilabel_metrics",
    "pool",
    "single_label_metrics",
]
