"""Codec round trips: GSM 06.10 (the telephone codec of many speech archives) and low-rate MP3
and Opus (podcasts, voice messages, web video).

A model trained only on clean 16 kHz audio hears the codec's pitch-synchronous artefacts (its
long-term predictor repeats the last pitch period, its coarse residual rings) as tonal, steady
partials: the 1024-point STFT front end resolves them well enough to call GSM speech "music".
Passing some training chunks through the real codec teaches the model what it sounds like.

The codec is Debian's ``libgsm1`` (a dependency of ffmpeg, which the recipe needs anyway), called
frame by frame through ctypes: about a millisecond per 4 s chunk, deterministic, and no
subprocess per chunk.

MP3 (libmp3lame, 32–64 kbit/s) and Opus (libopus, 12–32 kbit/s) go through ffmpeg, also a recipe
dependency: an encoder and a decoder process piped into each other (raw float32 in and out, so
nothing is lost but what the codec drops). At these rates the codecs smear transients, drop or
coarsely code the highs (MP3 at 16 kHz cuts above about 7 kHz) and leave pre-echo and spectral
holes, which a model trained on clean audio hears as new, unlabelled sounds. Each ffmpeg process
takes about a tenth of a second just to start, so a round trip costs 0.25–0.3 s per 4 s chunk
(on a busy two-core machine) and the recipe can send only few chunks this way. The codecs'
delay (MP3's encoder and decoder delay; Ogg Opus's pre-skip, which ffmpeg already removes) is
measured once per codec, rate and bit rate on a probe signal and cut, so the output lines up
with the input sample for sample and the chunk's labels still fit.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from functools import cache, lru_cache
from types import MappingProxyType
from typing import IO

import numpy as np
from scipy.signal import correlate, resample_poly

__all__ = [
    "CodecUnavailable",
    "gsm_available",
    "gsm_roundtrip",
    "LOSSY_CODECS",
    "LOSSY_KBPS",
    "lossy_available",
    "lossy_roundtrip",
]

FRAME = 160  # samples at 8 kHz per 20 ms GSM frame
FRAME_BYTES = 33


LOSSY_CODECS = ("mp3", "opus")
LOSSY_KBPS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {"mp3": (32, 40, 48, 56, 64), "opus": (12, 16, 20, 24, 32)}
)
"""The bit rates the recipe draws from: a few per codec, so only a few delays are measured."""
_FFMPEG_CODEC = MappingProxyType({"mp3": ("libmp3lame", "mp3"), "opus": ("libopus", "ogg")})
_LOSSY_RATES = (8000, 16000, 24000, 48000)  # rates both MP3 and Opus code natively
_TIMEOUT_S = 60.0
_MAX_DELAY_S = 0.25


class CodecUnavailable(RuntimeError):
    """A codec is not installed: libgsm (``apt-get install libgsm1``, or ffmpeg, which pulls it
    in), or ffmpeg or its libmp3lame / libopus encoder for the lossy round trips."""


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


@lru_cache(maxsize=1)
def _ffmpeg_encoders() -> frozenset[str]:
    """The audio encoders the ffmpeg on PATH offers (empty without ffmpeg)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        return frozenset()
    try:
        listing = subprocess.run(
            [exe, "-hide_banner", "-nostdin", "-encoders"],
            capture_output=True, text=True, timeout=_TIMEOUT_S, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    rows = (line.split() for line in listing.splitlines())
    return frozenset(row[1] for row in rows if len(row) > 1 and row[0].startswith("A"))


def lossy_available(codec: str | None = None) -> bool:
    """Whether ffmpeg and the encoder of ``codec`` ("mp3", "opus"; None: both) are here."""
    names = LOSSY_CODECS if codec is None else (codec,)
    return all(_FFMPEG_CODEC[name][0] in _ffmpeg_encoders() for name in names)


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write ``data`` and close: in a thread, so a full pipe cannot block the reader."""
    with contextlib.suppress(BrokenPipeError):  # the encoder failed; its exit status says why
        try:
            pipe.write(data)
        finally:
            pipe.close()


def _ffmpeg_roundtrip(audio: np.ndarray, codec: str, kbps: int, rate: int) -> np.ndarray:
    """``audio`` (float32) encoded and decoded by two piped ffmpeg processes, undelayed: the
    decoder's whole output, which starts late by the codec's delay and may run longer."""
    exe = shutil.which("ffmpeg")
    encoder_name, container = _FFMPEG_CODEC[codec]
    if exe is None or not lossy_available(codec):
        raise CodecUnavailable(
            f"{codec} round trips need ffmpeg with the {encoder_name} encoder "
            "(apt-get install ffmpeg)"
        )
    quiet = [exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1"]
    raw = ["-f", "f32le", "-ar", str(rate), "-ac", "1"]
    encode = [*quiet, *raw, "-i", "pipe:0", "-c:a", encoder_name, "-b:a", f"{kbps}k"]
    encode += ["-f", container, "pipe:1"]
    decode = [*quiet, "-f", container, "-i", "pipe:0", *raw, "pipe:1"]
    with tempfile.TemporaryFile() as encoder_log:
        encoder = subprocess.Popen(
            encode, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=encoder_log
        )
        assert encoder.stdin is not None and encoder.stdout is not None
        decoder = subprocess.Popen(
            decode, stdin=encoder.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        encoder.stdout.close()  # the decoder holds it now: it sees EOF when the encoder exits
        writer = threading.Thread(target=_feed, args=(encoder.stdin, audio.tobytes()))
        writer.start()
        try:
            decoded, decoder_log = decoder.communicate(timeout=_TIMEOUT_S)
            encoder.wait(timeout=_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            encoder.kill()
            decoder.kill()
            raise RuntimeError(f"ffmpeg's {codec} round trip hung for {_TIMEOUT_S:.0f} s") from None
        finally:
            writer.join()
        if encoder.returncode or decoder.returncode:
            encoder_log.seek(0)
            message = (encoder_log.read() + decoder_log).decode(errors="replace").strip()
            raise RuntimeError(f"ffmpeg's {codec} {kbps} kbit/s round trip failed: {message}")
    return np.frombuffer(decoded, dtype=np.float32)


@cache
def _delay(codec: str, kbps: int, rate: int) -> int:
    """The samples by which ``codec`` at ``kbps`` delays its input: the lag of the peak of the
    cross-correlation of a seeded noise probe with its round trip (measured once per process,
    since it depends on the encoder's version and settings, not on the signal)."""
    probe = 0.1 * np.random.default_rng(0).standard_normal(rate).astype(np.float32)
    coded = _ffmpeg_roundtrip(probe, codec, kbps, rate)
    xc = correlate(coded.astype(np.float64), probe.astype(np.float64), mode="full", method="fft")
    lag = int(np.argmax(xc)) - (probe.size - 1)
    if not 0 <= lag <= _MAX_DELAY_S * rate:
        raise RuntimeError(f"{codec} at {kbps} kbit/s: implausible codec delay {lag} samples")
    return lag


def lossy_roundtrip(audio: np.ndarray, codec: str, kbps: int, rate: int = 16000) -> np.ndarray:
    """``audio`` (float, ±1 full scale, mono) through ``codec`` ("mp3" or "opus") at ``kbps``
    kbit/s and back: same length, aligned with the input (the codec's delay cut), float32,
    clipped to ±1 as a decoder writing 16-bit PCM would. Deterministic for the same input.

    Raises :class:`CodecUnavailable` when ffmpeg or the codec's encoder is missing."""
    if codec not in LOSSY_CODECS:
        raise ValueError(f"unknown lossy codec {codec!r}; known: {LOSSY_CODECS}")
    if rate not in _LOSSY_RATES:
        raise ValueError(f"lossy_roundtrip codes {_LOSSY_RATES} Hz audio, got {rate} Hz")
    if kbps <= 0:
        raise ValueError(f"bit rate must be positive, got {kbps} kbit/s")
    audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    if audio.size == 0:
        return audio.copy()
    delay = _delay(codec, int(kbps), rate)
    decoded = _ffmpeg_roundtrip(audio, codec, int(kbps), rate)[delay : delay + audio.size]
    out = np.zeros(audio.size, dtype=np.float32)
    out[: decoded.size] = decoded
    return np.clip(out, -1.0, 1.0)
