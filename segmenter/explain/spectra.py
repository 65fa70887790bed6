"""What a component sounds like on paper: its spectrum (a column of W) and a short description.

W was learned on X = log(1 + |STFT|²), so a column is a non-negative *compressed* power spectrum;
the statistics below weigh frequency bins by the column's values as they are. They are simple on
purpose, and the description says only what they support:

* energy band — the frequencies between 10 % and 90 % of the column's cumulative sum;
* spectral flatness — geometric over arithmetic mean (1 for a flat, noise-like atom), over the
  whole spectrum and inside the energy band (band-limited noise is flat there only);
* harmonicity — a harmonic atom is a comb of peaks every f0 Hz, so its spectrum, once its smooth
  envelope is removed, correlates with itself shifted by f0. We take the highest peak of that
  normalised autocorrelation for f0 in [50, 600] Hz (fractional lags by ×4 interpolation).

Frequencies are those of ``numpy.fft.rfftfreq(n_fft, 1 / sample_rate)``: F = n_fft // 2 + 1 bins.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from segmenter.explain.contributions import ExplainError, _numpy

__all__ = ["ComponentStats", "component_spectrum", "component_stats", "describe_component"]

HARMONIC_MIN = 0.4  # autocorrelation peak above which an atom is called harmonic
FLAT_MIN = 0.6  # flatness above which a non-harmonic atom is called broadband noise
NARROW_MAX_HZ = 300.0  # energy band narrower than this is called narrowband
F0_RANGE_HZ = (50.0, 600.0)
_UPSAMPLE = 4


class ComponentStats(NamedTuple):
    peak_hz: float
    centroid_hz: float
    band_hz: tuple[float, float]  # 10 % – 90 % of the cumulative spectrum
    flatness: float  # 0 … 1, over the whole spectrum
    band_flatness: float  # 0 … 1, inside the energy band (band-limited noise is flat there)
    harmonicity: float  # autocorrelation peak, -1 … 1 (0 when undefined)
    f0_hz: float | None  # comb spacing behind ``harmonicity``, if any


def component_spectrum(
    W: Any, k: int, sample_rate: int, n_fft: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(freqs_hz, magnitude)`` of component ``k``: column ``k`` of W against bin frequencies."""
    W = _numpy(W)
    freqs = np.fft.rfftfreq(int(n_fft), 1.0 / float(sample_rate))
    if W.ndim != 2 or W.shape[0] != freqs.size:
        raise ExplainError(
            f"W must have n_fft // 2 + 1 = {freqs.size} rows for n_fft {n_fft}, got {W.shape}"
        )
    if not -W.shape[1] <= k < W.shape[1]:
        raise ExplainError(f"component {k} outside the {W.shape[1]} components of W")
    return freqs, W[:, k].copy()


def _harmonicity(w: np.ndarray, df: float) -> tuple[float, float | None]:
    lo, hi = (f / df * _UPSAMPLE for f in F0_RANGE_HZ)
    fine = np.interp(np.arange(0, w.size - 1 + 1e-9, 1 / _UPSAMPLE), np.arange(w.size), w)
    width = max(3, int(round(F0_RANGE_HZ[1] / df * _UPSAMPLE)))  # one longest period
    envelope = np.convolve(
        np.pad(fine, width // 2, mode="edge"), np.ones(width) / width, mode="valid"
    )[: fine.size]
    d = fine - envelope
    energy = float(d @ d)
    hi = min(int(hi), d.size - 1)
    lo = max(int(np.ceil(lo)), 2 * _UPSAMPLE)
    if energy <= 0 or hi <= lo + 1:
        return 0.0, None
    spec = np.fft.rfft(d, 2 * d.size)
    ac = np.fft.irfft(spec * spec.conj())[: d.size] / energy
    lags = np.arange(lo, hi)
    peaks = lags[(ac[lags] >= ac[lags - 1]) & (ac[lags] >= ac[lags + 1])]
    if peaks.size == 0:
        return 0.0, None
    best = peaks[np.argmax(ac[peaks])]
    return float(ac[best]), float(best / _UPSAMPLE * df)


def component_stats(w: Any, freqs: Any) -> ComponentStats:
    """Spectral statistics of one atom ``w`` (F,) on bin frequencies ``freqs`` (F,)."""
    w, freqs = np.clip(_numpy(w), 0.0, None), _numpy(freqs)
    if w.ndim != 1 or w.shape != freqs.shape or w.size < 2:
        raise ExplainError(
            f"atom and frequencies must be matching 1-D arrays, got {w.shape} and {freqs.shape}"
        )
    mass = float(w.sum())
    if mass <= 0:
        return ComponentStats(0.0, 0.0, (0.0, 0.0), 0.0, 0.0, 0.0, None)
    cum = np.cumsum(w) / mass
    band = (float(freqs[np.searchsorted(cum, 0.1)]), float(freqs[np.searchsorted(cum, 0.9)]))
    inside = (freqs >= band[0]) & (freqs <= band[1])
    harmonicity, f0 = _harmonicity(w, float(freqs[1] - freqs[0]))
    return ComponentStats(
        float(freqs[np.argmax(w)]),
        float(freqs @ w / mass),
        band,
        _flatness(w),
        _flatness(w[inside]),
        harmonicity,
        f0,
    )


def _flatness(w: np.ndarray) -> float:
    eps = 1e-12 * w.max()
    return float(np.exp(np.mean(np.log(w + eps))) / np.mean(w + eps))


def describe_component(w: Any, freqs: Any) -> str:
    """A few honest words, e.g. ``"harmonic (f0 ≈ 150 Hz), energy mostly 150–2000 Hz"``."""
    s = component_stats(w, freqs)
    if s.centroid_hz == 0.0 and s.band_hz == (0.0, 0.0) and s.flatness == 0.0:
        return "silent (all-zero atom)"
    lo, hi = s.band_hz
    band = f"energy mostly {lo:.0f}–{hi:.0f} Hz"
    if s.f0_hz is not None and s.harmonicity >= HARMONIC_MIN:
        return f"harmonic (f0 ≈ {s.f0_hz:.0f} Hz), {band}"
    if s.band_flatness >= FLAT_MIN and hi - lo > NARROW_MAX_HZ:
        wide = hi - lo >= 0.5 * float(_numpy(freqs)[-1])
        return f"{'broadband' if wide else 'band-limited'} noise, {band}"
    if hi - lo <= NARROW_MAX_HZ:
        return f"narrowband, peak at {s.peak_hz:.0f} Hz"
    return f"non-harmonic, uneven spectrum, peak at {s.peak_hz:.0f} Hz, {band}"
