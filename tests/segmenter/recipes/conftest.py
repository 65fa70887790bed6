"""Synthetic sources for the recipe tests: every talker, track and effect is a pure tone.

Each source sits at its own frequency, so a test can recover where each one is audible from the
mixed chunk alone (band-pass envelope) and compare that with the labels the mixer claims — an
independent check, not a replay of the mixer's own bookkeeping.
"""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.recipes.bank import Clip, SourceBank

RATE = 16000
TALKER_HZ = {"ann": 500.0, "bob": 1100.0, "cid": 1900.0}
MUSIC_HZ = 3200.0
NOISE_HZ = 5600.0


def tone(hz: float, n: int, amplitude: float = 0.3) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * hz * np.arange(n) / RATE)).astype(np.float32)


def bursts(hz: float, pattern: list[tuple[float, float]], seconds: float) -> tuple[np.ndarray, ...]:
    """Tone bursts at (start, end) seconds; returns (audio, active mask)."""
    n = int(seconds * RATE)
    active = np.zeros(n, dtype=bool)
    for a, b in pattern:
        active[int(a * RATE) : int(b * RATE)] = True
    return np.where(active, tone(hz, n), 0.0).astype(np.float32), active


def make_bank(with_conversation: bool = False) -> SourceBank:
    clips = []
    patterns = [
        [(0.1, 0.7), (0.9, 1.6)],
        [(0.05, 1.2)],
        [(0.2, 0.5), (0.7, 0.9), (1.1, 2.2)],
    ]
    for speaker, hz in TALKER_HZ.items():
        for k, pattern in enumerate(patterns):
            audio, active = bursts(hz, pattern, pattern[-1][1] + 0.15)
            clips.append(Clip(f"{speaker}/{k}", "speech", audio, active, frozenset({speaker})))
    for k in range(2):
        n = 12 * RATE
        clips.append(Clip(f"music/{k}", "music", tone(MUSIC_HZ, n), np.ones(n, dtype=bool)))
    for k, pattern in enumerate([[(0.0, 0.3)], [(0.1, 0.25), (0.4, 0.8)]]):
        audio, active = bursts(NOISE_HZ, pattern, pattern[-1][1] + 0.1)
        clips.append(Clip(f"noise/{k}", "noise", audio, active))
    if with_conversation:
        a, a_on = bursts(700.0, [(0.5, 3.0), (5.0, 8.0)], 10.0)
        b, b_on = bursts(2500.0, [(2.0, 4.0), (7.5, 9.5)], 10.0)
        clips.append(
            Clip("conv/0", "conversation", a + b, a_on | b_on, frozenset({"x", "y"}), a_on & b_on)
        )
    return SourceBank.from_clips(clips)


@pytest.fixture
def bank() -> SourceBank:
    return make_bank()


@pytest.fixture
def bank_with_conversation() -> SourceBank:
    return make_bank(with_conversation=True)
