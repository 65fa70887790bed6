"""The spectrogram front end, and the registry that builds every front end by name.

The interface they implement, `FrontEnd`, lives in :mod:`segmenter.features.front_end` (and is
re-exported here): adding a front end means subclassing it and adding a name in
:data:`FRONT_ENDS`, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from segmenter.features.front_end import FrontEnd
from segmenter.features.spectrogram import SpectrogramConfig, log_power_spectrogram

__all__ = [
    "FrontEnd",
    "SpectrogramFrontEnd",
    "SPECTROGRAM_COMPRESSIONS",
    "FRONT_ENDS",
    "build_front_end",
]

SPECTROGRAM_COMPRESSIONS = ("log1p", "log")


class SpectrogramFrontEnd(FrontEnd):
    """Ψ reads the spectrogram itself (D = F); no learned weights.

    ``compression`` says how: ``"log1p"`` is X = log(1 + |STFT|²) itself (SPEC, the paper code's
    ``input_spec``); ``"log"`` is log(|STFT|² + ``floor``). Why the second exists: at the levels
    of real recordings most bins have |STFT|² ≪ 1, where log1p is linear, so music 20 dB under
    speech or a faint noise floor reaches Ψ as numbers near zero; a true log with a floor just
    above 16-bit dither keeps them visible. The target W·H rebuilds is X in both cases, so W, H
    and every explanation mean the same thing.
    """

    name = "spectrogram"
    is_local = True

    def __init__(
        self, spectrogram: SpectrogramConfig, compression: str = "log1p", floor: float = 1e-6
    ) -> None:
        super().__init__(spectrogram)
        if compression not in SPECTROGRAM_COMPRESSIONS:
            raise ValueError(
                f"compression must be one of {', '.join(SPECTROGRAM_COMPRESSIONS)}, "
                f"got {compression!r}"
            )
        if not floor > 0:
            raise ValueError(f"floor must be positive, got {floor!r}")
        self.compression, self.floor = compression, float(floor)

    @property
    def feature_dim(self) -> int:
        return self.spectrogram.n_bins

    @property
    def features_are_target(self) -> bool:
        return self.compression == "log1p"

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        return self.from_target(log_power_spectrogram(waveform, self.spectrogram))

    def from_target(self, target: torch.Tensor) -> torch.Tensor:
        if self.compression == "log1p":
            return target
        return torch.log(torch.expm1(target) + self.floor)  # expm1 undoes log1p exactly

    def config_dict(self) -> dict[str, Any]:
        if self.compression == "log1p":
            return {}  # files written before the option existed stay byte-identical
        return {"compression": self.compression, "floor": self.floor}


def _build_wavlm(spectrogram: SpectrogramConfig, **params: Any) -> FrontEnd:
    from segmenter.features.wavlm import WavLMFrontEnd  # transformers is slow to import

    return WavLMFrontEnd(spectrogram=spectrogram, **params)


FRONT_ENDS: dict[str, Callable[..., FrontEnd]] = {
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
