"""A long recording read range by range from its file instead of decoded whole into memory.

Why: ten hours at 16 kHz are 1.15 GB even as int16 (4.1 GB at 48 kHz as float32), while every
view only ever needs a stretch of it: the waveform draws from the min/max pyramid (built by
streaming the file once, `streamed_envelope`), the spectrogram reads the frames of the visible
range, the player the next block, "listen to components" the selection. So recordings whose
decoded samples would exceed `RESIDENT_BYTES` are opened as `FileSamples`; shorter ones are
still decoded whole (`samples.decode`): instant random access, nothing open on disk.

`FileSamples` reads exactly what `decode` would have produced for the same positions: the same
dtype choice (int16 for files of at most 16 bits, float32 otherwise), the same block-wise
channel mean rounded back to int16, the same NaN/Inf → 0 repair, so a view cannot tell them
apart. It keeps one libsndfile handle and a lock (the player reads on its audio thread while
the GUI thread reads for the spectrogram).

Formats that cannot seek, or whose seeking means decoding from far back (Ogg Vorbis/Opus and
MPEG: a bisection per seek, several milliseconds, and a spectrogram of a zoomed-out view seeks
hundreds of times), are decoded once, block by block, into a temporary file that is mapped
read-only (`annotator.evidence.mapped_arrays`): disk instead of memory, random access at
memory speed.

Both hold something of the system's (a libsndfile handle; a mapping of an unlinked temporary
file, which keeps its disk space until unmapped), so both have a `close` that the document
calls when the recording is left or the window closes, rather than leaving it to the garbage
collector: a corpus walked file after file must not pile up handles or hidden temporary
files. A closed source keeps its length and refuses reads with `SourceClosed`, one line
naming the file, so a late read (a view not yet told) fails clearly instead of crashing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from annotator.audio.samples import INT16_SCALE, INT16_SUBTYPES, Samples, decode
from annotator.core.audio_header import native_name
from annotator.core.errors import AnnotatorError

#: decoded sizes above this are read from the file on demand (about 35 minutes of 16 kHz int16)
RESIDENT_BYTES = 64 << 20
#: formats read on demand only after decoding them once to a mapped temporary file
SLOW_SEEK_FORMATS = frozenset({"OGG", "MPEG"})
#: frames per block of a pass over the whole file (channels mixed block by block)
PASS_BLOCK = 1 << 20


class SourceClosed(AnnotatorError, ValueError):
    """A read from a recording's samples after `close` (the recording was left)."""


def _closed_error(path: object) -> SourceClosed:
    return SourceClosed(f"{path}: audio is closed (the recording was closed); open it again")


class RawReader:
    """The stored values (int16 or float32, before ``scale``) of a `FileSamples` by slice: what
    `EnvelopePyramid` folds, so the on-demand file looks like the in-memory ``Samples.raw``."""

    def __init__(self, owner: FileSamples) -> None:
        self.owner = owner

    @property
    def shape(self) -> tuple[int]:
        return self.owner.shape

    @property
    def dtype(self) -> np.dtype:
        return self.owner.raw_dtype

    @property
    def ndim(self) -> int:
        return 1

    def __len__(self) -> int:
        return self.owner.size

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.owner.read_raw_key(key)


class FileSamples:
    """A mono signal read from ``path`` on demand; slices read as float32 like `Samples`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = soundfile.SoundFile(native_name(self.path))
        self._lock = threading.Lock()
        self.closed = False
        self.compact = self._file.subtype in INT16_SUBTYPES
        self.sample_rate = int(self._file.samplerate)
        self.channels = int(self._file.channels)
        self.frames = int(self._file.frames)
        self.scale = INT16_SCALE if self.compact else 1.0
        self.raw = RawReader(self)
        #: samples read so far (all callers): lets tests check that nothing reads the whole file
        self.samples_read = 0
        #: NaN/Inf samples (read as 0) met by `blocks` passes: after one, all of the file's
        self.repaired = 0

    # --- the array-like surface the views use --------------------------------------------------
    @property
    def raw_dtype(self) -> np.dtype:
        return np.dtype(np.int16 if self.compact else np.float32)

    @property
    def shape(self) -> tuple[int]:
        return (self.frames,)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def size(self) -> int:
        return self.frames

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    @property
    def nbytes(self) -> int:
        """Bytes of samples held in memory: none, they stay in the file."""
        return 0

    def __len__(self) -> int:
        return self.frames

    def __getitem__(self, key: Any) -> np.ndarray:
        return self._as_float(self.read_raw_key(key))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """The whole signal (a full decode: what this class exists to avoid; for callers that
        really want everything, such as a pre-labeler handed a waveform)."""
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)

    def to_float32(self) -> np.ndarray:
        return self[:]

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) as float32, clipped to the recording."""
        return self._as_float(self.read_raw(start, stop))

    def _as_float(self, raw: np.ndarray) -> np.ndarray:
        if not self.compact:
            return raw
        return np.multiply(raw, np.float32(self.scale), dtype=np.float32)

    # --- reading -------------------------------------------------------------------------------
    def read_raw_key(self, key: Any) -> np.ndarray:
        """Stored values for a slice (step allowed), an integer, or an integer index array."""
        if isinstance(key, slice):
            start, stop, step = key.indices(self.frames)
            if step == 1:
                return self.read_raw(start, stop)
            if step > 0:
                return self.read_raw(start, stop)[::step] if stop > start else self.read_raw(0, 0)
            return self.read_raw_key(np.arange(start, stop, step))
        if isinstance(key, (int, np.integer)):
            position = int(key) + (self.frames if key < 0 else 0)
            if not 0 <= position < self.frames:
                raise IndexError(f"index {key} out of range for {self.frames} samples")
            return self.read_raw(position, position + 1)[0]
        index = np.asarray(key)
        if index.dtype.kind not in "iu":
            raise TypeError(f"cannot index samples with {key!r}")
        if index.size == 0:
            return np.zeros(index.shape, dtype=self.raw_dtype)
        index = np.where(index < 0, index + self.frames, index)
        lo, hi = int(index.min()), int(index.max()) + 1
        if lo < 0 or hi > self.frames:
            raise IndexError(f"index out of range for {self.frames} samples")
        return self.read_raw(lo, hi)[index - lo]

    def read_raw(self, start: int, stop: int) -> np.ndarray:
        """Stored values of samples [start, stop), clipped to the recording."""
        start = min(max(int(start), 0), self.frames)
        stop = min(max(int(stop), start), self.frames)
        with self._lock:
            if self.closed:
                raise _closed_error(self.path)
            self._file.seek(start)
            out = self._read(stop - start)
        self.samples_read += out.shape[0]
        return out

    def _read(self, count: int) -> np.ndarray:
        """``count`` frames from the current position, mixed down and repaired (lock held)."""
        if count <= 0:
            return np.zeros(0, dtype=self.raw_dtype)
        return self._convert(self._file.read(count, dtype=self.raw_dtype.name, always_2d=True))

    def _convert(self, block: np.ndarray, count: bool = False) -> np.ndarray:
        """Frames × channels as decoded → mono stored values, exactly as `decode` makes them."""
        if self.channels == 1:
            out = np.ascontiguousarray(block[:, 0])
        else:  # as `samples._mix_down`: float mean, rounded back for 16-bit sources
            mixed = block.mean(axis=1, dtype=np.float32)
            out = np.round(mixed).astype(np.int16) if self.compact else mixed
        if not self.compact:
            bad = ~np.isfinite(out)
            if bad.any():
                out[bad] = 0.0
                if count:
                    self.repaired += int(bad.sum())
        return out

    def blocks(self, frames: int = PASS_BLOCK) -> Iterator[np.ndarray]:
        """Stored values of the whole file, ``frames`` at a time, in order: one sequential pass
        on a handle of its own (no seeking, so it also serves formats that cannot seek)."""
        if self.closed:
            raise _closed_error(self.path)
        with soundfile.SoundFile(native_name(self.path)) as f:
            dtype = self.raw_dtype.name
            for block in f.blocks(max(int(frames), 1), dtype=dtype, always_2d=True):
                out = self._convert(block, count=True)
                self.samples_read += out.shape[0]
                yield out

    def close(self) -> None:
        """Close the file handle (idempotent); later reads raise `SourceClosed`. Taken under
        the lock, so a read in progress on the player's thread finishes first."""
        with self._lock:
            self.closed = True
            self._file.close()


def decoded_bytes(info: Any) -> int:
    """Bytes the mono samples of ``soundfile.info(path)`` would take decoded (int16 or float32, see `samples`)."""
    per_sample = 2 if info.subtype in INT16_SUBTYPES else 4
    return int(info.frames) * per_sample


def open_samples(path: Path) -> tuple[Samples | FileSamples | MappedSamples, int]:
    """A recording's mono samples and rate: decoded into memory when short, read from the file
    on demand when long (decoded once into a mapped temporary file when its format seeks
    slowly). libsndfile errors propagate, as from `decode`."""
    info = soundfile.info(native_name(path))
    if decoded_bytes(info) <= RESIDENT_BYTES:
        return decode(path)
    if info.format in SLOW_SEEK_FORMATS or not _seekable(path):
        return decode_to_mapped(path), int(info.samplerate)
    return FileSamples(path), int(info.samplerate)


def in_memory(samples: object) -> bool:
    """Whether ``samples`` are decoded in memory (a whole-signal copy of them is cheap)."""
    return isinstance(samples, Samples) and not isinstance(samples, MappedSamples)


def _seekable(path: Path) -> bool:
    with soundfile.SoundFile(native_name(path)) as f:
        return bool(f.seekable())


class MappedSamples(Samples):
    """`Samples` whose stored values are a read-only mapping of a temporary file, with the
    surface `streamed_envelope.StreamedPyramid` streams from (as `FileSamples` has)."""

    def __init__(
        self, raw: np.ndarray, scale: float, sample_rate: int, repaired: int, path: object = ""
    ) -> None:
        super().__init__(raw, scale)
        self.sample_rate = int(sample_rate)
        self.repaired = int(repaired)
        self.path = path
        self.closed = False

    def close(self) -> bool:
        """Let go of the mapping (idempotent): the temporary file's disk space is freed now
        when nothing else still holds a view of it (then True), else with the last view; its
        pages leave this process's memory now either way. Later reads raise `SourceClosed`."""
        from annotator.evidence.mapped_arrays import release_mappings

        if self.closed:
            return True
        self.closed = True
        arrays = [self.raw]
        # ClosedArray stands in for the array: same shape and dtype, every read refused
        self.raw = ClosedArray(self.raw.shape, self.raw.dtype, self.path)  # type: ignore[assignment]
        return release_mappings(arrays)

    @property
    def raw_dtype(self) -> np.dtype:
        return self.raw.dtype

    def to_float32(self) -> np.ndarray:
        if self.closed:
            raise _closed_error(self.path)
        return super().to_float32()

    def read_raw(self, start: int, stop: int) -> np.ndarray:
        return self.raw[max(int(start), 0) : max(int(stop), 0)]

    def blocks(self, frames: int = PASS_BLOCK) -> Iterator[np.ndarray]:
        from annotator.evidence.mapped_arrays import column_blocks

        if self.closed:
            raise _closed_error(self.path)
        for _, block in column_blocks(self.raw[None, :], frames):
            yield block[0]


class ClosedArray:
    """What a closed `MappedSamples` keeps in place of its mapping: the shape and dtype (its
    length still answers), and every read refused with `SourceClosed`."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype, path: object) -> None:
        self.shape, self.dtype, self.path = tuple(shape), np.dtype(dtype), path
        self.ndim, self.nbytes = len(self.shape), 0

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        raise _closed_error(self.path)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        raise _closed_error(self.path)


def close_samples(samples: object) -> None:
    """Close a recording's samples when they hold a file or a mapping (in-memory ones hold
    nothing to close)."""
    if isinstance(samples, (FileSamples, MappedSamples)):
        samples.close()


#: what `streamed_envelope.StreamedPyramid` builds from: one pass of blocks, ranges on demand
Streamable = FileSamples | MappedSamples


def decode_to_mapped(path: Path) -> MappedSamples:
    """Decode ``path`` block by block into a temporary mapped file (unlinked at once on POSIX):
    samples that read like the in-memory ones, with the memory left to the page cache."""
    from annotator.evidence.mapped_arrays import time_major_file

    reader = FileSamples(path)
    try:
        rows = (block[None, :] for block in reader.blocks())
        raw = time_major_file(rows, 1, reader.raw_dtype)[0]
    finally:
        reader.close()
    return MappedSamples(raw, reader.scale, reader.sample_rate, reader.repaired, path)
