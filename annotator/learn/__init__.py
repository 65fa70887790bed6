"""Learn from corrections: fine-tune a model's class layer on a project's confirmed labels.

* :mod:`.collect` — which labels count as confirmed (recordings marked done; optionally human
  segments elsewhere, as positives);
* :mod:`.split` — a hash-based train / held-out split that stays put as the project grows;
* :mod:`.finetune` — the job (progress and cancel like every long job), before/after F1 on the
  held-out recordings, and a new model file that never replaces the starting one.

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
