"""Where a clean recording is active: an energy detector with hysteresis at 20 ms frames.

This is the label of the clean sources (prompts, music tracks, sound effects): a studio prompt
has near-silent pauses, and those pauses are *not* speech. The detector is deliberately simple so
the label is a documented function of the audio:

1. frame energy in dB over non-overlapping 20 ms frames (320 samples at 16 kHz);
2. reference level = the 95th percentile of frame energies (robust to a single click);
3. a frame switches *on* above ``ref - on_below_ref_db`` and stays on until it falls below
   ``ref - off_below_ref_db`` (hysteresis: a word's quiet tail stays in, a pause goes out), never
   counting anything below ``floor_db`` (digital near-silence) as active;
4. gaps shorter than ``min_gap_s`` are filled (stop closures inside a word are not pauses), then
   runs shorter than ``min_active_s`` are dropped (lone clicks in a pause are not speech).

The frames are non-overlapping blocks, so :func:`to_samples` turns them into an exact
sample-level mask that the mixer then maps onto any output frame grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ActivityParams", "SPEECH", "MUSIC", "NOISE", "frame_activity", "activity", "runs"]

FRAME = 320  # 20 ms at 16 kHz


@dataclass(frozen=True)
class ActivityParams:
    """Thresholds of the detector (dB relative to the clip's reference level unless noted)."""

    on_below_ref_db: float = 30.0
    off_below_ref_db: float = 40.0
    floor_db: float = -70.0  # absolute dBFS: below this nothing is active
    min_gap_s: float = 0.12
    min_active_s: float = 0.06


SPEECH = ActivityParams()
"""Prompts: pauses of 120 ms or more inside a prompt are labelled non-speech."""

MUSIC = ActivityParams(on_below_ref_db=40.0, off_below_ref_db=50.0, min_gap_s=0.3)
"""Music: quiet passages stay music; only true silence (track ends, breaks ≥ 0.3 s) is off."""

NOISE = ActivityParams(on_below_ref_db=35.0, off_below_ref_db=45.0, min_gap_s=0.1)
"""Sound effects: the event and its audible decay, not the silence around it."""


def frame_energy_db(audio: np.ndarray, frame: int = FRAME) -> np.ndarray:
    """Mean-square energy in dB of each whole ``frame``-sample block (a partial tail is a block)."""
    n = int(np.ceil(audio.size / frame))
    padded = np.zeros(n * frame, dtype=np.float64)
    padded[: audio.size] = audio
    power = np.mean(padded.reshape(n, frame) ** 2, axis=1)
    return 10.0 * np.log10(power + 1e-12)


def _fill_short(mask: np.ndarray, value: bool, shortest: int) -> np.ndarray:
    """Flip interior runs of ``value`` shorter than ``shortest`` frames to ``not value``."""
    out = mask.copy()
    for start, end in runs(mask == value):
        interior = value or (start > 0 and end < mask.size)  # pauses at the edges are not gaps
        if end - start < shortest and interior:
            out[start:end] = not value
    return out


def frame_activity(
    audio: np.ndarray, params: ActivityParams = SPEECH, frame: int = FRAME, rate: int = 16000
) -> np.ndarray:
    """Boolean activity per ``frame``-sample block of ``audio`` (see the module docstring)."""
    energy = frame_energy_db(np.asarray(audio, dtype=np.float64), frame)
    if energy.size == 0:
        return np.zeros(0, dtype=bool)
    ref = float(np.percentile(energy, 95))
    on = max(ref - params.on_below_ref_db, params.floor_db)
    off = max(ref - params.off_below_ref_db, params.floor_db)
    active = np.zeros(energy.size, dtype=bool)
    state = False
    for i, level in enumerate(energy):
        state = level > on if not state else level > off
        active[i] = state
    seconds_per_frame = frame / rate
    active = _fill_short(active, False, int(round(params.min_gap_s / seconds_per_frame)))
    return _fill_short(active, True, int(round(params.min_active_s / seconds_per_frame)))


def to_samples(frames: np.ndarray, n_samples: int, frame: int = FRAME) -> np.ndarray:
    """Sample-level mask of length ``n_samples`` from per-block activity."""
    return np.repeat(np.asarray(frames, dtype=bool), frame)[:n_samples]


def activity(audio: np.ndarray, params: ActivityParams = SPEECH, frame: int = FRAME) -> np.ndarray:
    """Sample-level activity mask of ``audio`` (same length)."""
    return to_samples(frame_activity(audio, params, frame), audio.size, frame)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` index runs where ``mask`` is True."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
