"""Min/max envelope pyramid: draw any zoom level of a long waveform from a precomputed level.

Why: a waveform view needs, for each screen pixel, the lowest and highest sample under it. For a
one-hour 16 kHz recording fully zoomed out that is 57.6 M samples per repaint if computed on the
fly (pyqtgraph's own downsampling does exactly that). The pyramid computes it once: level 0 holds
min/max over blocks of ``base`` samples, each further level folds ``factor`` blocks of the level
below, so the levels take about ``(2 / base) * factor / (factor - 1)`` of the signal's memory
(1/6 with the defaults) and every query reads at most a few thousand blocks: those of the
finest level that still has no more than one block per pixel.

numpy only (no Qt): the view asks `EnvelopePyramid.query` and draws what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EnvelopeSlice:
    """What a view draws: ``times[i]`` is the start of block i with extremes ``mins/maxs[i]``.

    ``samples_per_block`` is 1 when raw samples were returned (then mins == maxs).
    """

    times: np.ndarray
    mins: np.ndarray
    maxs: np.ndarray
    samples_per_block: int

    def __len__(self) -> int:
        return int(self.times.shape[0])

    def zigzag(self) -> tuple[np.ndarray, np.ndarray]:
        """x/y of one connected line min0, max0, min1, max1, ...: a filled-looking envelope.

        Raw samples (one per block) come back as the plain sample curve.
        """
        if self.samples_per_block == 1:
            return self.times, self.mins
        x = np.repeat(self.times, 2)
        y = np.empty(2 * len(self), dtype=self.mins.dtype)
        y[0::2] = self.mins
        y[1::2] = self.maxs
        return x, y


class EnvelopePyramid:
    """Min/max levels of a mono signal; build once per recording, query on every repaint."""

    def __init__(
        self, samples: np.ndarray, sample_rate: float, base: int = 16, factor: int = 4
    ) -> None:
        samples = np.asarray(samples)
        if samples.ndim != 1:
            raise ValueError(f"the envelope needs a mono signal, got shape {samples.shape}")
        if sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {sample_rate!r}")
        if base < 2 or factor < 2:
            raise ValueError("base and factor must be at least 2")
        self.samples = samples.astype(np.float32, copy=False)
        self.sample_rate = float(sample_rate)
        self.base = int(base)
        self.factor = int(factor)
        #: ``levels[i]`` = (mins, maxs, samples per block)
        self.levels: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._build()

    def _build(self) -> None:
        mins, maxs = _fold(self.samples, self.samples, self.base)
        block = self.base
        while mins.size:
            self.levels.append((mins, maxs, block))
            if mins.size <= 1:
                break
            mins, maxs = _fold(mins, maxs, self.factor)
            block *= self.factor

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    @property
    def nbytes(self) -> int:
        return sum(m.nbytes + x.nbytes for m, x, _ in self.levels)

    def query(self, start: float, end: float, max_blocks: int) -> EnvelopeSlice:
        """The extremes over [start, end) in seconds with at most about ``max_blocks`` blocks.

        Picks the finest level (raw samples included) whose block count over the range does not
        exceed ``max_blocks``; the range is widened to whole blocks so that panning does not
        make the drawing shimmer.
        """
        max_blocks = max(int(max_blocks), 1)
        n = self.samples.shape[0]
        i0 = int(np.clip(np.floor(start * self.sample_rate), 0, n))
        i1 = int(np.clip(np.ceil(end * self.sample_rate), 0, n))
        if i1 <= i0:
            empty = np.zeros(0, dtype=np.float32)
            return EnvelopeSlice(np.zeros(0), empty, empty, 1)
        if i1 - i0 <= max_blocks or not self.levels:
            times = np.arange(i0, i1) / self.sample_rate
            chunk = self.samples[i0:i1]
            return EnvelopeSlice(times, chunk, chunk, 1)
        for mins, maxs, block in self.levels:
            b0, b1 = i0 // block, -(-i1 // block)
            if b1 - b0 <= max_blocks or block == self.levels[-1][2]:
                b1 = min(b1, mins.size)
                times = np.arange(b0, b1) * (block / self.sample_rate)
                return EnvelopeSlice(times, mins[b0:b1], maxs[b0:b1], block)
        raise AssertionError("unreachable: the last level always answers")


def _fold(mins: np.ndarray, maxs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Min of ``mins`` and max of ``maxs`` over consecutive groups of ``k`` (last one partial)."""
    n = mins.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.float32)
        return empty, empty
    full = n // k
    out_min = np.empty(full + (n % k > 0), dtype=np.float32)
    out_max = np.empty_like(out_min)
    if full:
        out_min[:full] = mins[: full * k].reshape(full, k).min(axis=1)
        out_max[:full] = maxs[: full * k].reshape(full, k).max(axis=1)
    if n % k:
        out_min[-1] = mins[full * k :].min()
        out_max[-1] = maxs[full * k :].max()
    return out_min, out_max
