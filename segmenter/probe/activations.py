"""H of a recording under the frozen base model, cached on disk.

Training a probe is seconds; computing H is most of the cost (one forward pass of Ψ per
recording), and a user who retrains a lane after labelling two more files should pay only for
those two. So H is cached per (base model, recording): the key is the model's
:func:`~segmenter.probe.linear.activation_fingerprint` and the recording's absolute path, size
and modification time, so an edited recording or another model never reads a stale H. Entries
are ``.npy`` files (float32 (K, T)) written atomically; a damaged entry is recomputed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from segmenter.inference import predict_file
from segmenter.progress import ProgressCallback

__all__ = ["ActivationCache", "file_activations"]


class ActivationCache:
    """``<folder>/<fingerprint[:16]>/<key>.npy``; ``folder=None`` caches nothing."""

    def __init__(self, folder: str | Path | None, fingerprint: str) -> None:
        self.folder = None if folder is None else Path(folder) / fingerprint[:16]

    @staticmethod
    def key(path: str | Path) -> str:
        p = Path(path).resolve()
        stat = p.stat()
        text = f"{p}\0{stat.st_size}\0{stat.st_mtime_ns}"
        return hashlib.sha1(text.encode()).hexdigest()

    def get(self, path: str | Path) -> np.ndarray | None:
        if self.folder is None:
            return None
        entry = self.folder / f"{self.key(path)}.npy"
        try:
            stored: np.ndarray = np.load(entry, allow_pickle=False)
            return stored
        except (OSError, ValueError):
            return None

    def put(self, path: str | Path, H: np.ndarray) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = self.folder / f"{self.key(path)}.npy"
        fd, tmp = tempfile.mkstemp(prefix=f".{entry.stem}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, np.ascontiguousarray(H, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, entry)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def file_activations(
    model: Any,
    path: str | Path,
    cache: ActivationCache | None = None,
    *,
    device: str = "cpu",
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray, float]:
    """(H (K, T) float32, duration in seconds) of ``path``, from the cache when it holds it.

    The duration of a cached entry is its frame count times the hop (the decoded length is
    within one frame of it), which is all a probe's decisions need."""
    frame = model.spectrogram.hop_length / model.spectrogram.sample_rate
    if cache is not None:
        hit = cache.get(path)
        if hit is not None and hit.ndim == 2 and hit.shape[0] == model.config.n_components:
            return hit, hit.shape[1] * frame
    prediction = predict_file(
        model, path, device=device, activations="memory", progress=progress, cancel=cancel
    )
    H = np.ascontiguousarray(prediction.H, dtype=np.float32)
    if cache is not None:
        cache.put(path, H)
    return H, prediction.duration
