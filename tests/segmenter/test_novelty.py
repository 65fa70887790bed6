"""What the model cannot see: reconstruction norms from inference, the reference profile, and
the support divergence of a labelled segment."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from segmenter.explain.novelty import (
    ProfileBuilder,
    ReferenceProfile,
    rebuilt_share,
    reconstruction_norms,
    segment_support,
    support_divergence,
)
from segmenter.features import log_power_spectrogram
from segmenter.inference import predict_file, predict_waveform
from segmenter.model import ModelConfig, NMFSegmenter

SMALL = dict(n_components=16, bottleneck_channels=8, hidden_channels=16)


def model_with_dictionary(norm: str = "channel") -> NMFSegmenter:
    torch.manual_seed(0)
    model = NMFSegmenter(ModelConfig(norm=norm, **SMALL))
    for p in model.parameters():
        p.data.normal_(0, 0.3)
    model.set_dictionary(torch.rand(model.spectrogram.n_bins, 16))
    return model.eval()


def tone(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    gate = (np.sin(2 * np.pi * 0.5 * t) > 0).astype(np.float32)
    return (0.3 * gate * np.sin(2 * np.pi * 330 * t) + 0.02 * rng.standard_normal(t.size)).astype(
        np.float32
    )


def test_reconstruction_norms_numpy_and_torch_agree():
    rng = np.random.default_rng(1)
    X, WH = rng.random((5, 7)), rng.random((5, 7))
    rows = reconstruction_norms(X, WH)
    assert rows.shape == (2, 7) and rows.dtype == np.float32
    np.testing.assert_allclose(rows[0], np.linalg.norm(X - WH, axis=0), rtol=1e-5)
    np.testing.assert_allclose(rows[1], np.linalg.norm(X, axis=0), rtol=1e-5)
    np.testing.assert_allclose(reconstruction_norms(torch.from_numpy(X), torch.from_numpy(WH)),
                               rows, rtol=1e-5)  # fmt: skip
    assert rebuilt_share([0.6], [1.0]) == pytest.approx(0.64)
    assert rebuilt_share([3.0], [1.0]) == 0.0 and rebuilt_share([0.0], [0.0]) == 0.0


@pytest.mark.parametrize("chunk_seconds", [0.7, 60.0])
def test_chunked_inference_measures_the_whole_file_reconstruction(tmp_path, chunk_seconds):
    model = model_with_dictionary()
    x = tone(7.3)
    path = tmp_path / "a.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    pred = predict_file(model, path, device="cpu", chunk_seconds=chunk_seconds,
                        reconstruction=True)  # fmt: skip
    with torch.no_grad():
        X = log_power_spectrogram(torch.from_numpy(x)[None], model.spectrogram)[0].numpy()
    expected = reconstruction_norms(X, model.W.numpy() @ np.asarray(pred.H))
    assert pred.reconstruction.shape == (2, pred.num_frames)
    np.testing.assert_allclose(pred.reconstruction, expected, rtol=1e-4, atol=1e-4)
    assert predict_file(model, path, device="cpu").reconstruction is None  # only when asked


def test_windowed_inference_has_no_reconstruction():
    model = model_with_dictionary("global")
    pred = predict_waveform(model, tone(2.0), device="cpu", reconstruction=True)
    assert pred.method == "windowed" and pred.reconstruction is None


def profile_from(errors_by_level: dict[float, np.ndarray]) -> ReferenceProfile:
    builder = ProfileBuilder()
    for level, errors in errors_by_level.items():
        norm = np.full(errors.size, level)
        builder.add(np.stack([errors * norm, norm]))
    return builder.finish("test")


def test_percentile_is_judged_within_the_frames_level_band():
    rng = np.random.default_rng(0)
    # loud frames are rebuilt to an error near 0.5, quiet ones overshoot near 100
    profile = profile_from({
        10.0: np.exp(rng.normal(np.log(0.5), 0.1, 5000)),
        0.01: np.exp(rng.normal(np.log(100.0), 0.1, 5000)),
    })  # fmt: skip
    pct = profile.percentile([5.0, 10.0, 1.0, 1e-6], [10.0, 10.0, 0.01, 1e-6])
    assert pct[0] == pytest.approx(0.5, abs=0.03)  # error 0.5 at the loud level: typical
    assert pct[1] == 1.0  # error 1.0 is worse than every loud reference frame
    assert pct[2] == pytest.approx(0.5, abs=0.03)  # error 100 is typical when quiet
    assert np.isnan(pct[3])  # silence is never judged
    # a level without reference frames borrows the nearest band that has them
    assert profile.percentile([30.0], [30.0])[0] == 1.0


def test_profile_round_trips_through_a_dict_and_refuses_garbage():
    profile = profile_from({1.0: np.linspace(0.2, 2.0, 400)})
    again = ReferenceProfile.from_dict(profile.to_dict())
    assert again.band_frames == profile.band_frames
    np.testing.assert_allclose(again.percentile([0.5, 1.5], [1.0, 1.0]),
                               profile.percentile([0.5, 1.5], [1.0, 1.0]), atol=1e-3)  # fmt: skip
    with pytest.raises(ValueError):
        ReferenceProfile.from_dict({"level_edges": [0, 1]})


def test_support_divergence_names_the_component_that_strays():
    typical = np.array([0.5, 0.5, 0.0, 0.0])
    assert support_divergence([1.0, 1.0, 0.0, 0.0], typical) == (pytest.approx(0.0, abs=1e-5), 0)
    divergence, top = support_divergence([1.0, 1.0, 0.0, 2.0], typical)
    assert top == 3 and divergence > 5.0  # half the support on a component never behind it
    assert support_divergence([0.0, 0.0, 0.0, 0.0], typical) == (0.0, -1)
    H = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(segment_support(H, [1.0, -1.0, 2.0, 0.0], 1, 3, block=1),
                               [3.0, 0.0, 2 * 15.0, 0.0])  # fmt: skip


def test_segments_give_the_typical_mix_and_its_spread():
    builder = ProfileBuilder()
    H = np.zeros((3, 100))
    H[0, :50], H[1, 50:90], H[2, 90:] = 1.0, 1.0, 1.0
    theta = np.ones((1, 3))
    builder.add(np.ones((2, 100)))
    builder.add_segments(H, theta, ("sp",), {"sp": [(0, 50), (50, 90), (90, 100)]})
    profile = builder.finish("test")
    np.testing.assert_allclose(profile.class_support["sp"], [0.5, 0.4, 0.1])
    # the 10-frame segment on component 2 strays furthest: the top of the spread
    assert profile.divergence_percentile("sp", np.log(1 / 0.1)) >= 0.9
    assert profile.divergence_percentile("sp", np.log(1 / 0.1) + 0.1) == 1.0
    assert profile.divergence_percentile("sp", 0.0) == 0.0
    assert profile.divergence_percentile("mu", 1.0) is None
