"""Segmenter output → `Annotation` plus the evidence the GUI draws, as plain numpy.

Pure functions with no torch in sight: they take the decisions and arrays the segmenter
produced, so they can be tested (and reused for a prediction loaded from disk) without a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.core import Annotation, Lane, Provenance, RecordingInfo, Segment, Source
from annotator.review.evidence import RunEvidence
from segmenter.classes import LANE_OF_CLASS, lane_name

__all__ = [
    "CLASS_LANE_NAMES",
    "ModelEvidence",
    "PrelabelResult",
    "decisions_to_annotation",
    "lane_name",
]

#: Segmenter class codes → the annotator's lane names (the plug-in's public name for
#: `segmenter.classes.LANE_OF_CLASS`; other codes keep their code as lane name, `lane_name`).
CLASS_LANE_NAMES = LANE_OF_CLASS


@dataclass
class ModelEvidence(RunEvidence):
    """What the model saw, for the GUI's heat maps and explanations (rows follow ``classes``).

    ``posteriors`` (C, T) and ``H`` (K, T; None unless activations were kept) are per frame of
    ``frame_duration`` seconds; ``W`` (F, K) is the dictionary, ``theta`` (C, K) and ``bias``
    (C,) the linear probe, so ``sigmoid(theta @ H + bias)`` gives the posteriors back.
    """

    @property
    def num_frames(self) -> int:
        return int(self.posteriors.shape[1])


@dataclass
class PrelabelResult:
    """The annotation the host works with, and the evidence behind it."""

    annotation: Annotation
    evidence: ModelEvidence


def _clamp(confidence: float) -> float:
    return min(1.0, max(0.0, float(confidence)))


def decisions_to_annotation(
    decisions: Mapping[str, Sequence[Any]],
    classes: Sequence[str],
    recording: RecordingInfo,
    provenance: Provenance | None = None,
) -> Annotation:
    """One lane per class (all of them, even when empty, so every output has the same tiers),
    each decision a model segment labelled with its lane's name and carrying its confidence.

    Decisions are ``(start, end, confidence)``; ones past the recording's end are clipped to it
    (the last 20 ms frame may overhang the last sample).
    """
    end = recording.duration
    lanes = []
    for code in classes:
        name = lane_name(code)
        segments = []
        for start, stop, confidence in decisions.get(code, ()):
            stop = min(float(stop), end) if end is not None else float(stop)
            if stop > start:
                segments.append(Segment(start, stop, name, _clamp(confidence), Source.MODEL))
        lanes.append(Lane(name, segments))
    return Annotation(lanes, recording=recording, provenance=[provenance] if provenance else [])
