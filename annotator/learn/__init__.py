"""Learn from corrections: fine-tune a model's class layer on a project's confirmed labels.

* :mod:`.collect` — which labels count as confirmed (recordings marked done; optionally human
  segments elsewhere, as positives);
* :mod:`.split` — a hash-based train / held-out split that stays put as the project grows;
* :mod:`.config` — what a fine-tune may do (`FinetuneConfig`) and `LearnError`;
* :mod:`.fit` — Θ rows of the classes with confirmed positives (anchored to the starting model),
  Ψ when asked, thresholds near the starting ones;
* :mod:`.report` — the truthful report: data per class, held-out F1 only where there is
  reference time, the forgetting check on the shipped demo;
* :mod:`.finetune` — the job (progress and cancel like every long job) and a new model file
  with its provenance, never over the starting one, not written when a class is forgotten.

Qt-free; the GUI runs :func:`finetune_project` in a worker, the CLI as ``annotator finetune``.
"""

from __future__ import annotations

from annotator.learn.collect import INCLUDE_POLICIES, LabelledRecording, collect_confirmed
from annotator.learn.finetune import (
    FinetuneConfig,
    FinetuneResult,
    LearnError,
    check_output,
    finetune_project,
)
from annotator.learn.report import FinetuneReport, format_report
from annotator.learn.split import split_held_out

__all__ = [
    "INCLUDE_POLICIES",
    "FinetuneConfig",
    "FinetuneReport",
    "FinetuneResult",
    "LabelledRecording",
    "LearnError",
    "check_output",
    "collect_confirmed",
    "finetune_project",
    "format_report",
    "split_held_out",
]
