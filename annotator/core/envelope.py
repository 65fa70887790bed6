"""Min/max envelope pyramid: draw any zoom level of a long waveform from a precomputed level.

Why: a waveform view needs, for each screen pixel, the lowest and highest sample under it. For a
one-hour 16 kHz recording fully zoomed out that is 57.6 M samples per repaint if computed on the
fly (pyqtgraph's own downsampling does exactly that). The pyramid computes it once: level 0 holds
min/max over blocks of ``base`` samples, each further level folds ``factor`` blocks of the level
below, so the levels take about ``(2 / base) * factor / (factor - 1)`` of the signal's memory
(1/6 with the defaults) and every query reads at most a few thousand blocks: those of the
finest level that still has no more than one block per pixel.

The samples are kept in their own dtype and never copied: a recording held as int16 (half the
memory of float32) gets int16 levels, and ``scale`` turns stored values into drawn ones
(1/32768 for 16-bit PCM) only for the few thousand values a query returns. Folding goes in
cache-sized chunks over strided views, so an hour of 16 kHz int16 is folded in well under a
tenth of a second (a ``reshape(-1, k).min(axis=1)`` over a short inner axis is 4-5 times slower).

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
        self,
        samples: np.ndarray,
        sample_rate: float,
        base: int = 16,
        factor: int = 4,
        scale: float = 1.0,
    ) -> None:
        samples = np.asarray(samples)
        if samples.ndim != 1:
            raise ValueError(f"the envelope needs a mono signal, got shape {samples.shape}")
        if samples.dtype.kind not in "iuf":
            raise ValueError(f"the envelope needs real numbers, got dtype {samples.dtype}")
        if sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {sample_rate!r}")
        if base < 2 or factor < 2:
            raise ValueError("base and factor must be at least 2")
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be positive, got {scale!r}")
        #: the signal as given (not copied); `query` scales what it returns by ``scale``
        self.samples = samples
        self.scale = float(scale)
        self.sample_rate = float(sample_rate)
        self.base = int(base)
        self.factor = int(factor)
        #: ``levels[i]`` = (mins, maxs, samples per block)
        self.levels: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._build()

    def _build(self) -> None:
        mins, maxs = _fold(self.samples, self.samples, self.base)
        self.levels = coarser_levels(mins, maxs, self.base, self.factor)

    @property
    def duration(self) -> float:
        return int(self.samples.shape[0]) / self.sample_rate

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
            times: np.ndarray = np.arange(i0, i1) / self.sample_rate
            chunk = self._drawn(self.samples[i0:i1])
            return EnvelopeSlice(times, chunk, chunk, 1)
        for mins, maxs, block in self.levels:
            b0, b1 = i0 // block, -(-i1 // block)
            if b1 - b0 <= max_blocks or block == self.levels[-1][2]:
                b1 = min(b1, mins.size)
                times = np.arange(b0, b1) * (block / self.sample_rate)
                return EnvelopeSlice(
                    times, self._drawn(mins[b0:b1]), self._drawn(maxs[b0:b1]), block
                )
        raise AssertionError("unreachable: the last level always answers")

    def peak(self) -> float:
        """The largest absolute value of the signal (scaled), from the coarsest level."""
        if not self.levels:
            return 0.0
        mins, maxs, _ = self.levels[-1]
        return float(max(-self._drawn(mins).min(), self._drawn(maxs).max()))

    def _drawn(self, values: np.ndarray) -> np.ndarray:
        """Stored values as float32 drawing units (a view when nothing needs converting)."""
        if values.dtype == np.float32 and self.scale == 1.0:
            return values
        out = values.astype(np.float32)
        if self.scale != 1.0:
            out *= np.float32(self.scale)
        return out


#: output blocks folded per pass: the chunk of input (``k`` times as many values) stays in cache
FOLD_CHUNK = 1 << 15


def coarser_levels(
    mins: np.ndarray, maxs: np.ndarray, block: int, factor: int
) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """The finest level (``mins``/``maxs`` of ``block`` samples each) and every coarser one,
    folding by ``factor``, down to a single block: the pyramid whichever way the finest level
    was computed (whole array in memory, or streamed from disk)."""
    levels: list[tuple[np.ndarray, np.ndarray, int]] = []
    while mins.size:
        levels.append((mins, maxs, block))
        if mins.size <= 1:
            break
        mins, maxs = _fold(mins, maxs, factor)
        block *= factor
    return levels


def _fold(mins: np.ndarray, maxs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Min of ``mins`` and max of ``maxs`` over consecutive groups of ``k`` (last one partial).

    Element-wise minimum over the ``k`` strided views of a chunk, rather than a reduction along
    a short inner axis: numpy vectorises the former, not the latter.
    """
    n = mins.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=mins.dtype)
        return empty, empty
    full = n // k
    out_min = np.empty(full + (n % k > 0), dtype=mins.dtype)
    out_max = np.empty_like(out_min)
    for a in range(0, full, FOLD_CHUNK):
        b = min(full, a + FOLD_CHUNK)
        lo, hi = mins[a * k : b * k], maxs[a * k : b * k]
        low, high = out_min[a:b], out_max[a:b]
        np.minimum(lo[0::k], lo[1::k], out=low)
        np.maximum(hi[0::k], hi[1::k], out=high)
        for j in range(2, k):
            np.minimum(low, lo[j::k], out=low)
            np.maximum(high, hi[j::k], out=high)
    if n % k:
        out_min[-1] = mins[full * k :].min()
        out_max[-1] = maxs[full * k :].max()
    return out_min, out_max
