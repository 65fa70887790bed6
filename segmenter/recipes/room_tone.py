"""Real room tone: the quiet stretches of the training conversations, heard as an unlabelled floor.

A meeting room with nobody talking is not digital silence: fans, projectors and the building sit
at −40 … −50 dBFS on a distant microphone, often with steady partials. A model that has only
heard generated hiss, rumble and hum under nothing labels such a room *music* (measured on the
AMI clips: 20–24 s of a 30-s room tone). The training conversations hold minutes of exactly this
sound between their turns; taking it from them (never from the validation side) teaches the
model that a room is not a class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segmenter.recipes.bank import Clip
from segmenter.recipes.frames import SAMPLE_RATE

__all__ = ["MARGIN_S", "MIN_S", "draw", "quiet_runs", "room_tone_of"]

MARGIN_S = 0.5
"""How far a quiet stretch stays from any turn (annotated turn edges are loose)."""
MIN_S = 1.0
"""The shortest quiet stretch kept."""
CROSSFADE = 320
"""Samples of crossfade where two stretches are joined (20 ms: no click, no gap)."""


def quiet_runs(
    active: np.ndarray, margin_s: float = MARGIN_S, min_s: float = MIN_S, rate: int = SAMPLE_RATE
) -> list[tuple[int, int]]:
    """(start, end) sample runs at least ``min_s`` long and ``margin_s`` clear of ``active``."""
    margin, shortest = int(margin_s * rate), int(min_s * rate)
    talk = np.asarray(active, dtype=bool)
    if talk.any() and margin > 0:  # dilate the turns by the margin on both sides
        count = np.convolve(talk.astype(np.int32), np.ones(2 * margin + 1, np.int32), "same")
        talk = count > 0
    edges = np.diff(np.concatenate([[True], talk, [True]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= shortest]


def _join(pieces: Sequence[np.ndarray], fade: int = CROSSFADE) -> np.ndarray:
    """Pieces joined end to start with linear crossfades of ``fade`` samples."""
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    out = np.asarray(pieces[0], dtype=np.float32)
    for piece in pieces[1:]:
        piece = np.asarray(piece, dtype=np.float32)
        head = piece[:fade] * ramp + out[-fade:] * ramp[::-1]
        out = np.concatenate([out[:-fade], head, piece[fade:]])
    return out


def room_tone_of(clip: Clip) -> np.ndarray | None:
    """The clip's quiet stretches joined into one room tone; None when it has none."""
    runs = quiet_runs(clip.active)
    if not runs:
        return None
    return _join([clip.audio[s:e] for s, e in runs])


def draw(rng: np.random.Generator, tones: Sequence[np.ndarray], n: int) -> np.ndarray:
    """``n`` samples of one random room tone at unit RMS (a random window; a tone shorter than
    ``n`` is looped with crossfades)."""
    tone = tones[int(rng.integers(len(tones)))]
    while tone.size < n + CROSSFADE:
        tone = _join([tone, tone])
    start = int(rng.integers(0, tone.size - n + 1))
    window = tone[start : start + n].astype(np.float64)
    rms = float(np.sqrt(np.mean(window**2)))
    return (window / rms if rms > 0 else window).astype(np.float32)
