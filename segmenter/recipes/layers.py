"""Layers of a chunk: one speech, music or noise track of exactly ``n`` samples with its masks.

A chunk is a sum of layers, and every layer carries sample-level masks of what it puts there, so
the chunk's labels are the union of its layers' masks (overlap: where two talkers' masks meet).
The builders only choose *what* goes where; levels are set by the mixer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import soxr
from scipy.signal import butter, sosfilt

from segmenter.recipes import noises
from segmenter.recipes.activity import frame_energy_db, to_samples
from segmenter.recipes.bank import Clip

__all__ = [
    "Layer",
    "fade_edges",
    "sequence",
    "window",
    "partial_span",
    "lowpass",
    "speed",
    "stationary_noise",
]

RATE = 16000


@dataclass
class Layer:
    """Audio of one track plus where it is active; ``overlap`` only for conversations."""

    audio: np.ndarray
    active: np.ndarray
    speakers: frozenset[str] = frozenset()
    overlap: np.ndarray | None = None
    parts: list[str] = field(default_factory=list)

    def scaled(self, gain: float) -> Layer:
        return Layer(
            self.audio * np.float32(gain), self.active, self.speakers, self.overlap, self.parts
        )


def fade_edges(audio: np.ndarray, fade: int) -> np.ndarray:
    """Short raised-cosine fades at both ends of a cut piece, so cuts do not click.

    A click at a cut would be a sound the labels do not describe; 5 ms is far shorter than a
    frame, so it does not move a label.
    """
    n = min(fade, audio.size // 2)
    if n <= 0:
        return audio
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n, endpoint=False))).astype(np.float32)
    out = audio.copy()
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def _rms_active(clip: Clip, cache: dict[str, float]) -> float:
    """RMS over the clip's active samples (cached by id): the level a listener hears."""
    if clip.id not in cache:
        x = clip.audio[clip.active] if clip.active.any() else clip.audio
        cache[clip.id] = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) or 1.0
    return cache[clip.id]


def sequence(
    rng: np.random.Generator,
    clips: list[Clip],
    n: int,
    gap_s: tuple[float, float],
    rms_cache: dict[str, float],
    *,
    jitter_db: float = 2.0,
    fade: int = 80,
    start_inside: bool | None = None,
    whole: bool = False,
) -> Layer:
    """Clips drawn at random and laid end to end with random gaps, cut to ``n`` samples.

    Each clip is brought to unit active RMS (± ``jitter_db``) so one talker keeps a steady level.
    The chunk starts inside a clip (the talker is already speaking) when ``start_inside`` is
    True, after a gap of up to one second when False, either way at random when None. With
    ``whole`` only clips that fit entirely are laid (a demo should not cut a prompt mid-word).
    """
    audio = np.zeros(n, dtype=np.float32)
    active = np.zeros(n, dtype=bool)
    parts: list[str] = []
    speakers: set[str] = set()
    if start_inside is None:
        start_inside = bool(rng.random() < 0.5) and not whole
    pos = 0 if start_inside else int(rng.integers(0, RATE))
    first = start_inside
    while pos < n:
        pool = [c for c in clips if c.audio.size <= n - pos] if whole else clips
        if not pool:
            break
        clip = pool[int(rng.integers(len(pool)))]
        start = int(rng.integers(0, clip.audio.size)) if first else 0
        first = False
        take = min(clip.audio.size - start, n - pos)
        gain = 10 ** (rng.uniform(-jitter_db, jitter_db) / 20) / _rms_active(clip, rms_cache)
        piece = clip.audio[start : start + take] * np.float32(gain)
        audio[pos : pos + take] = fade_edges(piece, fade)
        active[pos : pos + take] = clip.active[start : start + take]
        parts.append(clip.id)
        speakers |= clip.speakers
        pos += take + int(rng.uniform(*gap_s) * RATE)
    return Layer(audio, active, frozenset(speakers), None, parts)


def window(rng: np.random.Generator, clip: Clip, n: int, fade: int = 80) -> Layer:
    """A random ``n``-sample stretch of one long clip (music, a conversation, a long effect).

    A clip shorter than ``n`` is placed at a random position with silence around it.
    """
    audio = np.zeros(n, dtype=np.float32)
    active = np.zeros(n, dtype=bool)
    overlap = None if clip.overlap is None else np.zeros(n, dtype=bool)
    if clip.audio.size >= n:
        src, dst, take = int(rng.integers(0, clip.audio.size - n + 1)), 0, n
    else:
        src, dst, take = 0, int(rng.integers(0, n - clip.audio.size + 1)), clip.audio.size
    audio[dst : dst + take] = fade_edges(clip.audio[src : src + take], fade)
    active[dst : dst + take] = clip.active[src : src + take]
    if overlap is not None and clip.overlap is not None:
        overlap[dst : dst + take] = clip.overlap[src : src + take]
    return Layer(audio, active, clip.speakers, overlap, [clip.id])


def partial_span(rng: np.random.Generator, layer: Layer, fade: int = 320) -> Layer:
    """Keep the layer only before or after a random point (a jingle ends, a noise starts).

    The cut gets a 20 ms fade; the layer's masks are cut at the same point, so samples where the
    fade is still audible keep their label.
    """
    n = layer.audio.size
    cut = int(rng.integers(n // 8, n - n // 8))
    keep = np.zeros(n, dtype=bool)
    if rng.random() < 0.5:
        keep[cut:] = True
    else:
        keep[:cut] = True
    audio = np.where(keep, layer.audio, 0.0).astype(np.float32)
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade, endpoint=False))).astype(np.float32)
    if keep[-1] and cut + fade <= n:
        audio[cut : cut + fade] *= ramp
    elif keep[0] and cut - fade >= 0:
        audio[cut - fade : cut] *= ramp[::-1]
    overlap = None if layer.overlap is None else layer.overlap & keep
    return Layer(audio, layer.active & keep, layer.speakers, overlap, layer.parts)


def lowpass(
    rng: np.random.Generator,
    layer: Layer,
    cutoff_hz: tuple[float, float],
    audible_below_ref_db: float = 40.0,
    order: int = 4,
) -> Layer:
    """The layer through a low-pass at a log-uniform cutoff: bass-only or muffled music.

    Music under speech is often only its bass line (a mix ducked for a voice-over, a band heard
    through a wall). Its label stays exact: a frame stays active only where the filtered track is
    still within ``audible_below_ref_db`` of the *unfiltered* track's reference level (the 95th
    percentile of its frame energies, as :mod:`.activity` uses), so a flute solo with nothing
    left below the cutoff is no longer labelled.
    """
    low, high = cutoff_hz
    cutoff = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    sos = butter(order, cutoff, btype="lowpass", fs=RATE, output="sos")
    audio = sosfilt(sos, layer.audio.astype(np.float64)).astype(np.float32)
    before = frame_energy_db(layer.audio)
    on = _blocks_on(layer.active, before.size)
    reference = float(np.percentile(before[on] if on.any() else before, 95))
    audible = to_samples(frame_energy_db(audio) >= reference - audible_below_ref_db, audio.size)
    parts = [*layer.parts, f"lowpass/{cutoff:.0f}Hz"]
    return Layer(audio, layer.active & audible, layer.speakers, layer.overlap, parts)


def speed(layer: Layer, factor: float, n: int) -> Layer:
    """The layer played ``factor`` times faster (pitch up as on a tape), cut to ``n`` samples.

    The recorded noise events are about a minute in all; replaying them at other speeds makes
    a bank of new, physically plausible sounds (a bigger door, a faster engine) without any new
    source. ``layer`` must hold at least ``ceil(n · factor)`` samples; the mask is carried over
    sample by sample, so the labels stay exact.
    """
    need = int(np.ceil(n * factor))
    if layer.audio.size < need:
        raise ValueError(
            f"speed {factor:.3f} needs {need} samples, the layer has {layer.audio.size}"
        )
    played = soxr.resample(layer.audio[:need].astype(np.float64), RATE * factor, RATE)
    audio = np.zeros(n, dtype=np.float32)
    audio[: min(n, played.size)] = played[:n]
    source = np.minimum((np.arange(n) * factor).astype(np.int64), need - 1)
    parts = [*layer.parts, f"speed/{factor:.2f}"]
    return Layer(audio, layer.active[source], layer.speakers, None, parts)


def _blocks_on(mask: np.ndarray, count: int, frame: int = 320) -> np.ndarray:
    """Per-block "any sample on" of a sample mask, ``count`` blocks of ``frame`` samples."""
    padded = np.zeros(count * frame, dtype=bool)
    padded[: mask.size] = mask
    return padded.reshape(count, frame).any(axis=1)


def stationary_noise(
    rng: np.random.Generator, n: int, kinds: tuple[str, ...] = noises.KINDS
) -> Layer:
    """A generated noise of one of ``kinds`` (default: white, pink, brown or hum) over the chunk."""
    kind = kinds[int(rng.integers(len(kinds)))]
    return Layer(noises.generate(kind, n, rng, RATE), np.ones(n, dtype=bool), parts=[f"gen/{kind}"])
