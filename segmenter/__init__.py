"""The explainable NMF audio segmenter (speech, music, noise, overlapped speech), plain PyTorch.

The most used names are re-exported here; modules stay importable on their own
(``segmenter.audio``, ``segmenter.features``, ``segmenter.dictionary``, ``segmenter.model``,
``segmenter.loss``, ``segmenter.checkpoint``, ``segmenter.progress``, ``segmenter.errors``).
The WavLM front end (``segmenter.features.wavlm``) imports transformers lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

from segmenter.audio import SAMPLE_RATE, AudioInfo, audio_info, load_audio, stream_audio
from segmenter.checkpoint import (
    ModelInfo,
    load_model,
    read_model_info,
    save_model,
    update_metadata,
)
from segmenter.dictionary import activations_for, learn_dictionary
from segmenter.errors import AudioError, Cancelled, FrontEndError, ModelFileError, SegmenterError
from segmenter.features import FrontEnd, SpectrogramConfig, log_power_spectrogram, num_frames
from segmenter.loss import segmenter_loss
from segmenter.model import CLASSES, ModelConfig, ModelOutput, NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled

__all__ = [
    "CLASSES",
    "SAMPLE_RATE",
    "AudioError",
    "AudioInfo",
    "Cancelled",
    "FrontEnd",
    "FrontEndError",
    "ModelConfig",
    "ModelFileError",
    "ModelInfo",
    "ModelOutput",
    "NMFSegmenter",
    "ProgressCallback",
    "SegmenterError",
    "SpectrogramConfig",
    "__version__",
    "activations_for",
    "audio_info",
    "check_cancelled",
    "learn_dictionary",
    "load_audio",
    "load_model",
    "log_power_spectrogram",
    "num_frames",
    "read_model_info",
    "save_model",
    "segmenter_loss",
    "stream_audio",
    "update_metadata",
]
