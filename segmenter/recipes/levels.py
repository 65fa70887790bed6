"""Levels for mixing: the power a listener hears and the gain that sets an SNR.

Powers are taken over each signal's *active* samples, so the pauses of a prompt or the silences
between noise events do not make a layer seem quieter than it sounds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["active_power", "gain_for_snr", "mix_at_snr"]


def active_power(x: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean power of ``x`` over ``mask`` (all samples if None or empty): what a listener hears."""
    x = np.asarray(x, dtype=np.float64)
    if mask is not None and np.any(mask):
        x = x[np.asarray(mask, dtype=bool)]
    return float(np.mean(x**2)) if x.size else 0.0


def gain_for_snr(
    target: np.ndarray,
    interferer: np.ndarray,
    snr_db: float,
    target_mask: np.ndarray | None = None,
    interferer_mask: np.ndarray | None = None,
) -> float:
    """Gain g such that 10·log10(P(target) / P(g·interferer)) = ``snr_db``.

    Powers are taken over each signal's own active samples, so a prompt's pauses or a noise
    event's silences do not dilute the level (the SNR is the one heard while both sound).
    """
    p_target = active_power(target, target_mask)
    p_interferer = active_power(interferer, interferer_mask)
    if p_target <= 0 or p_interferer <= 0:
        raise ValueError("SNR is undefined for a silent target or interferer")
    return float(np.sqrt(p_target / (p_interferer * 10 ** (snr_db / 10))))


def mix_at_snr(
    target: np.ndarray,
    interferer: np.ndarray,
    snr_db: float,
    target_mask: np.ndarray | None = None,
    interferer_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(target + g·interferer, g·interferer) with g from :func:`gain_for_snr`."""
    g = gain_for_snr(target, interferer, snr_db, target_mask, interferer_mask)
    scaled = (np.asarray(interferer) * g).astype(np.float32)
    return (np.asarray(target) + scaled).astype(np.float32), scaled
