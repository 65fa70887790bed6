"""What a model file may say: sizes and rates in range, known front-end parameters, sane weights.

A model file is input like any recording, and it can be wrong in ways the network would only
show late and far from the cause: ``n_components = 10**12`` makes torch attempt a 32 TB
allocation, ``repeats = 10**6`` builds three million blocks until memory runs out,
``sample_rate: 0`` or a NaN weight surfaces as an error about the *audio*, an unknown front-end
parameter as a raw ``TypeError``. Each check here returns the problem in words (or None); the
caller, :mod:`segmenter.checkpoint`, adds the file's name, so ``info``, ``label``, ``explain``,
``finetune``, the GUI and the Praat/ELAN doors all refuse a bad file with the same one line.

The config is checked as the JSON document the file holds, before a :class:`ModelConfig` or any
tensor exists; the weights once they are read (their shapes were compared with the config, from
the safetensors header, before that).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch

from segmenter.audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from segmenter.features.base import SPECTROGRAM_COMPRESSIONS

__all__ = [
    "SIZE_LIMITS",
    "MAX_CLASSES",
    "FRONT_END_PARAMS",
    "config_problem",
    "weights_problem",
]

#: Whole-number config fields and the range each may take. Generous (the shipped model uses
#: 256 components, 64/128 channels, 2 × 3 blocks), but small enough that no accepted config
#: asks for more memory than a machine has before the weights are even compared with it.
SIZE_LIMITS: dict[str, tuple[int, int]] = {
    "sample_rate": (MIN_SAMPLE_RATE, MAX_SAMPLE_RATE),
    "n_fft": (1, 32_768),
    "win_length": (1, 32_768),
    "hop_length": (1, 32_768),
    "n_components": (1, 16_384),
    "bottleneck_channels": (1, 4_096),
    "hidden_channels": (1, 4_096),
    "kernel_size": (1, 63),
    "layers_per_repeat": (1, 16),
    "repeats": (1, 16),
}
MAX_CLASSES = 256
#: WavLM was trained at 16 kHz; a wavlm model at another rate is a broken file, not a machine
#: without WavLM weights (which is what the front end's own refusal would be taken for).
WAVLM_RATE = 16_000


def _positive_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a positive number, got {value!r}"
    if not (math.isfinite(value) and value > 0):
        return f"must be a positive number, got {value!r}"
    return None


def _compression(value: Any) -> str | None:
    if value in SPECTROGRAM_COMPRESSIONS:
        return None
    return f"must be one of {', '.join(SPECTROGRAM_COMPRESSIONS)}, got {value!r}"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be text, got {value!r}"


def _flag(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return f"must be true or false, got {value!r}"


#: The parameters each front end takes from a file, with the check of each value. A front end
#: added to ``segmenter.features.FRONT_ENDS`` needs its entry here (a test keeps them in step).
FRONT_END_PARAMS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "spectrogram": {"compression": _compression, "floor": _positive_number},
    "wavlm": {"model_path": _text, "normalize_input": _flag, "eps": _positive_number},
}


def _sizes_problem(config: Mapping[str, Any]) -> str | None:
    for name, (low, high) in SIZE_LIMITS.items():
        if name not in config:
            continue
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int):
            return f"model config: {name} must be a whole number, got {value!r}"
        if not low <= value <= high:
            return f"model config: {name} {value} is out of range ({low} to {high})"
    return None


def _framing_problem(config: Mapping[str, Any]) -> str | None:
    n_fft = config.get("n_fft", 1024)
    for name in ("hop_length", "win_length"):
        if config.get(name, 0) > n_fft:
            return f"model config: {name} {config[name]} exceeds n_fft {n_fft}"
    return None


def _front_end_problem(config: Mapping[str, Any]) -> str | None:
    name = config.get("front_end", "spectrogram")
    if name not in FRONT_END_PARAMS:
        known = ", ".join(sorted(FRONT_END_PARAMS))
        return f"model config: unknown front end {name!r} (known: {known})"
    params = config.get("front_end_params") or {}
    if not isinstance(params, Mapping):
        return f"model config: front_end_params must be a JSON object, got {params!r}"
    rate = config.get("sample_rate", WAVLM_RATE)
    if name == "wavlm" and rate != WAVLM_RATE:
        return f"model config: the wavlm front end works at {WAVLM_RATE} Hz only, not {rate} Hz"
    accepted = FRONT_END_PARAMS[name]
    for key, value in params.items():
        if key not in accepted:
            known = ", ".join(sorted(accepted))
            return (
                f"model config: unknown front end parameter {key!r} for the {name} front end "
                f"(known: {known})"
            )
        problem = accepted[key](value)
        if problem:
            return f"model config: front end parameter {key} {problem}"
    return None


def config_problem(config: Any) -> str | None:
    """Why the stored config (the JSON object, not yet a ModelConfig) is refused, or None."""
    if not isinstance(config, Mapping):
        return f"model config is not a JSON object, got {type(config).__name__}"
    classes = config.get("classes", ())
    if isinstance(classes, list | tuple) and len(classes) > MAX_CLASSES:
        return f"model config: {len(classes)} classes is more than {MAX_CLASSES}"
    return _sizes_problem(config) or _framing_problem(config) or _front_end_problem(config)


def weights_problem(tensors: Mapping[str, torch.Tensor]) -> str | None:
    """Why weights of the right shapes still cannot describe a model, or None.

    A NaN or infinite weight makes every posterior NaN; a negative entry in W breaks the
    non-negative reconstruction every explanation rests on, and an all-zero W explains nothing;
    a negative BatchNorm variance is a square root of a negative number at the first frame.
    """
    for key in sorted(tensors):
        value = tensors[key]
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            return f"weight {key!r} is not finite (holds NaN or infinite values)"
        if key.endswith("running_var") and bool((value < 0).any()):
            return f"weight {key!r} holds negative variances"
    dictionary = tensors.get("dictionary")
    if dictionary is not None:
        if bool((dictionary < 0).any()):
            return "the dictionary W has negative entries (an NMF dictionary is non-negative)"
        if not bool((dictionary > 0).any()):
            return "the dictionary W is all zero (it would reconstruct nothing)"
    return None
