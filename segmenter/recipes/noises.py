"""Generated stationary noises: white, pink, brown and mains hum.

The recorded noise sources are short events (about 1.4 minutes in all), so steady backgrounds —
hiss, rumble, hum, the things a broadcast or a field recording carries for minutes — are
generated. They are "noise" wherever they are present. All take a ``numpy.random.Generator`` so a
seed reproduces them, and return unit-RMS float32 signals (the mixer sets the level).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

__all__ = ["KINDS", "EVENT_KINDS", "FLOOR_ONLY_KINDS", "generate"]

KINDS = ("white", "pink", "brown", "hum")
FLOOR_ONLY_KINDS = ("rumble",)
"""Steady backgrounds offered only as unlabelled floors (``--floor-kinds``), never as labelled
noise: a room's ventilation or traffic through a wall, energy almost all under a few hundred Hz.
Why: the bass-only music augmentation teaches that a spectrum empty above ~300 Hz is music, and
nothing in the stream said otherwise, so the quiet parts of AMI meeting rooms (ventilation
rumble at -45 dBFS, nothing above 1 kHz) were labelled music, as was low-passed white noise at
-60 dBFS (music posterior 0.95, shipped W2)."""
EVENT_KINDS = ("engine", "ticks", "siren", "wind")
"""Non-stationary generated noises (opt-in, ``--event-noises``): tonal or rhythmic sounds that
are not music — what the shipped model mistakes for music out of domain (engines, clocks,
alarms, wind). Kept out of the default stream so the shipped recipe stays reproducible."""


def _unit_rms(x: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(x**2)))
    return (x / rms if rms > 0 else x).astype(np.float32)


def _coloured(rng: np.random.Generator, n: int, exponent: float, rate: int) -> np.ndarray:
    """Gaussian noise with power spectrum ∝ 1/f^exponent above 20 Hz (flat below, no DC)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    shaping = np.maximum(freqs, 20.0) ** (-exponent / 2.0)
    shaping[0] = 0.0
    return np.fft.irfft(spectrum * shaping, n)


def _hum(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Mains hum: 50 or 60 Hz with random odd/even harmonics, a little jitter and hiss."""
    t = np.arange(n) / rate
    base = 50.0 if rng.random() < 0.5 else 60.0
    out = np.zeros(n)
    for harmonic in range(1, 9):
        amplitude = rng.uniform(0.1, 1.0) / harmonic
        out += amplitude * np.sin(2 * np.pi * base * harmonic * t + rng.uniform(0, 2 * np.pi))
    out /= np.sqrt(np.mean(out**2))
    return out + 10 ** (-30 / 20) * rng.standard_normal(n)


def _engine(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A motor: dense harmonics of a low, drifting firing rate, rough amplitude, some hiss."""
    steps = np.cumsum(rng.normal(0.0, 1.0, n // 800 + 2))
    f0 = rng.uniform(25.0, 120.0) * np.exp(0.15 * steps / max(1.0, np.abs(steps).max()))
    f0 = np.interp(np.arange(n), np.linspace(0, n, f0.size), f0)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    out = sum(rng.uniform(0.2, 1.0) / h * np.sin(h * phase) for h in range(1, 40))
    rough = 1.0 + 0.5 * np.sin(phase * rng.uniform(0.2, 0.5))
    return out * rough + 0.3 * _unit_rms(_coloured(rng, n, 1.0, rate))


def _ticks(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A clock or a ratchet: short resonant clicks at a steady rate, with faint room noise."""
    out = np.zeros(n)
    period = int(rate / rng.uniform(1.0, 12.0))
    decay = np.exp(-np.arange(int(0.02 * rate)) / (rng.uniform(0.001, 0.006) * rate))
    click = decay * np.sin(2 * np.pi * rng.uniform(800, 5000) * np.arange(decay.size) / rate)
    for start in range(int(rng.integers(period)), n - click.size, period):
        out[start : start + click.size] += click * rng.uniform(0.7, 1.0)
    return out + 0.02 * rng.standard_normal(n)


def _siren(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """An alarm or siren: one tone gliding up and down, with a few harmonics."""
    t = np.arange(n) / rate
    low = rng.uniform(400.0, 900.0)
    f = low + rng.uniform(200.0, 800.0) * (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 3) * t))
    phase = 2 * np.pi * np.cumsum(f) / rate
    return np.sin(phase) + 0.3 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)


def _wind(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Wind or traffic rumble: brown-ish noise with slow random gusts."""
    gust = np.interp(np.arange(n), np.linspace(0, n, 8), rng.uniform(0.2, 1.0, 8))
    return _coloured(rng, n, rng.uniform(1.5, 2.5), rate) * gust


def _rumble(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Ventilation or distant traffic: noise through a 4th-order low-pass at 50-400 Hz
    (log-uniform), with a faint pink hiss 30-50 dB down (a room is never empty above it)."""
    cutoff = float(np.exp(rng.uniform(np.log(50.0), np.log(400.0))))
    sos = butter(4, cutoff, "low", fs=rate, output="sos")
    low = _unit_rms(sosfilt(sos, rng.standard_normal(n)))
    hiss = _unit_rms(_coloured(rng, n, 1.0, rate)) * 10 ** (-rng.uniform(30.0, 50.0) / 20)
    return low + hiss


def generate(kind: str, n: int, rng: np.random.Generator, rate: int = 16000) -> np.ndarray:
    """``n`` samples of noise ``kind`` (one of :data:`KINDS`, :data:`EVENT_KINDS` or
    :data:`FLOOR_ONLY_KINDS`) at unit RMS."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    if kind == "white":
        return _unit_rms(rng.standard_normal(n))
    if kind == "pink":
        return _unit_rms(_coloured(rng, n, 1.0, rate))
    if kind == "brown":
        return _unit_rms(_coloured(rng, n, 2.0, rate))
    if kind == "hum":
        return _unit_rms(_hum(rng, n, rate))
    events = {
        "engine": _engine, "ticks": _ticks, "siren": _siren, "wind": _wind, "rumble": _rumble,
    }  # fmt: skip
    if kind in events:
        return _unit_rms(events[kind](rng, n, rate))
    raise ValueError(
        f"unknown noise kind {kind!r}; expected one of {KINDS + EVENT_KINDS + FLOOR_ONLY_KINDS}"
    )
