"""Ψ/W/Θ wiring: shapes, receptive field, locality, chunk exactness, config round trip."""

from __future__ import annotations

import pytest
import torch

from segmenter.features import frame_sample_span, log_power_spectrogram
from segmenter.model import CLASSES, ModelConfig, ModelOutput, NMFSegmenter

SMALL = dict(n_components=16, bottleneck_channels=8, hidden_channels=16)


def changed_frames(model: NMFSegmenter, frames: int = 120, at: int = 60) -> torch.Tensor:
    """Output frames whose logits change when one input frame is perturbed."""
    g = torch.Generator().manual_seed(0)
    S = torch.randn(1, model.front_end.feature_dim, frames, generator=g)
    S2 = S.clone()
    S2[:, :, at] += 3.0 * torch.randn(model.front_end.feature_dim, generator=g)
    with torch.no_grad():
        d = (model.forward_features(S).logits - model.forward_features(S2).logits).abs()
    return torch.nonzero(d.sum(dim=(0, 1)) > 0).flatten()


def test_default_model_shapes_and_size():
    torch.manual_seed(0)
    model = NMFSegmenter().eval()
    assert model.classes == CLASSES == ("sp", "mu", "no", "ov")
    assert 0.15e6 < model.count_parameters() < 0.25e6  # "about 0.2 M"
    assert model.W.shape == (513, 256) and not model.W.requires_grad
    out = model(torch.randn(2, 64000))
    assert isinstance(out, ModelOutput)
    assert out.logits.shape == (2, 4, 199) and out.posteriors.shape == (2, 4, 199)
    assert out.H.shape == (2, 256, 199) and (out.H >= 0).all()
    assert out.reconstruction.shape == out.target.shape == (2, 513, 199)
    torch.testing.assert_close(out.posteriors, torch.sigmoid(out.logits))
    torch.testing.assert_close(out.reconstruction, torch.einsum("fk,bkt->bft", model.W, out.H))


def test_logits_decompose_exactly_over_components():
    model = NMFSegmenter(ModelConfig(**SMALL)).eval()
    out = model(torch.randn(1, 16000))
    theta, bias = model.classifier.weight, model.classifier.bias
    manual = bias[None, :, None] + (theta[None, :, :, None] * out.H[:, None]).sum(dim=2)
    torch.testing.assert_close(out.logits, manual)


def test_one_sample_and_single_frame_inputs():
    model = NMFSegmenter(ModelConfig(**SMALL)).eval()
    assert model(torch.randn(1)).logits.shape == (1, 4, 1)
    model_g = NMFSegmenter(ModelConfig(norm="global", **SMALL)).train()
    assert model_g(torch.randn(2, 300)).logits.shape == (2, 4, 1)


@pytest.mark.parametrize("repeats,layers", [(2, 3), (1, 3), (3, 2)])
def test_receptive_field_is_exact_for_the_channel_norm_network(repeats, layers):
    cfg = ModelConfig(repeats=repeats, layers_per_repeat=layers, **SMALL)
    model = NMFSegmenter(cfg).eval()
    expected = 1 + 2 * repeats * sum(2**i for i in range(layers))
    assert model.receptive_field == expected
    assert model.is_local
    changed = changed_frames(model)
    half = model.context_frames
    assert changed.tolist() == list(range(60 - half, 60 + half + 1))


def test_default_receptive_field_is_29_frames():
    assert NMFSegmenter(ModelConfig(**SMALL)).receptive_field == 29


def test_global_norm_network_is_not_local():
    model = NMFSegmenter(ModelConfig(norm="global", **SMALL)).eval()
    assert not model.is_local
    assert len(changed_frames(model)) == 120  # every frame moves
    paper_input = NMFSegmenter(ModelConfig(norm="channel", input_norm="global", **SMALL))
    assert not paper_input.is_local


def test_chunked_features_reproduce_whole_file_output():
    """What chunked inference relies on: a chunk with ±context margin is exact in its core."""
    torch.manual_seed(1)
    model = NMFSegmenter(ModelConfig(**SMALL)).eval()
    # Give BatchNorm non-trivial running statistics, as after training.
    model.psi.input_norm.running_mean.uniform_(0, 3)
    model.psi.input_norm.running_var.uniform_(0.5, 2)
    x = torch.randn(48000)
    whole = model(x.unsqueeze(0))
    start, end, margin = 40, 90, model.context_frames
    lo, hi = max(0, start - margin), min(whole.logits.shape[-1], end + margin)
    a, b = frame_sample_span(lo, hi)
    padded = torch.nn.functional.pad(x, (1000, 1000))
    X = log_power_spectrogram(padded[a + 1000 : b + 1000], padded=False).unsqueeze(0)
    part = model.forward_features(X, X).crop(start - lo, end - lo)
    torch.testing.assert_close(part.logits, whole.logits[..., start:end], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(part.H, whole.H[..., start:end], atol=1e-5, rtol=1e-5)


def test_forward_accepts_features_and_checks_channels():
    model = NMFSegmenter(ModelConfig(**SMALL)).eval()
    x = torch.randn(2, 8000)
    S, X = model.compute_features(x)
    torch.testing.assert_close(model(S).logits, model(x).logits)
    with pytest.raises(ValueError, match="channels"):
        model.forward_features(torch.randn(1, 100, 10))


def test_softplus_and_dictionary_validation():
    model = NMFSegmenter(ModelConfig(nonneg="softplus", **SMALL)).eval()
    assert (model(torch.randn(1, 4000)).H > 0).all()
    with pytest.raises(ValueError, match="shape"):
        model.set_dictionary(torch.rand(10, 16))
    with pytest.raises(ValueError, match="non-negative"):
        model.set_dictionary(-torch.rand(513, 16))
    W = torch.rand(513, 16)
    model.set_dictionary(W)
    torch.testing.assert_close(model.W, W)


def test_w_is_not_trained_but_psi_and_theta_are():
    model = NMFSegmenter(ModelConfig(**SMALL)).train()
    before = model.W.clone()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    out = model(torch.randn(2, 8000))
    (out.logits.square().mean() + (out.target - out.reconstruction).square().mean()).backward()
    assert model.classifier.weight.grad is not None
    assert model.psi.bottleneck.weight.grad is not None
    optimiser.step()
    assert torch.equal(model.W, before)
    assert "dictionary" in model.state_dict() and "dictionary" not in dict(model.named_parameters())


def test_config_round_trip_and_validation():
    cfg = ModelConfig(norm="global", repeats=3, classes=("a", "b"), **SMALL)
    again = ModelConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.classes == ("a", "b")
    assert NMFSegmenter(again).classifier.out_features == 2
    with pytest.raises(ValueError, match="unknown model config keys"):
        ModelConfig.from_dict({**cfg.to_dict(), "dropout": 0.1})
    for bad in ({"norm": "batch"}, {"nonneg": "abs"}, {"classes": ("sp", "sp")}, {"n_fft": 256}):
        with pytest.raises(ValueError):
            ModelConfig(**bad)
    assert ModelConfig().resolved_input_norm == "batch"
    assert ModelConfig(norm="global").resolved_input_norm == "global"


def test_wavlm_front_end_model():
    from segmenter.features.wavlm import WavLMFrontEnd, random_wavlm

    cfg = ModelConfig(front_end="wavlm", **SMALL)
    fe = WavLMFrontEnd(cfg.spectrogram, model=random_wavlm())
    model = NMFSegmenter(cfg, front_end=fe).eval()
    assert not model.is_local
    out = model(torch.randn(2, 16000))
    assert out.logits.shape == (2, 4, 49) and out.target.shape == (2, 513, 49)
    portable = model.portable_state_dict()
    assert not any(k.startswith("front_end.wavlm.") for k in portable)
    assert "front_end.layer_logits" in portable
    assert all(k.startswith("front_end.wavlm.") for k in model.external_state_keys())
