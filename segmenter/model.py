"""The NMF segmenter: features S → Ψ → H ≥ 0 → Θ → class logits, with W·H reconstructing X.

A model is wiring: :class:`ModelConfig` holds every constructor argument and the model rebuilds
itself from it (asteroid style), which is what the model file stores. W (F × K) is a frozen buffer
learned beforehand by :mod:`segmenter.dictionary`; Θ is one linear layer K → C with bias, so every
logit decomposes exactly as ``b_c + Σ_k Θ[c,k]·H[k,t]`` (see :mod:`segmenter.explain`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from segmenter.classes import CLASSES
from segmenter.features import FrontEnd, SpectrogramConfig, build_front_end, log_power_spectrogram
from segmenter.tcn import NORMS, TemporalConvNet

__all__ = ["CLASSES", "ModelConfig", "ModelOutput", "NMFSegmenter"]


@dataclass
class ModelConfig:
    """Everything needed to rebuild an :class:`NMFSegmenter` (weights aside).

    ``norm`` is the normalisation inside the TCN blocks: ``"channel"`` (ours, default: the network
    is local, so long files are processed exactly in chunks) or ``"global"`` (gLN, the paper).
    ``input_norm`` normalises the features before the bottleneck: ``"auto"`` means gLN for
    ``norm="global"`` (the paper) and BatchNorm for ``norm="channel"``: a per-frame layer norm of
    the input would erase each frame's loudness, which Ψ needs to tell silence from noise and to
    rebuild X's level through W·H, whereas BatchNorm's fixed statistics keep both and stay local.
    """

    front_end: str = "spectrogram"
    front_end_params: dict[str, Any] = field(default_factory=dict)
    sample_rate: int = 16000
    n_fft: int = 1024
    win_length: int = 1024
    hop_length: int = 320
    n_components: int = 256
    bottleneck_channels: int = 64
    hidden_channels: int = 128
    kernel_size: int = 3
    layers_per_repeat: int = 3
    repeats: int = 2
    norm: str = "channel"
    input_norm: str = "auto"
    nonneg: str = "relu"
    classes: tuple[str, ...] = CLASSES

    def __post_init__(self) -> None:
        self.classes = tuple(str(c) for c in self.classes)
        self.front_end_params = dict(self.front_end_params)
        if self.norm not in ("global", "channel"):
            raise ValueError(f"norm must be 'global' or 'channel', got {self.norm!r}")
        if self.input_norm != "auto" and self.input_norm not in NORMS:
            raise ValueError(
                f"input_norm must be 'auto' or one of {NORMS}, got {self.input_norm!r}"
            )
        if self.nonneg not in ("relu", "softplus"):
            raise ValueError(f"nonneg must be 'relu' or 'softplus', got {self.nonneg!r}")
        if not self.classes or len(set(self.classes)) != len(self.classes):
            raise ValueError(f"classes must be distinct and non-empty, got {self.classes}")
        for name in ("n_components", "bottleneck_channels", "hidden_channels", "repeats"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        self.spectrogram  # noqa: B018 - validates the STFT parameters early

    @property
    def spectrogram(self) -> SpectrogramConfig:
        return SpectrogramConfig(
            sample_rate=self.sample_rate,
            n_fft=self.n_fft,
            win_length=self.win_length,
            hop_length=self.hop_length,
        )

    @property
    def resolved_input_norm(self) -> str:
        if self.input_norm != "auto":
            return self.input_norm
        return "global" if self.norm == "global" else "batch"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["classes"] = list(self.classes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild from :meth:`to_dict`; unknown keys are an error (a newer, foreign format)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(unknown)}")
        return cls(**data)


@dataclass
class ModelOutput:
    """Everything one forward pass produces, batch-first.

    logits / posteriors (B, C, T); activations H (B, K, T); reconstruction W·H and target X
    (B, F, T). Posteriors are ``sigmoid(logits)``: classes are independent (multilabel).
    """

    logits: torch.Tensor
    posteriors: torch.Tensor
    activations: torch.Tensor
    reconstruction: torch.Tensor
    target: torch.Tensor | None

    @property
    def H(self) -> torch.Tensor:  # noqa: N802 - the paper's name
        return self.activations

    def crop(self, start: int, end: int) -> ModelOutput:
        """The same output restricted to frames [start, end) (used by chunked inference)."""
        return ModelOutput(
            self.logits[..., start:end],
            self.posteriors[..., start:end],
            self.activations[..., start:end],
            self.reconstruction[..., start:end],
            None if self.target is None else self.target[..., start:end],
        )


class NMFSegmenter(nn.Module):
    """Front end + Ψ (TCN) + frozen dictionary W + linear probe Θ."""

    dictionary: torch.Tensor  # W, a buffer (registered in __init__)

    def __init__(
        self,
        config: ModelConfig | None = None,
        dictionary: torch.Tensor | None = None,
        front_end: FrontEnd | None = None,
    ) -> None:
        """Build from ``config``; ``front_end`` overrides building it from the config (tests,
        or a WavLM already in memory); ``dictionary`` (F, K) defaults to a seeded random
        placeholder until :meth:`set_dictionary` installs a learned one."""
        super().__init__()
        self.config = config or ModelConfig()
        cfg = self.config
        self.spectrogram = cfg.spectrogram
        self.front_end = front_end or build_front_end(
            cfg.front_end, cfg.front_end_params, self.spectrogram
        )
        if self.front_end.name != cfg.front_end:
            raise ValueError(f"front end {self.front_end.name!r} does not match the config")
        self.psi = TemporalConvNet(
            in_channels=self.front_end.feature_dim,
            out_channels=cfg.n_components,
            bottleneck=cfg.bottleneck_channels,
            hidden=cfg.hidden_channels,
            kernel_size=cfg.kernel_size,
            layers_per_repeat=cfg.layers_per_repeat,
            repeats=cfg.repeats,
            norm=cfg.norm,
            input_norm=cfg.resolved_input_norm,
        )
        self.classifier = nn.Linear(cfg.n_components, len(cfg.classes))
        if dictionary is None:
            generator = torch.Generator().manual_seed(0)
            dictionary = torch.rand(self.spectrogram.n_bins, cfg.n_components, generator=generator)
            dictionary = dictionary / dictionary.norm(dim=0, keepdim=True)
        self.register_buffer("dictionary", torch.empty(self.spectrogram.n_bins, cfg.n_components))
        self.set_dictionary(dictionary)

    # ----------------------------------------------------------------- properties
    @property
    def classes(self) -> tuple[str, ...]:
        return self.config.classes

    @property
    def W(self) -> torch.Tensor:  # noqa: N802 - the paper's name
        """The dictionary (F, K); column k is component k's spectral shape."""
        return self.dictionary

    @property
    def receptive_field(self) -> int:
        """Frames of features that one output frame depends on (Ψ's conv stack; 29 default)."""
        return self.psi.receptive_field

    @property
    def context_frames(self) -> int:
        """Margin needed on each side of a chunk for exact chunked inference."""
        return (self.receptive_field - 1) // 2

    @property
    def is_local(self) -> bool:
        """True when, in eval mode, output frame t depends only on input frames within
        ±``context_frames`` of t (channel norm, a non-global input norm, a local front end),
        so chunking with that margin reproduces whole-file output exactly."""
        return (
            self.front_end.is_local
            and self.config.norm == "channel"
            and self.config.resolved_input_norm != "global"
        )

    def set_dictionary(self, W: torch.Tensor) -> None:
        """Install a learned dictionary W (F, K); it stays frozen (a buffer, not a parameter).

        A W on the meta device (a model built only for its shapes, as the model-file reader
        does before allocating anything) has no values to check."""
        W = torch.as_tensor(W)
        expected = (self.spectrogram.n_bins, self.config.n_components)
        if tuple(W.shape) != expected:
            raise ValueError(f"dictionary must have shape {expected}, got {tuple(W.shape)}")
        if not W.is_meta and (not torch.isfinite(W).all() or (W < 0).any()):
            raise ValueError("dictionary must be finite and non-negative")
        with torch.no_grad():
            self.dictionary.copy_(W.to(self.dictionary))

    # ----------------------------------------------------------------- computation
    def compute_features(self, waveform: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(S, X): features Ψ reads (B, D, T) and target spectrogram (B, F, T) of (B, N)."""
        waveform = _as_batch(waveform).to(
            device=self.dictionary.device, dtype=self.dictionary.dtype
        )
        target = log_power_spectrogram(waveform, self.spectrogram)
        features = self.front_end.from_target(target)
        if features is not None:
            return features, target
        return self.front_end(waveform), target

    def activations(self, features: torch.Tensor) -> torch.Tensor:
        """H = Ψ(S) ≥ 0, shape (B, K, T)."""
        pre = self.psi(features)
        return F.relu(pre) if self.config.nonneg == "relu" else F.softplus(pre)

    def classify(self, activations: torch.Tensor) -> torch.Tensor:
        """Logits (B, C, T) = Θ·H + b, applied per frame."""
        return (
            torch.einsum("ck,bkt->bct", self.classifier.weight, activations)
            + (self.classifier.bias[None, :, None])
        )

    def reconstruct(self, activations: torch.Tensor) -> torch.Tensor:
        """W·H, shape (B, F, T)."""
        return torch.einsum("fk,bkt->bft", self.dictionary, activations)

    def forward_features(
        self, features: torch.Tensor, target: torch.Tensor | None = None
    ) -> ModelOutput:
        """Run Ψ, W and Θ on precomputed features (B, D, T) (e.g. one chunk of a long file)."""
        if features.dim() == 2:
            features = features.unsqueeze(0)
        if features.shape[1] != self.front_end.feature_dim:
            raise ValueError(
                f"features have {features.shape[1]} channels, the model expects "
                f"{self.front_end.feature_dim}"
            )
        H = self.activations(features)
        logits = self.classify(H)
        return ModelOutput(logits, torch.sigmoid(logits), H, self.reconstruct(H), target)

    def forward(self, inputs: torch.Tensor) -> ModelOutput:
        """Waveforms (N,) or (B, N) at 16 kHz, or features (B, D, T) → :class:`ModelOutput`.

        A 3-D input is taken as features (then ``target`` is None unless the front end is the
        spectrogram, whose features are X itself).
        """
        if inputs.dim() == 3:
            target = inputs if self.front_end.features_are_target else None
            return self.forward_features(inputs, target)
        features, target = self.compute_features(inputs)
        return self.forward_features(features, target)

    # ----------------------------------------------------------------- persistence helpers
    def portable_state_dict(self) -> dict[str, torch.Tensor]:
        """State to store in a model file: everything except pretrained weights kept elsewhere."""
        skip = tuple(f"front_end.{p}" for p in self.front_end.external_state_prefixes())
        return {k: v for k, v in self.state_dict().items() if not k.startswith(skip)}

    def external_state_keys(self) -> set[str]:
        """State-dict keys deliberately left out of :meth:`portable_state_dict`."""
        return set(self.state_dict()) - set(self.portable_state_dict())

    def count_parameters(self, trainable_only: bool = True) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)


def _as_batch(waveform: torch.Tensor) -> torch.Tensor:
    if waveform.dim() == 1:
        return waveform.unsqueeze(0)
    if waveform.dim() != 2:
        raise ValueError(f"waveform must be (N,) or (B, N), got shape {tuple(waveform.shape)}")
    return waveform
