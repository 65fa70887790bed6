"""Codec round trips: GSM 06.10 (the telephone codec of many speech archives) and low-rate MP3
and Opus (podcasts, voice messages, web video).

A model trained only on clean 16 kHz audio hears the codec's pitch-synchronous artefacts (its
long-term predictor repeats the last pitch period, its coarse residual rings) as tonal, steady
partials: the 1024-point STFT front end resolves them well enough to call GSM speech "music".
Passing some training chunks through the real codec teaches the model what it sounds like.

The codec is Debian's ``libgsm1`` (a dependency of ffmpeg, which the recipe needs anyway), called
frame by frame through ctypes: about a millisecond per 4 s chunk, deterministic, and no
subprocess per chunk.

MP3 (LAME, 32–64 kbit/s) and Opus (libopus, 12–32 kbit/s) are the low-rate lossy codecs. At
these rates they smear transients, drop or coarsely code the highs (MP3 at 16 kHz cuts above
about 7 kHz) and leave pre-echo and spectral holes, which a model trained on clean audio hears as
new, unlabelled sounds.

MP3 is coded in-process where soundfile's libsndfile (1.1 or later, as in the soundfile wheels)
writes MP3: LAME encodes into memory at a constant bit rate and mpg123 decodes it, 40–50 ms per
4 s chunk. libsndfile chooses the bit rate from a "compression level" in [0, 1], mapped linearly
onto the MPEG version's range of rates (:func:`_mp3_compression_level` inverts that, and LAME
takes the nearest standard rate). Where LAME can fit its Info tag into the first frame (at
16 kHz from 40 kbit/s up; at 24 and 48 kHz only at 64 kbit/s) mpg123 reads the encoder delay and
padding from it and cuts them itself; otherwise the decoded audio starts late by LAME's delay
(1105 samples) and runs on to a whole frame. Which of the two happens depends only on the rate
and bit rate, so the delay is measured once per rate and bit rate on a probe signal, like the
ffmpeg path's below, and every round trip checks that its decoded length agrees with it.

Opus, and MP3 where libsndfile cannot write it, go through ffmpeg (a recipe dependency): an
encoder and a decoder process piped into each other (raw float32 in and out, so nothing is lost
but what the codec drops). Each ffmpeg process takes about a tenth of a second just to start, so
a round trip costs 0.25–0.3 s per 4 s chunk (on a busy two-core machine) and the recipe can send
only few chunks this way. The codecs' delay (MP3's encoder and decoder delay; Ogg Opus's
pre-skip, which ffmpeg already removes) is measured once per codec, rate and bit rate on a probe
signal and cut, so the output lines up with the input sample for sample and the chunk's labels
still fit.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import inspect
import io
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from functools import cache, lru_cache
from types import MappingProxyType
from typing import IO, NamedTuple

import numpy as np
import soundfile as sf
from scipy.signal import correlate, resample_poly

from segmenter.errors import SegmenterError

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


class CodecUnavailable(SegmenterError, RuntimeError):
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
    """Whether ``codec`` ("mp3", "opus"; None: both) can be coded here: MP3 in-process through
    soundfile's libsndfile or through ffmpeg's libmp3lame, Opus through ffmpeg's libopus."""
    names = LOSSY_CODECS if codec is None else (codec,)
    return all(
        (name == "mp3" and _soundfile_mp3()) or _FFMPEG_CODEC[name][0] in _ffmpeg_encoders()
        for name in names
    )


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


def _probe(seconds: float, rate: int) -> np.ndarray:
    """Seeded white noise at -20 dBFS RMS: its autocorrelation is a single sharp peak."""
    return 0.1 * np.random.default_rng(0).standard_normal(int(seconds * rate)).astype(np.float32)


def _probe_delay(coded: np.ndarray, probe: np.ndarray, what: str, rate: int) -> int:
    """The lag of the peak of the cross-correlation of ``probe`` with its round trip."""
    xc = correlate(coded.astype(np.float64), probe.astype(np.float64), mode="full", method="fft")
    lag = int(np.argmax(xc)) - (probe.size - 1)
    if not 0 <= lag <= _MAX_DELAY_S * rate:
        raise RuntimeError(f"{what}: implausible codec delay {lag} samples")
    return lag


@cache
def _delay(codec: str, kbps: int, rate: int) -> int:
    """The samples by which ffmpeg's ``codec`` at ``kbps`` delays its input: the lag of the peak
    of the cross-correlation of a seeded noise probe with its round trip (measured once per
    process, since it depends on the encoder's version and settings, not on the signal)."""
    probe = _probe(1.0, rate)
    coded = _ffmpeg_roundtrip(probe, codec, kbps, rate)
    return _probe_delay(coded, probe, f"{codec} at {kbps} kbit/s", rate)


@lru_cache(maxsize=1)
def _soundfile_mp3() -> bool:
    """Whether soundfile can code MP3 in-process at a chosen bit rate: libsndfile 1.1 or later
    built with LAME and mpg123, and soundfile 0.12 or later (``compression_level`` and
    ``bitrate_mode``)."""
    try:
        formats = sf.available_formats()
        options = inspect.signature(sf.write).parameters
    except (AttributeError, OSError, TypeError, ValueError):
        return False
    return "MP3" in formats and {"compression_level", "bitrate_mode"} <= options.keys()


def _mp3_compression_level(kbps: int, rate: int) -> float:
    """libsndfile's compression level for MP3 at ``kbps`` kbit/s and ``rate`` Hz.

    libsndfile sets LAME's constant bit rate to ``int(top - level * (top - bottom))`` over the
    MPEG version's range of rates (MPEG-1 from 32 kHz: 32–320; MPEG-2 from 16 kHz: 8–160;
    MPEG-2.5 below: 8–64) and LAME takes the nearest standard rate. Half a kbit/s above ``kbps``
    keeps the truncation from landing one below it; level 1 itself is refused."""
    top, bottom = (320, 32) if rate >= 32000 else (160, 8) if rate >= 16000 else (64, 8)
    kbps = min(max(kbps, bottom), top)
    return min(max((top - kbps - 0.5) / (top - bottom), 0.0), 1.0)


def _soundfile_mp3_encode(audio: np.ndarray, level: float, rate: int) -> bytes:
    """``audio`` (float32, mono) as a constant-bit-rate MP3 file, in memory."""
    buffer = io.BytesIO()
    sf.write(
        buffer, audio, rate, format="MP3", subtype="MPEG_LAYER_III",
        compression_level=level, bitrate_mode="CONSTANT",
    )  # fmt: skip
    return buffer.getvalue()


def _soundfile_mp3_decode(encoded: bytes) -> np.ndarray:
    """An MP3 file in memory decoded to float32, mono."""
    decoded, _ = sf.read(io.BytesIO(encoded), dtype="float32", always_2d=True)
    return np.ascontiguousarray(decoded[:, 0])


class _Mp3Setting(NamedTuple):
    """How soundfile codes MP3 at a requested bit rate and sample rate."""

    level: float
    """libsndfile's compression level for the bit rate."""
    delay: int
    """Samples by which the decoded audio lags the input: 0 where mpg123 cut LAME's delay
    and padding itself (it read them from LAME's Info tag), else LAME's delay."""
    kbps: float
    """The bit rate actually coded: a 4 s probe's encoded bytes (with the MP3 file's delay and
    padding frames and its Info tag) per second, in kbit/s."""


@cache
def _soundfile_mp3_setting(kbps: int, rate: int) -> _Mp3Setting:
    """The compression level for ``kbps``, the delay of the in-process round trip (the lag of
    the peak of the cross-correlation of a seeded noise probe with its round trip) and the bit
    rate measured from the probe's encoded size: once per process, bit rate and sample rate."""
    level = _mp3_compression_level(kbps, rate)
    probe = _probe(4.0, rate)
    encoded = _soundfile_mp3_encode(probe, level, rate)
    coded = _soundfile_mp3_decode(encoded)
    delay = _probe_delay(coded, probe, f"in-process mp3 at {kbps} kbit/s", rate)
    return _Mp3Setting(level, delay, len(encoded) * 8 / 1000 / (probe.size / rate))


def _soundfile_mp3_roundtrip(audio: np.ndarray, kbps: int, rate: int) -> np.ndarray:
    """``audio`` (float32) through MP3 in-process and back, its delay cut: at most its length.

    Raises RuntimeError where the decoded length does not fit the delay measured on the probe
    (the decoder cut the delay where it had not, or the other way round), rather than let the
    output slip against the input and its labels."""
    setting = _soundfile_mp3_setting(kbps, rate)
    decoded = _soundfile_mp3_decode(_soundfile_mp3_encode(audio, setting.level, rate))
    fits = decoded.size >= setting.delay + audio.size
    if setting.delay == 0:  # mpg123 cut LAME's delay and padding: exactly the input's length
        fits = decoded.size == audio.size
    if not fits:
        raise RuntimeError(
            f"in-process mp3 at {kbps} kbit/s decoded {decoded.size} samples of {audio.size}, "
            f"which does not fit the delay of {setting.delay} samples measured on the probe"
        )
    return decoded[setting.delay : setting.delay + audio.size]


def lossy_roundtrip(audio: np.ndarray, codec: str, kbps: int, rate: int = 16000) -> np.ndarray:
    """``audio`` (float, ±1 full scale, mono) through ``codec`` ("mp3" or "opus") at ``kbps``
    kbit/s and back: same length, aligned with the input (the codec's delay cut), float32,
    clipped to ±1 as a decoder writing 16-bit PCM would. Deterministic for the same input.

    MP3 is coded in-process by soundfile's libsndfile where it can write MP3, else by ffmpeg;
    Opus always by ffmpeg. Raises :class:`CodecUnavailable` when neither can code ``codec``."""
    if codec not in LOSSY_CODECS:
        raise ValueError(f"unknown lossy codec {codec!r}; known: {LOSSY_CODECS}")
    if rate not in _LOSSY_RATES:
        raise ValueError(f"lossy_roundtrip codes {_LOSSY_RATES} Hz audio, got {rate} Hz")
    if kbps <= 0:
        raise ValueError(f"bit rate must be positive, got {kbps} kbit/s")
    audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    if audio.size == 0:
        return audio.copy()
    if codec == "mp3" and _soundfile_mp3():
        decoded = _soundfile_mp3_roundtrip(audio, int(kbps), rate)
    else:
        delay = _delay(codec, int(kbps), rate)
        decoded = _ffmpeg_roundtrip(audio, codec, int(kbps), rate)[delay : delay + audio.size]
    out = np.zeros(audio.size, dtype=np.float32)
    out[: decoded.size] = decoded
    return np.clip(out, -1.0, 1.0)
