"""Where per-frame outputs go while a file streams through the network.

The frame count of a streamed file is only known once its last block is decoded (a resampler may
add or drop a sample), so outputs are appended chunk by chunk. Posteriors and logits are small
(C × T); the activations H (K × T, K = 256) are the only output that can outgrow memory on long
recordings (a 10-hour file: 1.8 GB), hence three modes:

* ``"memory"`` — a growable numpy buffer, returned as a (K, T) view (no final copy);
* ``"mmap"`` — appended **time-major** to a float32 file and returned as ``np.memmap`` of shape
  (T, K), transposed to (K, T). Time-major means a time region (what a viewer shows) is one
  contiguous read; appending needs no knowledge of T;
* ``"none"`` — H is not kept at all (segments only; the cheapest for batch pre-labelling).

With ``reconstruction=True`` the sink also keeps two floats per frame, ``‖X − W·H‖`` and ``‖X‖``
(:func:`segmenter.explain.novelty.reconstruction_norms`): how well the dictionary rebuilt each
frame, at 8 bytes a frame whatever K is (a 10-hour file: 14 MB).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ACTIVATION_MODES", "GrowableFrames", "FrameSink"]

ACTIVATION_MODES = ("memory", "mmap", "none")


class GrowableFrames:
    """A (rows, T) float32 array that grows along time without copying on every append."""

    def __init__(self, rows: int, capacity: int = 0) -> None:
        self._data = np.empty((rows, max(16, capacity)), dtype=np.float32)
        self._size = 0

    def append(self, values: np.ndarray) -> None:
        n = values.shape[1]
        needed = self._size + n
        if needed > self._data.shape[1]:
            grown = np.empty(
                (self._data.shape[0], max(needed, int(self._data.shape[1] * 1.5))), np.float32
            )
            grown[:, : self._size] = self._data[:, : self._size]
            self._data = grown
        self._data[:, self._size : needed] = values
        self._size = needed

    def view(self) -> np.ndarray:
        return self._data[:, : self._size]


class FrameSink:
    """Collects logits, posteriors and (per ``activations`` mode) H, chunk after chunk."""

    def __init__(
        self,
        n_classes: int,
        n_components: int,
        activations: str = "memory",
        mmap_dir: str | Path | None = None,
        expected_frames: int = 0,
        reconstruction: bool = False,
    ) -> None:
        if activations not in ACTIVATION_MODES:
            raise ValueError(
                f"activations must be one of {', '.join(ACTIVATION_MODES)}, got {activations!r}"
            )
        self.mode = activations
        self.n_components = n_components
        capacity = expected_frames + 64
        self.logits = GrowableFrames(n_classes, capacity)
        self.posteriors = GrowableFrames(n_classes, capacity)
        self._H: GrowableFrames | None = None
        self._norms = GrowableFrames(2, capacity) if reconstruction else None
        self._file = None
        self._path: Path | None = None
        self._keep_file = mmap_dir is not None
        self.frames = 0
        if activations == "memory":
            self._H = GrowableFrames(n_components, capacity)
        elif activations == "mmap":
            folder = Path(mmap_dir) if mmap_dir is not None else Path(tempfile.gettempdir())
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="activations-", suffix=".f32", dir=folder)
            self._file = os.fdopen(fd, "wb")
            self._path = Path(name)

    def append(
        self,
        logits: np.ndarray,
        posteriors: np.ndarray,
        H: np.ndarray | None,
        norms: np.ndarray | None = None,
    ) -> None:
        """Add frames: logits / posteriors (C, t), H (K, t) (ignored in ``"none"`` mode), and
        the reconstruction norms (2, t) when the sink keeps them."""
        if self._norms is not None:
            if norms is None:  # a path that cannot measure it: none for the whole file
                self._norms = None
            else:
                self._norms.append(norms)
        self.logits.append(logits)
        self.posteriors.append(posteriors)
        if self._H is not None and H is not None:
            self._H.append(H)
        elif self._file is not None and H is not None:
            self._file.write(np.ascontiguousarray(H.T, dtype=np.float32).tobytes())
        self.frames += logits.shape[1]

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(logits, posteriors, H) with H as (K, T) array, (K, T) memmap view, or None."""
        H: np.ndarray | None = None
        if self._H is not None:
            H = self._H.view()
        elif self._file is not None and self._path is not None:
            self._file.close()
            self._file = None
            if self.frames == 0:  # np.memmap refuses empty files
                H = np.zeros((self.n_components, 0), dtype=np.float32)
            else:
                H = np.memmap(
                    self._path, dtype=np.float32, mode="r+", shape=(self.frames, self.n_components)
                ).T
            if not self._keep_file and os.name == "posix":
                self._path.unlink(missing_ok=True)  # the mapping outlives the name on POSIX
        return self.logits.view(), self.posteriors.view(), H

    @property
    def keeps_reconstruction(self) -> bool:
        return self._norms is not None

    def reconstruction(self) -> np.ndarray | None:
        """(2, T) float32 ``‖X − W·H‖`` and ``‖X‖`` per frame, or None when not kept (or when a
        chunk came without them)."""
        if self._norms is None or self._norms.view().shape[1] != self.frames:
            return None
        return self._norms.view()

    def abort(self) -> None:
        """Drop a half-written activation file (cancel or error)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
