"""Generated stationary noises: white, pink, brown and mains hum.

The recorded noise sources are short events (about 1.4 minutes in all), so steady backgrounds —
hiss, rumble, hum, the things a broadcast or a field recording carries for minutes — are
generated. They are "noise" wherever they are present. All take a ``numpy.random.Generator`` so a
seed reproduces them, and return unit-RMS float32 signals (the mixer sets the level).
"""

from __future__ import annotations

import numpy as np

__all__ = ["KINDS", "generate"]

KINDS = ("white", "pink", "brown", "hum")


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


def generate(kind: str, n: int, rng: np.random.Generator, rate: int = 16000) -> np.ndarray:
    """``n`` samples of noise ``kind`` (one of :data:`KINDS`) at unit RMS."""
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
    raise ValueError(f"unknown noise kind {kind!r}; expected one of {KINDS}")
