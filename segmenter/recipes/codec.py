"""GSM 06.10 full-rate round trip: the telephone codec of many speech archives.

A model trained only on clean 16 kHz audio hears the codec's pitch-synchronous artefacts (its
long-term predictor repeats the last pitch period, its coarse residual rings) as tonal, steady
partials: the 1024-point STFT front end resolves them well enough to call GSM speech "music".
Passing some training chunks through the real codec teaches the model what it sounds like.

The codec is Debian's ``libgsm1`` (a dependency of ffmpeg, which the recipe needs anyway), called
frame by frame through ctypes: about a millisecond per 4 s chunk, deterministic, and no
subprocess per chunk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

import numpy as np
from scipy.signal import resample_poly

__all__ = ["CodecUnavailable", "gsm_available", "gsm_roundtrip"]

FRAME = 160  # samples at 8 kHz per 20 ms GSM frame
FRAME_BYTES = 33


class CodecUnavailable(RuntimeError):
    """libgsm is not installed (``apt-get install libgsm1``, or ffmpeg, which pulls it in)."""


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("gsm") or "libgsm.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.gsm_create.restype = ctypes.c_void_p
    lib.gsm_destroy.argtypes = [ctypes.c_void_p]
    lib.gsm_encode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.gsm_decode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.gsm_decode.restype = ctypes.c_int
    return lib


def gsm_available() -> bool:
    """Whether libgsm can be loaded here."""
    return _library() is not None


def gsm_roundtrip(audio: np.ndarray, rate: int = 16000) -> np.ndarray:
    """``audio`` (float, ±1 full scale, at ``rate`` = 16 kHz) down to 8 kHz, GSM-encoded,
    decoded and back up to ``rate``: same length, float32."""
    lib = _library()
    if lib is None:
        raise CodecUnavailable("libgsm (libgsm.so.1) not found: apt-get install libgsm1")
    if rate != 16000:
        raise ValueError(f"gsm_roundtrip expects 16 kHz audio, got {rate} Hz")
    audio = np.asarray(audio, dtype=np.float64)
    narrow = resample_poly(audio, 1, 2)
    frames = -(-narrow.size // FRAME)
    pcm = np.zeros(frames * FRAME, dtype=np.int16)
    pcm[: narrow.size] = np.clip(np.round(narrow * 32768.0), -32768, 32767)
    decoded = np.zeros_like(pcm)
    packet = ctypes.create_string_buffer(FRAME_BYTES)
    encoder, decoder = lib.gsm_create(), lib.gsm_create()
    try:
        for start in range(0, pcm.size, FRAME):
            lib.gsm_encode(encoder, pcm[start:].ctypes.data, packet)
            if lib.gsm_decode(decoder, packet, decoded[start:].ctypes.data) != 0:
                raise RuntimeError("libgsm could not decode a frame it had just encoded")
    finally:
        lib.gsm_destroy(encoder)
        lib.gsm_destroy(decoder)
    wide = resample_poly(decoded.astype(np.float64) / 32768.0, 2, 1)
    out = np.zeros(audio.size, dtype=np.float32)
    out[: min(audio.size, wide.size)] = wide[: audio.size]
    return out
