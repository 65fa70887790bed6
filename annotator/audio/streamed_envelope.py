"""The waveform's min/max pyramid of a recording read from its file (`source.FileSamples`,
or a temporary mapped decode of it, `source.MappedSamples`).

Why not `EnvelopePyramid` as is: it folds a signal held in memory. Here the file is streamed
once, block by block, and only the coarse levels are kept: blocks of `STORED_BASE` samples and
up, which for ten hours at 16 kHz is 2.25 M blocks (9 MB as int16 min and max, 12 MB with the
levels above) instead of 190 MB from blocks of 16. The finer levels (16 and 64 samples a block)
serve only views of less than a few seconds, so `query` makes them on the spot from the
samples of that range, read from the file (at most ``STORED_BASE × max_blocks`` samples, a few
hundred kilobytes).

Min and max fold exactly, so the levels (kept or made on demand) hold the same values as those
of an `EnvelopePyramid` of the whole decoded signal, and every query returns the same slice.
"""

from __future__ import annotations

import numpy as np

from annotator.audio.source import Streamable
from annotator.core.envelope import EnvelopePyramid, EnvelopeSlice, _fold, coarser_levels

#: samples per block of the finest level kept (the ones below are made per query)
STORED_BASE = 256
#: frames read per block of the pass (a multiple of STORED_BASE)
PASS_FRAMES = 1 << 20


class StreamedPyramid(EnvelopePyramid):
    """`EnvelopePyramid` over a `FileSamples`: built in one streamed pass, fine levels lazily."""

    def __init__(
        self,
        source: Streamable,
        base: int = 16,
        factor: int = 4,
        stored_base: int = STORED_BASE,
        pass_frames: int = PASS_FRAMES,
    ) -> None:
        if base < 2 or factor < 2:
            raise ValueError("base and factor must be at least 2")
        #: block sizes made on demand (base, base·factor, ... below ``stored_base``)
        self.lazy_blocks: list[int] = []
        block = int(base)
        while block < stored_base:
            self.lazy_blocks.append(block)
            block *= factor
        self.stored_base = block  # the first level of the base·factor^i series kept
        self.source = source
        # sliced for raw ranges, as the parent slices its array (a file's RawReader reads the
        # slice from disk: it stands in for the array, shape and slices alike)
        self.samples = source.raw  # type: ignore[assignment]
        self.scale = float(source.scale)
        self.sample_rate = float(source.sample_rate)
        self.base = int(base)
        self.factor = int(factor)
        chunk = max(pass_frames // self.stored_base, 1) * self.stored_base
        mins_parts, maxs_parts = [], []
        for raw in source.blocks(chunk):
            low, high = _fold(raw, raw, self.stored_base)
            mins_parts.append(low)
            maxs_parts.append(high)
        dtype = source.raw_dtype
        mins = np.concatenate(mins_parts) if mins_parts else np.zeros(0, dtype)
        maxs = np.concatenate(maxs_parts) if maxs_parts else np.zeros(0, dtype)
        self.levels = coarser_levels(mins, maxs, self.stored_base, self.factor)

    def release(self) -> None:
        """Drop the reference to the source's samples (a mapped temporary decode must not
        outlive the recording through its pyramid); the stored levels still answer queries
        coarser than `stored_base`, finer ones then raise `source.SourceClosed`."""
        self.samples = self.source.raw  # type: ignore[assignment]  # as in __init__

    def query(self, start: float, end: float, max_blocks: int) -> EnvelopeSlice:
        """As `EnvelopePyramid.query`; a level finer than the kept ones is folded from the
        samples of the range (whole blocks, aligned as the full level's would be)."""
        max_blocks = max(int(max_blocks), 1)
        n = self.samples.shape[0]
        i0 = int(np.clip(np.floor(start * self.sample_rate), 0, n))
        i1 = int(np.clip(np.ceil(end * self.sample_rate), 0, n))
        if i1 > i0 and i1 - i0 > max_blocks:
            for block in self.lazy_blocks:
                b0, b1 = i0 // block, -(-i1 // block)
                if b1 - b0 <= max_blocks:
                    raw = self.source.read_raw(b0 * block, min(b1 * block, n))
                    mins, maxs = _fold(raw, raw, block)
                    times = np.arange(b0, b0 + mins.size) * (block / self.sample_rate)
                    return EnvelopeSlice(times, self._drawn(mins), self._drawn(maxs), block)
        return super().query(start, end, max_blocks)
