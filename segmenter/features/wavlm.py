"""The paper's front end: a frozen WavLM whose hidden states are mixed by learned weights.

All hidden states (the input of the first transformer layer, then every layer's output) are
combined by a softmax-weighted sum whose L+1 logits are the only trained parameters here, then each
channel is instance-normalised over time without affine parameters. WavLM weights come from a
local directory (``save_pretrained`` layout) or the offline Hugging Face cache, always with
``local_files_only=True``: nothing is ever downloaded.

Frame alignment: WavLM's convolutional encoder already frames like the spectrogram (400-sample
span, hop 320), and input shorter than 400 samples is zero-padded to 400 as in the spectrogram.
If an unusual conv stack yields a different count, the output is cropped at the end, or its last
frame repeated, to the spectrogram's ``num_frames(N)``, so S and X always line up 1:1.

Not local: attention spans the whole input and instance norm pools over time, so features of a
chunk differ from those of the whole file; chunked inference must use overlapping windows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from segmenter.errors import FrontEndError
from segmenter.features.front_end import FrontEnd
from segmenter.features.spectrogram import SpectrogramConfig

if TYPE_CHECKING:
    from transformers import WavLMModel

__all__ = ["WavLMFrontEnd", "load_wavlm", "random_wavlm"]


def load_wavlm(model_path: str | Path) -> WavLMModel:
    """Load WavLM from a local directory or the offline hub cache; never downloads."""
    try:
        from transformers import WavLMModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - transformers is a hard dependency
        raise FrontEndError(f"the wavlm front end needs transformers ({exc})") from exc
    source = str(model_path)
    if not source:
        raise FrontEndError("wavlm front end: no WavLM model path given")
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        model = WavLMModel.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FrontEndError(
            f"{source}: WavLM weights not found locally (no download is attempted): {first}"
        ) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    return model


def random_wavlm(hidden_size: int = 32, num_layers: int = 2, seed: int = 0) -> WavLMModel:
    """A randomly initialised small WavLM with the real conv framing (kernels, strides).

    For tests and offline checks of the wavlm code path: nothing is downloaded, and its frame
    count for N samples is exactly that of WavLM Base/Large.
    """
    from transformers import WavLMConfig, WavLMModel

    config = WavLMConfig(
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden_size,
        conv_dim=(8,) * 7,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        num_buckets=32,
        max_bucket_distance=100,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return WavLMModel(config).eval()


def _read_do_normalize(model_path: str | Path) -> bool:
    """The ``do_normalize`` flag of a local preprocessor config (WavLM Large wants True)."""
    config = Path(str(model_path)) / "preprocessor_config.json"
    try:
        return bool(json.loads(config.read_text(encoding="utf-8")).get("do_normalize", False))
    except (OSError, ValueError):
        return False


class WavLMFrontEnd(FrontEnd):
    """Frozen WavLM → softmax-weighted sum of hidden states → instance norm (no affine)."""

    name = "wavlm"
    is_local = False

    def __init__(
        self,
        spectrogram: SpectrogramConfig,
        model_path: str = "",
        normalize_input: bool | None = None,
        model: WavLMModel | None = None,
        eps: float = 1e-5,
    ) -> None:
        super().__init__(spectrogram)
        if spectrogram.sample_rate != 16000:
            raise FrontEndError("wavlm front end: WavLM works at 16 kHz only")
        self.model_path = str(model_path)
        self.wavlm = model if model is not None else load_wavlm(model_path)
        self.wavlm.requires_grad_(False)
        self.wavlm.eval()
        if normalize_input is None:
            normalize_input = _read_do_normalize(model_path) if model_path else False
        self.normalize_input = bool(normalize_input)
        self.eps = float(eps)
        num_states = int(self.wavlm.config.num_hidden_layers) + 1
        self.layer_logits = nn.Parameter(torch.zeros(num_states))

    @property
    def feature_dim(self) -> int:
        return int(self.wavlm.config.hidden_size)

    def train(self, mode: bool = True) -> WavLMFrontEnd:
        """Keep WavLM in eval mode (no dropout) whatever the surrounding model does."""
        super().train(mode)
        self.wavlm.eval()
        return self

    def config_dict(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "normalize_input": self.normalize_input}

    def external_state_prefixes(self) -> tuple[str, ...]:
        return ("wavlm.",)

    def layer_weights(self) -> torch.Tensor:
        """Current softmax weights of the hidden states (explains which layers matter)."""
        return torch.softmax(self.layer_logits, dim=0)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = waveform.reshape(-1, waveform.shape[-1]).float()
        batch, n = x.shape
        target = self.num_frames(n)
        if target == 0:
            return x.new_zeros(batch, self.feature_dim, 0)
        if self.normalize_input:
            mean = x.mean(dim=-1, keepdim=True)
            var = x.var(dim=-1, unbiased=False, keepdim=True)
            x = (x - mean) / torch.sqrt(var + 1e-7)
        if n < self.spectrogram.frame_length:
            x = F.pad(x, (0, self.spectrogram.frame_length - n))
        with torch.no_grad():
            states = self.wavlm(x, output_hidden_states=True).hidden_states
            stacked = torch.stack(states, dim=0)  # (L+1, B, T, D)
        weights = self.layer_weights().to(stacked.dtype)
        mixed = torch.einsum("l,lbtd->bdt", weights, stacked)
        mixed = _match_frames(mixed, target)
        # Instance norm by hand: F.instance_norm refuses a single frame in training mode.
        mean = mixed.mean(dim=-1, keepdim=True)
        var = mixed.var(dim=-1, unbiased=False, keepdim=True)
        return (mixed - mean) / torch.sqrt(var + self.eps)


def _match_frames(features: torch.Tensor, target: int) -> torch.Tensor:
    """Crop or repeat-pad the time axis of (B, D, T) to ``target`` frames."""
    frames = features.shape[-1]
    if frames > target:
        return features[..., :target]
    if frames < target:
        return F.pad(features, (0, target - frames), mode="replicate")
    return features
