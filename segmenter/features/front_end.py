"""The one interface every feature front end implements (the registry is in `base`).

A front end turns a batch of 16 kHz waveforms (B, N) into features S (B, D, T) framed exactly like
the target spectrogram (T = ``num_frames(N)``). The model only talks to this interface. It has a
module of its own so that every front end (`base`'s spectrogram, `wavlm`) can subclass it
without importing the registry that builds them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from segmenter.features.spectrogram import SpectrogramConfig, num_frames

__all__ = ["FrontEnd"]


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

    def from_target(self, target: torch.Tensor) -> torch.Tensor | None:
        """Features computed from the target spectrogram X alone, or None when this front end
        needs the waveform (WavLM). Lets chunked inference compute the STFT once."""
        return None

    @property
    def features_are_target(self) -> bool:
        """True when the features Ψ reads are X itself (then features passed in stand for X)."""
        return False
