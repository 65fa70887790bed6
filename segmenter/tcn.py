"""Ψ's building blocks: Conv-TasNet's temporal convolutional network and its normalisations.

Two normalisations matter for what the network *is*:

* ``"global"`` — gLN, normalising over (channel, time) of the whole input window, as in
  Conv-TasNet and the reference model. Every output frame then depends on the whole window, so
  long files must go through overlapping fixed windows.
* ``"channel"`` — per-frame layer norm over channels (**ours**). Every operation is then local in
  time and the network's output at frame t depends only on input frames within its receptive
  field, so a file can be processed in large chunks with a margin, exactly.

``"batch"`` (BatchNorm1d, running statistics at inference) and ``"none"`` exist for the input
(bottleneck) normalisation only; see :class:`segmenter.model.ModelConfig.input_norm`.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

__all__ = ["GlobalLayerNorm", "ChannelLayerNorm", "make_norm", "TCNBlock", "TemporalConvNet"]

NORMS = ("global", "channel", "batch", "none")


class GlobalLayerNorm(nn.Module):
    """gLN: normalise (B, C, T) over C and T jointly per item, then per-channel affine."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(1, channels, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2), keepdim=True)
        var = (x - mean).square().mean(dim=(1, 2), keepdim=True)
        return self.gamma * (x - mean) / torch.sqrt(var + self.eps) + self.beta


class ChannelLayerNorm(nn.Module):
    """Per-frame layer norm over channels of (B, C, T), then per-channel affine (local)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(1, channels, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=1, keepdim=True)
        var = (x - mean).square().mean(dim=1, keepdim=True)
        return self.gamma * (x - mean) / torch.sqrt(var + self.eps) + self.beta


def make_norm(kind: str, channels: int) -> nn.Module:
    """Build the normalisation called ``kind`` (one of :data:`NORMS`) for ``channels``."""
    if kind == "global":
        return GlobalLayerNorm(channels)
    if kind == "channel":
        return ChannelLayerNorm(channels)
    if kind == "batch":
        return nn.BatchNorm1d(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown normalisation {kind!r} (known: {', '.join(NORMS)})")


class TCNBlock(nn.Module):
    """1×1 conv → PReLU → norm → depthwise dilated conv → PReLU → norm → 1×1 conv, + residual.

    The depthwise conv is non-causal with symmetric zero padding, so output frame t is aligned
    with input frame t and sees ``dilation * (kernel_size - 1) / 2`` frames on each side.
    """

    def __init__(
        self, channels: int, hidden: int, kernel_size: int, dilation: int, norm: str
    ) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError("kernel_size must be odd for symmetric 'same' padding")
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.net = nn.Sequential(
            nn.Conv1d(channels, hidden, 1),
            nn.PReLU(),
            make_norm(norm, hidden),
            nn.Conv1d(
                hidden,
                hidden,
                kernel_size,
                dilation=dilation,
                padding=dilation * (kernel_size - 1) // 2,
                groups=hidden,
            ),
            nn.PReLU(),
            make_norm(norm, hidden),
            nn.Conv1d(hidden, channels, 1),
        )

    @property
    def reach(self) -> int:
        """Frames seen on each side of the centre frame."""
        return self.dilation * (self.kernel_size - 1) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.net(x)
        return out


class TemporalConvNet(nn.Module):
    """Ψ without its non-negativity: features (B, D, T) → pre-activation (B, K, T)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        bottleneck: int = 64,
        hidden: int = 128,
        kernel_size: int = 3,
        layers_per_repeat: int = 3,
        repeats: int = 2,
        norm: str = "channel",
        input_norm: str = "batch",
    ) -> None:
        super().__init__()
        if norm not in ("global", "channel"):
            raise ValueError(f"block norm must be 'global' or 'channel', got {norm!r}")
        self.input_norm = make_norm(input_norm, in_channels)
        self.bottleneck = nn.Conv1d(in_channels, bottleneck, 1)
        self.blocks = nn.Sequential(
            *(
                TCNBlock(bottleneck, hidden, kernel_size, 2**i, norm)
                for _ in range(repeats)
                for i in range(layers_per_repeat)
            )
        )
        self.head = nn.Sequential(nn.PReLU(), nn.Conv1d(bottleneck, out_channels, 1))

    @property
    def receptive_field(self) -> int:
        """Exact receptive field in frames: 1 + 2·Σ reach of the blocks (29 by default)."""
        return 1 + 2 * sum(cast(TCNBlock, block).reach for block in self.blocks)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.bottleneck(self.input_norm(features))
        out: torch.Tensor = self.head(self.blocks(x))
        return out
