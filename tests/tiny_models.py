"""A random but complete model file for tests that need *a* model, not a good one."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def tiny_model_file(
    folder: Path, *, threshold_classes: Iterable[str] = (), name: str = "tiny.safetensors"
) -> Path:
    """Write a seeded K = 16 model through the real checkpoint path and return its file.

    Weights are drawn wider than the default init so the posteriors actually cross thresholds;
    ``threshold_classes`` get onset 0.5 / offset 0.4 / min_on 0.04 instead of the defaults.
    """
    import torch

    from segmenter.checkpoint import save_model
    from segmenter.model import ModelConfig, NMFSegmenter

    torch.manual_seed(0)
    model = NMFSegmenter(ModelConfig(n_components=16, bottleneck_channels=8, hidden_channels=16))
    for p in model.parameters():
        p.data.normal_(0, 0.3)
    thresholds = {c: {"onset": 0.5, "offset": 0.4, "min_on": 0.04} for c in threshold_classes}
    path = folder / name
    save_model(model, path, thresholds=thresholds or None)
    return path
