"""A learned dictionary W as its own safetensors file, so W can be learned once and reused.

Learning W is the slow, data-hungry step of building a model (sparse NMF over tens of thousands
of frames); keeping it in a file lets a user learn it from one corpus, inspect it, and train
several models on top of it (``segmenter learn-dictionary`` then ``train --dictionary``). The
file holds one tensor ``W`` (F × K) and JSON metadata saying how it was made; like a model file
it is written atomically and never unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from segmenter.checkpoint import _atomic_save, _read_header
from segmenter.errors import ModelFileError

__all__ = ["DICTIONARY_FORMAT", "save_dictionary", "load_dictionary"]

DICTIONARY_FORMAT = "nmf-segmenter-dictionary"


def save_dictionary(path: str | Path, W: torch.Tensor, info: dict[str, Any]) -> None:
    """Write W (F, K) and a JSON-able description (spectrogram settings, μ, data summary)."""
    if W.ndim != 2 or bool((W < 0).any()):
        raise ValueError("a dictionary must be a non-negative (F, K) matrix")
    metadata = {"format": DICTIONARY_FORMAT, "info": json.dumps(info, allow_nan=False)}
    _atomic_save({"W": W.detach().to("cpu", torch.float32).contiguous()}, metadata, Path(path))


def load_dictionary(path: str | Path) -> tuple[torch.Tensor, dict[str, Any]]:
    """W and its description; one-line `ModelFileError` for anything else."""
    p = Path(path)
    meta = _read_header(p)
    if meta.get("format") != DICTIONARY_FORMAT:
        raise ModelFileError(f"{p}: not a dictionary file (format {meta.get('format')!r})")
    try:
        info = json.loads(meta.get("info", "{}"))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{p}: dictionary metadata is not valid JSON ({exc})") from None
    tensors = load_file(str(p))
    W = tensors.get("W")
    if W is None or W.ndim != 2:
        raise ModelFileError(f"{p}: dictionary file holds no (F, K) tensor 'W'")
    return W, info
