"""What the review tools read from a model run, without depending on who produced it.

The bridge plugin's ``ModelEvidence`` has these fields, but `annotator` never imports a plugin:
anything with the same attributes works (a prediction loaded from disk, a test double). The
helpers here turn the loose parts of that contract (class code or lane name, seconds or frames,
the STFT size implied by W) into checked values, so each tool fails with one clear line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from annotator.core.errors import AnnotatorError
from segmenter.classes import LANE_OF_CLASS, lane_name
from segmenter.explain import frame_range


class ReviewError(AnnotatorError, ValueError):
    """Evidence, selections or annotations the review tools cannot work with (one line)."""


class Evidence(Protocol):
    """The model's view of one recording (rows of ``posteriors``/``theta`` follow ``classes``).

    ``posteriors`` (C, T); ``H`` (K, T) or None when activations were not kept; ``W`` (F, K);
    ``theta`` (C, K); ``bias`` (C,); frame t covers ``[t·frame_duration, (t+1)·frame_duration)``.

    Optional, read with ``getattr`` (evidence without them simply gets no ``unfamiliar`` /
    reference-based ``rare`` review items): ``reconstruction`` (2, T), ``‖X − W·H‖`` and ``‖X‖``
    per frame, and ``reference``, the model's `segmenter.explain.novelty.ReferenceProfile` (or
    its dict, as stored in the model file); ``calibration``, the model's review calibration
    (`segmenter.explain.wrongness.WrongnessCalibration` or its dict): without it the queue has
    no calibrated ``suspect`` / ``missed`` places.
    """

    # Read-only: the review tools never set them (a frozen dataclass fits too).
    @property
    def classes(self) -> tuple[str, ...]: ...

    @property
    def lanes(self) -> tuple[str, ...]: ...

    @property
    def posteriors(self) -> np.ndarray: ...

    @property
    def H(self) -> np.ndarray | None: ...  # noqa: N802 - the paper's name

    @property
    def W(self) -> np.ndarray: ...  # noqa: N802 - the paper's name

    @property
    def theta(self) -> np.ndarray: ...

    @property
    def bias(self) -> np.ndarray: ...

    @property
    def frame_duration(self) -> float: ...

    @property
    def sample_rate(self) -> int: ...


@dataclass
class RunEvidence:
    """Evidence of one model run as plain arrays: the one concrete `Evidence` (the bridge's
    ``ModelEvidence`` extends it; the GUI's cached evidence only has to match the protocol)."""

    classes: tuple[str, ...]
    lanes: tuple[str, ...]
    posteriors: np.ndarray
    H: np.ndarray | None
    W: np.ndarray
    theta: np.ndarray
    bias: np.ndarray
    frame_duration: float
    sample_rate: int
    reconstruction: np.ndarray | None = None
    reference: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None


def class_row(evidence: Evidence, name: str) -> int:
    """Row of a class given by code (``"sp"``) or lane name (``"speech"``)."""
    classes, lanes = tuple(evidence.classes), tuple(getattr(evidence, "lanes", ()) or ())
    if name in classes:
        return classes.index(name)
    if name in lanes:
        return lanes.index(name)
    for row, code in enumerate(classes):
        if LANE_OF_CLASS.get(code) == name:
            return row
    raise ReviewError(f"unknown class {name!r} (classes: {', '.join(classes)})")


def lane_of(evidence: Evidence, row: int) -> str:
    lanes = tuple(getattr(evidence, "lanes", ()) or ())
    if row < len(lanes):
        return lanes[row]
    return lane_name(evidence.classes[row])


def activations(evidence: Evidence) -> np.ndarray:
    """H, or a clear error when the run did not keep it (pre-label with activations kept)."""
    if evidence.H is None:
        raise ReviewError(
            "this model run kept no activations (H); pre-label again with activations kept"
        )
    return np.asarray(evidence.H)


def n_fft_of(evidence: Evidence) -> int:
    """The STFT size W was learned at: W has ``n_fft // 2 + 1`` rows."""
    return 2 * (int(np.asarray(evidence.W).shape[0]) - 1)


def seconds_to_frames(
    start: float, end: float, n_frames: int, frame_duration: float
) -> tuple[int, int]:
    """Frames ``[t0, t1)`` a selection ``[start, end)`` touches, or an error if it is empty."""
    start, end = float(start), float(end)
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        raise ReviewError(f"selection {start:g}–{end:g} s is empty or not a time range")
    t0, t1 = frame_range(start, end, n_frames, frame_duration)
    if t1 <= t0:
        raise ReviewError(
            f"selection {start:g}–{end:g} s lies outside the analysed "
            f"{n_frames * frame_duration:g} s"
        )
    return t0, t1


def as_float(array: Any) -> np.ndarray:
    return np.asarray(array, dtype=np.float64)
