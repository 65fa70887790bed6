"""Decoded audio kept compact: int16 in memory when the file holds no more than 16 bits.

Why: an hour at 16 kHz is 230 MB as float32 but 115 MB as int16, and most corpora are 16-bit
PCM, so float32 would only double the memory for no precision gained; reading int16 is also a
plain copy for libsndfile where float32 is a conversion per sample. Files with more than 16
bits (24-bit, float, lossy codecs, which decode to floats) stay float32, exactly as decoded.

`Samples` reads like a float32 array where the views need it: slicing returns float32 in
[-1, 1) (the player's callback, the spectrogram of the visible range), ``np.asarray`` gives the
whole signal as float32 (a pre-labeler that wants everything), and `raw`/`scale` let the
envelope pyramid fold the stored values without a float copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from annotator.core.audio_header import native_name

#: libsndfile subtypes whose decoded values fit int16 exactly (PCM up to 16 bits, companded
#: and ADPCM codes): kept as int16. Anything else (24/32-bit, float, lossy) stays float32.
INT16_SUBTYPES = frozenset(
    {
        "PCM_16", "PCM_S8", "PCM_U8", "ULAW", "ALAW", "IMA_ADPCM", "MS_ADPCM", "GSM610",
        "VOX_ADPCM", "G721_32", "G723_24", "G723_40", "DWVW_12", "DWVW_16", "DPCM_8",
        "DPCM_16", "NMS_ADPCM_16", "NMS_ADPCM_24", "NMS_ADPCM_32",
    }
)  # fmt: skip
INT16_SCALE = 1.0 / 32768.0
#: frames per block when mixing several channels down (bounds the float temporaries)
MIX_BLOCK = 1 << 20


class Samples:
    """A mono signal stored as int16 or float32 that reads as float32."""

    def __init__(self, raw: np.ndarray, scale: float = 1.0) -> None:
        raw = np.asarray(raw)
        if raw.ndim != 1:
            raise ValueError(f"samples must be mono (1-D), got shape {raw.shape}")
        if raw.dtype not in (np.int16, np.float32):
            raise ValueError(f"samples are stored as int16 or float32, got {raw.dtype}")
        self.raw = raw
        self.scale = float(scale)

    @classmethod
    def from_float(cls, samples: np.ndarray) -> Samples:
        return cls(np.ascontiguousarray(samples, dtype=np.float32))

    @property
    def shape(self) -> tuple[int]:
        return (int(self.raw.shape[0]),)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def size(self) -> int:
        return int(self.raw.shape[0])

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    @property
    def nbytes(self) -> int:
        """Bytes held in memory (the stored form, not the float32 it reads as)."""
        return int(self.raw.nbytes)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: Any) -> np.ndarray:
        return self._as_float(self.raw[key])

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = self.to_float32()
        return out if dtype is None else out.astype(dtype, copy=False)

    def to_float32(self) -> np.ndarray:
        """The whole signal as float32 (no copy when it is stored as float32)."""
        return self._as_float(self.raw)

    def _as_float(self, values: Any) -> Any:
        """float32 values: an array for an array, a scalar for a scalar (an integer key)."""
        if self.raw.dtype == np.float32 and self.scale == 1.0:
            return values if isinstance(values, np.ndarray) else np.float32(values)
        return np.multiply(values, np.float32(self.scale), dtype=np.float32)


def decode(path: Path) -> tuple[Samples, int]:
    """Decode ``path`` to compact mono samples and the sample rate; libsndfile errors propagate.

    Several channels are averaged block by block (never a whole-file float copy per channel);
    for 16-bit sources the mean is rounded back to int16, half a least significant bit at most.
    """
    with soundfile.SoundFile(native_name(path)) as f:
        compact = f.subtype in INT16_SUBTYPES
        rate = int(f.samplerate)
        if f.channels == 1:
            raw = f.read(dtype="int16" if compact else "float32", always_2d=True)[:, 0]
        else:
            raw = _mix_down(f, compact)
    raw = np.ascontiguousarray(raw)
    return Samples(raw, INT16_SCALE if compact else 1.0), rate


def _mix_down(f: soundfile.SoundFile, compact: bool) -> np.ndarray:
    parts = []
    while True:
        block = f.read(MIX_BLOCK, dtype="int16" if compact else "float32", always_2d=True)
        if block.shape[0] == 0:
            break
        mixed = block.mean(axis=1, dtype=np.float32)
        parts.append(np.round(mixed).astype(np.int16) if compact else mixed)
        if block.shape[0] < MIX_BLOCK:
            break
    dtype = np.int16 if compact else np.float32
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
