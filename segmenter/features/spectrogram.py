"""The target spectrogram X and the framing rule every front end shares.

Framing rule (one place, used by all front ends): frame ``t`` analyses the samples
``[t*hop, t*hop + frame_length)`` with ``frame_length = 400`` (25 ms), exactly like WavLM's
convolutional feature encoder, whose output count for N samples is
``floor((N - 400) / 320) + 1``. The STFT window (``n_fft`` long) is centred on the same point
(``t*hop + 200``), which needs ``(n_fft - 400) / 2`` zero samples on each side (312 for
n_fft = 1024, 56 for n_fft = 512). So 4 s (64 000 samples) give 199 frames for every front end.

Short input: a non-empty waveform shorter than one frame (< 400 samples) is zero-padded at the end
to 400 samples and gives one frame, so even a 1-sample file yields one labelled frame; an empty
waveform gives zero frames.

Edges are padded with zeros (not reflection) so that the features of any frame range depend only
on the samples around it; that makes chunked computation exact (see :func:`frame_sample_span`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F

__all__ = [
    "SpectrogramConfig",
    "num_frames",
    "frame_sample_span",
    "stft",
    "istft",
    "log_power_spectrogram",
    "pad_for_frames",
    "frames_to_seconds",
    "seconds_to_frames",
]


@dataclass(frozen=True)
class SpectrogramConfig:
    """STFT parameters of the target spectrogram X (and the framing of all features)."""

    sample_rate: int = 16000
    n_fft: int = 1024
    win_length: int = 1024
    hop_length: int = 320
    frame_length: int = 400

    def __post_init__(self) -> None:
        if self.hop_length <= 0 or self.win_length <= 0 or self.frame_length <= 0:
            raise ValueError("hop_length, win_length and frame_length must be positive")
        if self.win_length > self.n_fft:
            raise ValueError(f"win_length {self.win_length} exceeds n_fft {self.n_fft}")
        if self.n_fft < self.frame_length:
            raise ValueError(
                f"n_fft {self.n_fft} must be at least frame_length {self.frame_length}"
            )

    @property
    def n_bins(self) -> int:
        """Number of frequency bins F = n_fft // 2 + 1 (513 for n_fft = 1024)."""
        return self.n_fft // 2 + 1

    @property
    def pad_left(self) -> int:
        return (self.n_fft - self.frame_length) // 2

    @property
    def pad_right(self) -> int:
        return self.n_fft - self.frame_length - self.pad_left

    @property
    def frame_rate(self) -> float:
        """Frames per second (50 for hop 320 at 16 kHz)."""
        return self.sample_rate / self.hop_length

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpectrogramConfig:
        known = {k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def num_frames(num_samples: int, config: SpectrogramConfig | None = None) -> int:
    """Frames produced for ``num_samples`` samples under the shared framing rule."""
    cfg = config or SpectrogramConfig()
    if num_samples <= 0:
        return 0
    if num_samples <= cfg.frame_length:
        return 1
    return (num_samples - cfg.frame_length) // cfg.hop_length + 1


def frame_sample_span(
    start_frame: int, end_frame: int, config: SpectrogramConfig | None = None
) -> tuple[int, int]:
    """Sample range ``[a, b)`` whose STFT frames are exactly ``[start_frame, end_frame)``.

    Chunked inference computes the spectrogram of ``waveform[max(a,0):b]`` (zero-padded where
    ``a < 0`` or ``b`` exceeds the file) with ``padded=False`` in :func:`stft` to get frames
    identical to those of the whole file. ``a`` may be negative.
    """
    cfg = config or SpectrogramConfig()
    if end_frame <= start_frame:
        raise ValueError("end_frame must exceed start_frame")
    a = start_frame * cfg.hop_length - cfg.pad_left
    b = (end_frame - 1) * cfg.hop_length - cfg.pad_left + cfg.n_fft
    return a, b


def _window(cfg: SpectrogramConfig, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.hann_window(cfg.win_length, periodic=True, device=device, dtype=dtype)


def pad_for_frames(waveform: torch.Tensor, config: SpectrogramConfig | None = None) -> torch.Tensor:
    """Apply the short-input rule and the symmetric zero padding of the framing rule."""
    cfg = config or SpectrogramConfig()
    n = waveform.shape[-1]
    short = max(0, cfg.frame_length - n) if n > 0 else 0
    return F.pad(waveform, (cfg.pad_left, cfg.pad_right + short))


def stft(
    waveform: torch.Tensor, config: SpectrogramConfig | None = None, *, padded: bool = True
) -> torch.Tensor:
    """Complex STFT (..., F, T) of (..., N) under the framing rule (T = num_frames(N)).

    ``padded=False`` skips the framing padding, for a caller that already cut the exact sample
    span of :func:`frame_sample_span` (then T = (N - n_fft) // hop + 1).
    """
    cfg = config or SpectrogramConfig()
    x = waveform if waveform.is_floating_point() else waveform.float()
    lead = x.shape[:-1]
    if x.shape[-1] == 0:
        complex_dtype = torch.complex128 if x.dtype == torch.float64 else torch.complex64
        return torch.zeros(*lead, cfg.n_bins, 0, dtype=complex_dtype, device=x.device)
    x = x.reshape(-1, x.shape[-1])
    if padded:
        x = pad_for_frames(x, cfg)
    spec = torch.stft(
        x,
        n_fft=cfg.n_fft,
        hop_length=cfg.hop_length,
        win_length=cfg.win_length,
        window=_window(cfg, x.device, x.dtype),
        center=False,
        return_complex=True,
    )
    return spec.reshape(*lead, spec.shape[-2], spec.shape[-1])


def log_power_spectrogram(
    waveform: torch.Tensor, config: SpectrogramConfig | None = None, *, padded: bool = True
) -> torch.Tensor:
    """X = log(1 + |STFT|²), shape (..., F, T): the spectrogram W·H reconstructs."""
    spec = stft(waveform, config, padded=padded)
    return torch.log1p(spec.real.square() + spec.imag.square())


def istft(
    spec: torch.Tensor, num_samples: int, config: SpectrogramConfig | None = None
) -> torch.Tensor:
    """Invert :func:`stft` (with its padding) by weighted overlap-add, returning (..., num_samples).

    Written by hand because ``torch.istft`` needs ``center=True`` framing to pass its
    window-envelope check. Reconstruction is exact up to float rounding except where the windows
    barely cover the signal: the first ~1 ms when win_length < n_fft fades in, and the sub-hop
    tail after the last frame's window (if any) comes out as zero.
    """
    cfg = config or SpectrogramConfig()
    lead = spec.shape[:-2]
    frames = spec.shape[-1]
    real_dtype = torch.float64 if spec.dtype == torch.complex128 else torch.float32
    if frames == 0 or num_samples <= 0:
        return torch.zeros(*lead, max(0, num_samples), dtype=real_dtype, device=spec.device)
    s = spec.reshape(-1, spec.shape[-2], frames)
    window = _window(cfg, spec.device, real_dtype)
    offset = (cfg.n_fft - cfg.win_length) // 2
    window = F.pad(window, (offset, cfg.n_fft - cfg.win_length - offset))
    chunks = torch.fft.irfft(s, n=cfg.n_fft, dim=-2) * window[:, None]  # (B, n_fft, T)
    total = cfg.n_fft + cfg.hop_length * (frames - 1)
    fold = dict(output_size=(1, total), kernel_size=(1, cfg.n_fft), stride=(1, cfg.hop_length))
    signal = F.fold(chunks, **fold).reshape(s.shape[0], total)
    envelope = F.fold(window.square()[None, :, None].expand(1, cfg.n_fft, frames), **fold).reshape(
        total
    )
    # Where windows barely overlap (the first few samples when win_length < n_fft), dividing by
    # a near-zero envelope would amplify rounding noise; a floor (√eps of the dtype, relative)
    # turns that into a very short fade.
    floor = float(torch.finfo(real_dtype).eps) ** 0.5 * float(envelope.max())
    signal = signal / envelope.clamp_min(floor)
    signal = signal[:, cfg.pad_left : cfg.pad_left + num_samples]
    if signal.shape[-1] < num_samples:
        signal = F.pad(signal, (0, num_samples - signal.shape[-1]))
    return signal.reshape(*lead, num_samples)


def frames_to_seconds(frame: int | float, config: SpectrogramConfig | None = None) -> float:
    """Start time of a frame in seconds (frame t starts at t * hop / sample_rate)."""
    cfg = config or SpectrogramConfig()
    return float(frame) * cfg.hop_length / cfg.sample_rate


def seconds_to_frames(seconds: float, config: SpectrogramConfig | None = None) -> int:
    """Index of the frame that starts at or before ``seconds``."""
    cfg = config or SpectrogramConfig()
    return int(math.floor(seconds * cfg.sample_rate / cfg.hop_length + 1e-9))
