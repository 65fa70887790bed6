"""Decode recordings to what the segmenter reads: mono float32 at 16 kHz.

Everything soundfile (libsndfile) reads is accepted: WAV/RF64/W64, FLAC, OGG/Vorbis/Opus, MP3,
AIFF, CAF, NIST SPHERE, ... Channels are averaged (a plain downmix, so a dual-mono file stays
unchanged) and the rate is converted with soxr's high-quality resampler, never by decimation.

Decisions worth knowing:

* Non-finite samples (NaN, ±Inf, which float WAVs can hold) are replaced by 0 with an
  :class:`AudioWarning` naming the file and the count, instead of failing: one corrupt sample in a
  ten-hour recording should not make the file unusable, and NaN would otherwise spread through the
  resampler and the whole network.
* A non-empty file always decodes to at least one sample, even when resampling a 1-sample file
  would round to zero samples; an empty file is an :class:`AudioError`.
* :func:`stream_audio` decodes and resamples block by block with ``soxr.ResampleStream``; the
  concatenated blocks equal :func:`load_audio`'s output sample for sample, so whole-file and
  streamed processing agree.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from segmenter.errors import AudioError

__all__ = [
    "SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "MAX_SAMPLE_RATE",
    "AudioInfo",
    "AudioWarning",
    "audio_info",
    "load_audio",
    "stream_audio",
    "resample",
    "to_mono",
]

SAMPLE_RATE = 16000
"""The rate every model of this package works at."""

MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1_000, 768_000
"""Rates a recording may have. A header that says 1 Hz would be resampled x16000 (minutes of
work and hours of audio from a 32 KB file); no real recording lies outside. annotator's
``annotator.core.audio_header`` holds the same bounds (this package may not import it)."""


class AudioWarning(UserWarning):
    """Something in a recording was repaired on the fly (e.g. NaN samples set to zero)."""


@dataclass(frozen=True)
class AudioInfo:
    """What a recording holds, read from its header without decoding the samples."""

    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        """Length in seconds at the file's own rate."""
        return self.frames / self.sample_rate if self.sample_rate > 0 else 0.0


def _native_name(p: Path) -> str | bytes:
    """The name to hand libsndfile: on POSIX the file's own bytes.

    A name that is not valid UTF-8 reaches Python with lone surrogates standing for its bytes;
    soundfile encodes a ``str`` strictly and refused such a file as unreadable, although
    libsndfile opens it given the bytes. (``annotator.core.audio_header`` does the same.)"""
    return os.fsencode(p) if os.name == "posix" else str(p)


def _open(path: str | Path) -> sf.SoundFile:
    """Open a recording for reading, turning every failure into one clear AudioError line."""
    p = Path(path)
    if not p.exists():
        raise AudioError(f"{p}: file not found")
    if p.is_dir():
        raise AudioError(f"{p}: is a directory, not an audio file")
    if not p.is_file():  # a FIFO, socket or device: opening a FIFO would block for ever
        raise AudioError(f"{p}: not a regular file (a FIFO, socket or device?); not opened")
    try:
        handle = sf.SoundFile(_native_name(p), mode="r")
    except (sf.LibsndfileError, sf.SoundFileError, RuntimeError) as exc:
        detail = str(exc).split(":")[-1].strip() or type(exc).__name__
        raise AudioError(f"{p}: not a readable audio file ({detail})") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise AudioError(f"{p}: cannot open audio file ({exc})") from exc
    try:
        _validate(p, handle)
    except AudioError:
        handle.close()
        raise
    return handle


def _validate(p: Path, handle: sf.SoundFile) -> None:
    if handle.channels < 1:
        raise AudioError(f"{p}: audio file has no channels")
    if handle.samplerate <= 0:
        raise AudioError(f"{p}: audio file has an invalid sample rate ({handle.samplerate})")
    if not MIN_SAMPLE_RATE <= handle.samplerate <= MAX_SAMPLE_RATE:
        raise AudioError(
            f"{p}: sample rate {handle.samplerate} Hz is out of the accepted range "
            f"({MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)"
        )
    if handle.frames == 0:
        raise AudioError(f"{p}: audio file contains no samples")


def audio_info(path: str | Path) -> AudioInfo:
    """Describe a recording (rate, channels, length, format) without decoding it."""
    with _open(path) as handle:
        return AudioInfo(
            path=Path(path),
            sample_rate=int(handle.samplerate),
            channels=int(handle.channels),
            frames=int(handle.frames),
            format=str(handle.format),
            subtype=str(handle.subtype),
        )


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average channels of a (frames, channels) or (frames,) array into float32 (frames,)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0]
    elif x.ndim != 1:
        raise ValueError(f"expected (frames,) or (frames, channels) samples, got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


def resample(samples: np.ndarray, in_rate: float, out_rate: float) -> np.ndarray:
    """Resample mono float32 samples with soxr (HQ); a no-op when the rates are equal."""
    x = np.ascontiguousarray(samples, dtype=np.float32)
    if in_rate == out_rate or x.size == 0:
        return x
    y = soxr.resample(x, in_rate, out_rate, quality="HQ")
    if y.size == 0:  # shorter than one output period: keep the file non-empty
        y = np.array([x.mean()], dtype=np.float32)
    return np.ascontiguousarray(y, dtype=np.float32)


def _sanitise(x: np.ndarray, p: Path, already_warned: bool = False) -> tuple[np.ndarray, bool]:
    """Zero non-finite samples (in place when possible); returns (samples, warned)."""
    bad = ~np.isfinite(x)
    count = int(bad.sum())
    if count:
        x = x.copy() if not x.flags.writeable else x
        x[bad] = 0.0
        if not already_warned:
            warnings.warn(
                f"{p}: {count} non-finite sample(s) (NaN/Inf) replaced by 0",
                AudioWarning,
                stacklevel=3,
            )
            already_warned = True
    return x, already_warned


def load_audio(
    path: str | Path,
    sample_rate: int = SAMPLE_RATE,
    *,
    offset: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Decode a recording (or a region of it) to mono float32 at ``sample_rate``.

    ``offset`` and ``duration`` are in seconds and select a region without decoding the rest of
    the file, which is what training-data loaders need for random 4 s chunks of long recordings.
    Returns a 1-D array; raises :class:`AudioError` with one line naming the file on failure.
    """
    p = Path(path)
    if offset < 0 or (duration is not None and duration < 0):
        raise ValueError(f"{p}: offset and duration must be non-negative")
    with _open(p) as handle:
        rate = handle.samplerate
        start = int(round(offset * rate))
        if start >= handle.frames:
            raise AudioError(f"{p}: offset {offset:.3f} s is past the end of the file")
        stop = None if duration is None else min(handle.frames, start + int(round(duration * rate)))
        try:
            handle.seek(start)
            count = -1 if stop is None else stop - start
            raw = handle.read(frames=count, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, sf.SoundFileError, RuntimeError) as exc:
            raise AudioError(f"{p}: decoding failed ({exc})") from exc
    mono = to_mono(raw)
    if mono.size == 0:
        raise AudioError(f"{p}: audio file contains no samples")
    mono, _ = _sanitise(mono, p)
    return resample(mono, rate, sample_rate)


def stream_audio(
    path: str | Path, block_seconds: float = 30.0, sample_rate: int = SAMPLE_RATE
) -> Iterator[np.ndarray]:
    """Yield consecutive mono float32 blocks at ``sample_rate`` without loading the whole file.

    Each block holds about ``block_seconds`` of output (the last may be shorter; a block can be
    empty only in the rare case of resampler latency, and empty blocks are skipped). Memory stays
    bounded by one block, so a ten-hour recording streams in constant memory. Concatenated, the
    blocks equal :func:`load_audio` of the same file.
    """
    p = Path(path)
    if block_seconds <= 0:
        raise ValueError("block_seconds must be positive")
    with _open(p) as handle:
        rate = handle.samplerate
        block_frames = max(1, int(round(block_seconds * rate)))
        stream = (
            None
            if rate == sample_rate
            else soxr.ResampleStream(rate, sample_rate, 1, dtype="float32", quality="HQ")
        )
        warned = False
        read_total = 0
        emitted = 0
        last_mean = 0.0
        while True:
            try:
                raw = handle.read(frames=block_frames, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, sf.SoundFileError, RuntimeError) as exc:
                raise AudioError(f"{p}: decoding failed ({exc})") from exc
            if raw.shape[0] == 0:
                break
            mono, warned = _sanitise(to_mono(raw), p, warned)
            read_total += mono.size
            last_mean = float(mono.mean())
            out = mono if stream is None else stream.resample_chunk(mono, last=False)
            if out.size:
                emitted += out.size
                yield np.ascontiguousarray(out, dtype=np.float32)
        if read_total == 0:
            raise AudioError(f"{p}: audio file contains no samples")
        if stream is not None:
            tail = stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if tail.size:
                emitted += tail.size
                yield np.ascontiguousarray(tail, dtype=np.float32)
        if emitted == 0:  # same rule as resample(): a non-empty file yields at least one sample
            yield np.array([last_mean], dtype=np.float32)
