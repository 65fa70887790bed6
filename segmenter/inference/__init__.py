"""Whole-file inference: streamed decoding, exact chunking or overlap-add windows, progress and
cancel. See :mod:`segmenter.inference.api` for the entry points."""

from __future__ import annotations

from segmenter.inference.api import (
    Prediction,
    predict_file,
    predict_waveform,
    resolve_device,
    segment_file,
    uses_chunking,
)
from segmenter.inference.sinks import ACTIVATION_MODES

__all__ = [
    "ACTIVATION_MODES",
    "Prediction",
    "predict_file",
    "predict_waveform",
    "resolve_device",
    "segment_file",
    "uses_chunking",
]
