"""A sliding window over a stream of audio blocks, addressed by absolute sample index.

Both inference paths need "samples [a, b) of the file, zeros outside it" while the file arrives
in blocks: the buffer keeps only what later chunks can still ask for, so memory is bounded by
about one chunk plus one block whatever the length of the recording.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SampleBuffer"]


class SampleBuffer:
    """Holds samples ``[start, received)`` of a stream; the file is zero outside ``[0, N)``."""

    def __init__(self) -> None:
        self._data = np.zeros(0, dtype=np.float32)
        self.start = 0
        self.received = 0
        self.finished = False

    def push(self, block: np.ndarray) -> None:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if block.size:
            self._data = np.concatenate((self._data, block)) if self._data.size else block.copy()
            self.received += block.size

    def get(self, a: int, b: int) -> np.ndarray:
        """Samples ``[a, b)`` (``a`` may be negative), zero where outside the file."""
        first = max(a, 0)
        if first < self.start and first < min(b, self.received):
            raise RuntimeError(f"samples from {first} were already released (kept {self.start}+)")
        out = np.zeros(b - a, dtype=np.float32)
        lo, hi = max(a, self.start), min(b, self.received)
        if hi > lo:
            out[lo - a : hi - a] = self._data[lo - self.start : hi - self.start]
        return out

    def release_before(self, index: int) -> None:
        """Forget samples before ``index`` (no later request will reach back that far)."""
        cut = min(max(index, self.start), self.received) - self.start
        if cut > 0:
            self._data = self._data[cut:].copy()
            self.start += cut
