"""Features the segmenter reads: the target spectrogram X and the front ends producing S.

WavLM lives in :mod:`segmenter.features.wavlm` and is imported lazily (transformers is slow to
import and not needed by the default spectrogram front end).
"""

from __future__ import annotations

from segmenter.features.base import FRONT_ENDS, SpectrogramFrontEnd, build_front_end
from segmenter.features.front_end import FrontEnd
from segmenter.features.spectrogram import (
    SpectrogramConfig,
    frame_sample_span,
    frames_to_seconds,
    istft,
    log_power_spectrogram,
    num_frames,
    pad_for_frames,
    seconds_to_frames,
    stft,
)

__all__ = [
    "FRONT_ENDS",
    "FrontEnd",
    "SpectrogramConfig",
    "SpectrogramFrontEnd",
    "build_front_end",
    "frame_sample_span",
    "frames_to_seconds",
    "istft",
    "log_power_spectrogram",
    "num_frames",
    "pad_for_frames",
    "seconds_to_frames",
    "stft",
]
