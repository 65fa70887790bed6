"""The one interface every feature front end implements, and the registry that builds them.

A front end turns a batch of 16 kHz waveforms (B, N) into features S (B, D, T) framed exactly like
the target spectrogram (T = ``num_frames(N)``). The model only talks to this interface, so adding a
front end means adding a class here and a name in :data:`FRONT_ENDS`, nothing else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from segmenter.features.spectrogram import SpectrogramConfig, log_power_spectrogram, num_frames

__all__ = ["FrontEnd", "SpectrogramFrontEnd", "FRONT_ENDS", "build_front_end"]


class FrontEnd(nn.Module, ABC):
    """Waveform (B, N) → features (B, D, T), with T = ``num_frames(N)`` of the spectrogram."""

    name: ClassVar[str] = ""
    is_local: ClassVar[bool] = False
    """True when each output frame depends only on nearby samples (no global pooling or
    attention), so features of a chunk equal those of the whole file (given sample context)."""

    def __init__(self, spectrogram: SpectrogramConfig) -> None:
        super().__init__()
        self.spectrogram = spectrogram

    @property
    @abstractmethod
    def feature_dim(self) -> int:
        """D, the number of feature channels Ψ reads."""

    @abstractmethod
    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """Features (B, D, T) of waveforms (B, N)."""

    @abstractmethod
    def config_dict(self) -> dict[str, Any]:
        """JSON-able constructor parameters (without the spectrogram config) to rebuild it."""

    def num_frames(self, num_samples: int) -> int:
        return num_frames(num_samples, self.spectrogram)

    def external_state_prefixes(self) -> tuple[str, ...]:
        """State-dict key prefixes (relative to this module) of weights stored elsewhere.

        Pretrained frozen weights (WavLM) are not copied into our model file; the file records
        where they come from instead.
        """
        return ()


class SpectrogramFrontEnd(FrontEnd):
    """Ψ reads the target log-power spectrogram X itself (D = F); no learned weights."""

    name = "spectrogram"
    is_local = True

    @property
    def feature_dim(self) -> int:
        return self.spectrogram.n_bins

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        return log_power_spectrogram(waveform, self.spectrogram)

    def config_dict(self) -> dict[str, Any]:
        return {}


def _build_wavlm(spectrogram: SpectrogramConfig, **params: Any) -> FrontEnd:
    from segmenter.features.wavlm import WavLMFrontEnd  # transformers is slow to import

    return WavLMFrontEnd(spectrogram=spectrogram, **params)


FRONT_ENDS: dict[str, Any] = {
    "spectrogram": lambda spectrogram, **params: SpectrogramFrontEnd(spectrogram, **params),
    "wavlm": _build_wavlm,
}


def build_front_end(
    name: str, params: dict[str, Any] | None, spectrogram: SpectrogramConfig
) -> FrontEnd:
    """Build the front end called ``name`` with the parameters its ``config_dict`` returned."""
    try:
        factory = FRONT_ENDS[name]
    except KeyError:
        known = ", ".join(sorted(FRONT_ENDS))
        raise ValueError(f"unknown front end {name!r} (known: {known})") from None
    return factory(spectrogram, **dict(params or {}))
