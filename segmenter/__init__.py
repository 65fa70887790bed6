"""The explainable NMF audio segmenter (speech, music, noise, overlapped speech), plain PyTorch.

The most used names are re-exported here; modules stay importable on their own
(``segmenter.audio``, ``segmenter.features``, ``segmenter.dictionary``, ``segmenter.model``,
``segmenter.loss``, ``segmenter.checkpoint``, ``segmenter.progress``, ``segmenter.errors``).
The WavLM front end (``segmenter.features.wavlm``) imports transformers lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "SAMPLE_RATE": "segmenter.audio",
    "AudioInfo": "segmenter.audio",
    "audio_info": "segmenter.audio",
    "load_audio": "segmenter.audio",
    "stream_audio": "segmenter.audio",
    "ModelInfo": "segmenter.checkpoint",
    "load_model": "segmenter.checkpoint",
    "read_model_info": "segmenter.checkpoint",
    "save_model": "segmenter.checkpoint",
    "update_metadata": "segmenter.checkpoint",
    "activations_for": "segmenter.dictionary",
    "learn_dictionary": "segmenter.dictionary",
    "AudioError": "segmenter.errors",
    "Cancelled": "segmenter.errors",
    "FrontEndError": "segmenter.errors",
    "ModelFileError": "segmenter.errors",
    "SegmenterError": "segmenter.errors",
    "FrontEnd": "segmenter.features",
    "SpectrogramConfig": "segmenter.features",
    "log_power_spectrogram": "segmenter.features",
    "num_frames": "segmenter.features",
    "segmenter_loss": "segmenter.loss",
    "CLASSES": "segmenter.model",
    "ModelConfig": "segmenter.model",
    "ModelOutput": "segmenter.model",
    "NMFSegmenter": "segmenter.model",
    "ProgressCallback": "segmenter.progress",
    "check_cancelled": "segmenter.progress",
}


def __getattr__(name: str) -> object:
    """Load re-exported names on first use, so that ``import segmenter.explain`` (numpy only)
    does not pay for torch: the editor opens a file without loading the model stack."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'segmenter' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
