"""Listen to components: a selection filtered to chosen components, and to everything else.

The mask is the chosen components' share of the model's reconstruction W·H (see
:mod:`segmenter.explain.listen`), applied to the mixture's own STFT with its phase. The STFT is
taken over the selection's frames plus a margin of whole frames on each side (inside the file),
computed with exactly the framing the model used, so mask frame t sits on STFT frame t; the
margin keeps the selection's edges free of the fade a window cut would add. Selected + rest
equals the mixture up to float rounding, whatever the components.

The STFT parameters come from ``spectrogram`` when given (the model's
:class:`~segmenter.features.SpectrogramConfig`); otherwise they are inferred from the evidence:
n_fft from W's rows, hop from the frame duration, and a window as long as n_fft (the paper's
setting). A model trained with a shorter window (e.g. 400 of 512) should pass its config: the
split stays exact either way, only the mask's alignment with the spectrum is slightly off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from annotator.review.evidence import (
    Evidence,
    ReviewError,
    activations,
    as_float,
    n_fft_of,
    seconds_to_frames,
)
from segmenter.audio import audio_info, load_audio, resample
from segmenter.explain import sonify
from segmenter.features import SpectrogramConfig, frame_sample_span, istft, stft

__all__ = ["Sonification", "listen", "listen_file", "spectrogram_of"]


@dataclass(frozen=True)
class Sonification:
    """The selection three ways, mono float32 at ``sample_rate``, from ``start`` seconds."""

    selected: np.ndarray
    rest: np.ndarray
    mixture: np.ndarray
    sample_rate: int
    start: float
    components: tuple[int, ...]

    @property
    def duration(self) -> float:
        return self.mixture.size / self.sample_rate

    @property
    def selected_energy_share(self) -> float:
        """Energy of the selected part over the energies of both parts (0 … 1; NaN if silent)."""
        e_sel = float(np.square(self.selected, dtype=np.float64).sum())
        e_rest = float(np.square(self.rest, dtype=np.float64).sum())
        return e_sel / (e_sel + e_rest) if e_sel + e_rest > 0 else math.nan


def spectrogram_of(
    evidence: Evidence, spectrogram: SpectrogramConfig | None = None
) -> SpectrogramConfig:
    """The STFT parameters to use, checked against W and the frame duration."""
    rate = int(evidence.sample_rate)
    hop = int(round(float(evidence.frame_duration) * rate))
    n_fft = n_fft_of(evidence)
    cfg = spectrogram or SpectrogramConfig(rate, n_fft, n_fft, hop)
    if cfg.n_bins != np.asarray(evidence.W).shape[0] or cfg.hop_length != hop:
        raise ReviewError(
            f"STFT n_fft {cfg.n_fft} / hop {cfg.hop_length} do not fit the model evidence "
            f"(W has {np.asarray(evidence.W).shape[0]} bins, hop {hop})"
        )
    if cfg.sample_rate != rate:
        raise ReviewError(f"STFT at {cfg.sample_rate} Hz, model evidence at {rate} Hz")
    return cfg


def _sonify(
    read: Callable[[int, int], np.ndarray],
    n_samples: int,
    evidence: Evidence,
    start: float,
    end: float,
    components: Iterable[int],
    cfg: SpectrogramConfig,
) -> Sonification:
    """Shared core: ``read(a, b)`` returns samples ``[a, b)`` of the file (a ≥ 0, b ≤ N)."""
    H = activations(evidence)
    chosen = tuple(sorted({int(k) for k in components}))
    if chosen and (chosen[0] < 0 or chosen[-1] >= H.shape[0]):
        raise ReviewError(f"component(s) {list(chosen)} outside the {H.shape[0]} components")
    T, hop = H.shape[1], cfg.hop_length
    t0, t1 = seconds_to_frames(start, end, T, float(evidence.frame_duration))
    margin = math.ceil(cfg.n_fft / hop)
    f0, f1 = max(0, t0 - margin), min(T, t1 + margin)
    a, b = frame_sample_span(f0, f1, cfg)
    lo, hi = max(a, 0), min(b, n_samples)
    region = np.zeros(b - a, dtype=np.float64)
    if hi > lo:
        region[lo - a : hi - a] = read(lo, hi)[: hi - lo]
    spec = stft(torch.from_numpy(region), cfg, padded=False)  # frames f0 … f1 - 1
    length = (f1 - f0) * hop  # istft output starts at sample f0 · hop

    def inverse(masked: torch.Tensor) -> np.ndarray:
        return istft(masked, length, cfg).numpy()

    W = as_float(evidence.W)
    selected, rest = sonify(spec, W, as_float(H[:, f0:f1]), chosen, inverse)
    # The selection in samples, clipped to what the frames cover and to the file.
    s0 = max(int(round(float(start) * cfg.sample_rate)), t0 * hop)
    s1 = min(int(round(float(end) * cfg.sample_rate)), t1 * hop, n_samples)
    if s1 <= s0:
        raise ReviewError(f"selection {start:g}–{end:g} s holds no samples of the recording")
    cut = slice(s0 - f0 * hop, s1 - f0 * hop)
    mixture = np.zeros(s1 - s0, dtype=np.float64)
    mixture[:] = region[s0 - a : s1 - a]
    return Sonification(
        selected=selected[cut].astype(np.float32),
        rest=rest[cut].astype(np.float32),
        mixture=mixture.astype(np.float32),
        sample_rate=cfg.sample_rate,
        start=s0 / cfg.sample_rate,
        components=chosen,
    )


def listen(
    samples: np.ndarray,
    evidence: Evidence,
    start: float,
    end: float,
    components: Iterable[int],
    *,
    sample_rate: int | None = None,
    spectrogram: SpectrogramConfig | None = None,
) -> Sonification:
    """Sonify ``[start, end)`` s of a recording held in memory (mono, ``sample_rate`` Hz,
    default the model's). Only the selection and its margin are resampled when the rates
    differ; the result is at the model's rate."""
    cfg = spectrogram_of(evidence, spectrogram)
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1:
        raise ReviewError(f"samples must be mono (N,), got shape {x.shape}")
    rate = int(sample_rate or cfg.sample_rate)
    if rate == cfg.sample_rate:
        return _sonify(lambda a, b: x[a:b], x.size, evidence, start, end, components, cfg)
    n_model = int(round(x.size * cfg.sample_rate / rate))

    # Cut the source where a source sample falls exactly on a model-rate sample, so the piece
    # resampled alone lines up with the whole file resampled (no fractional-sample shift).
    step = rate // math.gcd(rate, cfg.sample_rate)

    def read(a: int, b: int) -> np.ndarray:
        pad = 256  # source samples around the cut, against the resampler's edge effects
        ia = max(0, (int(math.floor(a * rate / cfg.sample_rate)) - pad) // step * step)
        ib = min(x.size, int(math.ceil(b * rate / cfg.sample_rate)) + pad)
        out = resample(x[ia:ib].astype(np.float32), rate, cfg.sample_rate).astype(np.float64)
        offset = a - ia * cfg.sample_rate // rate
        piece = out[offset : offset + (b - a)]
        return np.pad(piece, (0, b - a - piece.size))

    return _sonify(read, n_model, evidence, start, end, components, cfg)


def listen_file(
    path: str | Path,
    evidence: Evidence,
    start: float,
    end: float,
    components: Iterable[int],
    *,
    spectrogram: SpectrogramConfig | None = None,
) -> Sonification:
    """:func:`listen` reading only the selection (and its margin) from an audio file."""
    cfg = spectrogram_of(evidence, spectrogram)
    info = audio_info(path)
    n_model = int(round(info.frames * cfg.sample_rate / info.sample_rate))

    def read(a: int, b: int) -> np.ndarray:
        piece = load_audio(
            path, cfg.sample_rate, offset=a / cfg.sample_rate, duration=(b - a) / cfg.sample_rate
        ).astype(np.float64)
        return np.pad(piece[: b - a], (0, max(0, b - a - piece.size)))

    return _sonify(read, n_model, evidence, start, end, components, cfg)
