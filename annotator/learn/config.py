"""What a fine-tune may do (`FinetuneConfig`) and how it says it cannot (`LearnError`).

Apart from :mod:`.finetune` so that the fitting (:mod:`.fit`) and the job share them without
importing each other. Every default is explained at its field; the measurements behind the
anchor and threshold rules are in ``docs/finetuning.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.errors import AnnotatorError
from annotator.learn.collect import INCLUDE_POLICIES

__all__ = ["FinetuneConfig", "LearnError"]


class LearnError(AnnotatorError, ValueError):
    """A fine-tune that cannot run (no confirmed labels, a forbidden output...): one line."""


@dataclass
class FinetuneConfig:
    steps: int = 300  # optimisation steps of Θ (or of Θ and Ψ with train_psi)
    lr: float = 0.01  # Adam's learning rate (Θ with optimizer "adam", and with Ψ)
    optimizer: str = "adam"  # for Θ alone: "adam" (minibatches) or "lbfgs" (full batch)
    batch_frames: int = 16384  # frames per step (all of them when fewer)
    # weight of the squared distance of the trained rows to the start: 0.001 let AMI meetings
    # pull demo speech F1 from 0.951 to 0.901; 0.01 kept it (docs/finetuning.md)
    anchor: float = 0.01
    anchor_seconds: float = 240.0  # below this much confirmed training audio the pull grows
    distill: float = 0.25  # weight of the BCE towards the starting model's posteriors
    classes: tuple[str, ...] | None = None  # None: every class with enough data
    min_class_s: float = 1.0  # fewest seconds of positives and of negatives to train a class
    warn_class_s: float = 30.0  # warn below this many seconds of positives of a trained class
    warn_recordings: int = 3  # warn when fewer recordings are learned from
    train_psi: bool = False
    psi_lr: float = 1e-4  # Ψ's learning rate (Θ keeps ``lr``)
    psi_batch: int = 8  # 4 s chunks per step when Ψ learns
    tune_thresholds: bool = True
    tune_min_s: float = 30.0  # fewest positive and negative seconds to re-tune a class
    max_threshold_change: float = 0.2  # onset/offset stay this close to the starting values
    held_out: float = 0.25
    include: str = "done"
    max_frames: int = 1_000_000  # confirmed frames kept for Θ (spread over the recordings)
    replay_s: float = 600.0  # seconds of unconfirmed project recordings to distil on
    check_forgetting: bool = True
    allow_forgetting: bool = False
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.include not in INCLUDE_POLICIES:
            raise LearnError(f"include must be one of {', '.join(INCLUDE_POLICIES)}")
        if self.steps < 1 or self.lr <= 0 or self.batch_frames < 1 or self.max_frames < 1:
            raise LearnError("steps, lr, batch_frames and max_frames must be positive")
        if not 0.0 <= self.held_out < 1.0:
            raise LearnError(f"held-out fraction must lie in [0, 1), got {self.held_out:g}")
        if min(self.anchor, self.distill, self.min_class_s, self.replay_s) < 0:
            raise LearnError("anchor, distill, min_class_s and replay_s must not be negative")
        if self.optimizer not in ("lbfgs", "adam"):
            raise LearnError(f"optimizer must be lbfgs or adam, got {self.optimizer!r}")
        if self.classes is not None:
            self.classes = tuple(self.classes)
