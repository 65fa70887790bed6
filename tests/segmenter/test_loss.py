"""The training objective: masked BCE, reconstruction, sparsity, and distillation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from segmenter.loss import distillation_loss, segmenter_loss
from segmenter.model import ModelOutput


def output(B=2, C=4, K=5, Fq=6, T=7, seed=0) -> ModelOutput:
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, C, T, generator=g, requires_grad=True)
    H = torch.rand(B, K, T, generator=g)
    return ModelOutput(logits, torch.sigmoid(logits), H, torch.rand(B, Fq, T, generator=g),
                       torch.rand(B, Fq, T, generator=g))  # fmt: skip


def test_unmasked_loss_is_the_weighted_sum_of_plain_terms():
    out = output()
    y = (torch.rand(out.logits.shape) > 0.5).float()
    total, parts = segmenter_loss(out, y, alpha=10, beta=5, gamma=0.1)
    bce = F.binary_cross_entropy(out.posteriors, y)
    mse = F.mse_loss(out.reconstruction, out.target)
    l1 = out.H.abs().mean()
    assert total.item() == pytest.approx((10 * bce + 5 * mse + 0.1 * l1).item(), rel=1e-5)
    assert parts["bce"] == pytest.approx(bce.item(), rel=1e-5) and parts["total"] == total.item()
    total.backward()
    assert out.logits.grad is not None


def test_mask_ignores_unknown_labels():
    out = output()
    y = torch.zeros(out.logits.shape)
    mask = torch.ones_like(y)
    mask[:, 3] = 0  # overlap not annotated
    _, parts = segmenter_loss(out, y, mask)
    y2 = y.clone()
    y2[:, 3] = 1  # whatever the unknown labels say, the loss is the same
    _, parts2 = segmenter_loss(out, y2, mask)
    assert parts["bce"] == parts2["bce"]
    expected = F.binary_cross_entropy_with_logits(out.logits[:, :3], y[:, :3])
    assert parts["bce"] == pytest.approx(expected.item(), rel=1e-5)
    frame_mask = torch.ones(2, 7)
    frame_mask[:, 5:] = 0
    _, parts3 = segmenter_loss(out, y, frame_mask)  # a (B, T) mask applies to every class
    expected = F.binary_cross_entropy_with_logits(out.logits[..., :5], y[..., :5])
    assert parts3["bce"] == pytest.approx(expected.item(), rel=1e-5)


def test_frames_mask_removes_padding_from_every_term():
    out = output()
    y = torch.zeros(out.logits.shape)
    frames = torch.ones(2, 7)
    frames[1, 4:] = 0
    _, parts = segmenter_loss(out, y, frames=frames)
    keep = frames.bool()
    mse = (out.target - out.reconstruction).square().permute(0, 2, 1)[keep].mean()
    assert parts["mse"] == pytest.approx(mse.item(), rel=1e-5)
    assert parts["l1"] == pytest.approx(out.H.permute(0, 2, 1)[keep].mean().item(), rel=1e-5)


def test_distillation():
    s = torch.randn(2, 4, 7)
    assert distillation_loss(s, s.clone(), temperature=2.0).item() == pytest.approx(0.0, abs=1e-6)
    assert distillation_loss(s, s + 1.0).item() > 0
    out = output()
    y = torch.zeros(out.logits.shape)
    _, plain = segmenter_loss(out, y)
    _, mixed = segmenter_loss(out, y, teacher_logits=out.logits.detach() + 2, kd_weight=0.5)
    assert mixed["kd"] > 0 and mixed["total"] != plain["total"]


def test_shape_errors():
    out = output()
    with pytest.raises(ValueError, match="labels shape"):
        segmenter_loss(out, torch.zeros(2, 3, 7))
    out.target = None
    with pytest.raises(ValueError, match="target"):
        segmenter_loss(out, torch.zeros(2, 4, 7))


def test_class_weights_scale_each_class_bce_cells():
    out = output()
    y = (torch.rand(out.logits.shape, generator=torch.Generator().manual_seed(3)) > 0.5).float()
    cells = F.binary_cross_entropy_with_logits(out.logits, y, reduction="none")
    w = torch.tensor([1.0, 3.0, 1.0, 0.5])
    _, parts = segmenter_loss(out, y, class_weights=w)
    assert parts["bce"] == pytest.approx((cells * w[None, :, None]).mean().item(), rel=1e-5)
    _, ones = segmenter_loss(out, y, class_weights=torch.ones(4))
    _, plain = segmenter_loss(out, y)
    assert ones["bce"] == pytest.approx(plain["bce"], rel=1e-6)
    with pytest.raises(ValueError, match="class_weights shape"):
        segmenter_loss(out, y, class_weights=torch.ones(3))
