"""The spectrogram front end's ``log`` compression: what Ψ reads, and that every path agrees."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from segmenter.checkpoint import load_model, save_model
from segmenter.features import log_power_spectrogram
from segmenter.features.base import SpectrogramFrontEnd
from segmenter.inference import predict_file, predict_waveform
from segmenter.model import ModelConfig, NMFSegmenter
from tests.segmenter.test_inference import SMALL, assert_matches, signal, trained_like, whole


def log_model(**extra) -> NMFSegmenter:
    config = ModelConfig(front_end_params={"compression": "log"}, **SMALL, **extra)
    return trained_like(NMFSegmenter(config))


def test_log_features_keep_quiet_bins_apart_where_log1p_flattens_them():
    x = torch.from_numpy(signal(1.0) * 1e-3)  # a recording at about -60 dBFS
    front = SpectrogramFrontEnd(ModelConfig().spectrogram, compression="log")
    target = log_power_spectrogram(x.unsqueeze(0), front.spectrogram)
    power = torch.expm1(target)
    np.testing.assert_allclose(front(x.unsqueeze(0)), torch.log(power + 1e-6), rtol=1e-5, atol=1e-4)
    assert float(target.max() - target.min()) < 0.5  # log1p: everything squeezed near zero
    features = front(x.unsqueeze(0))
    assert float(features.max() - features.min()) > 5.0  # log: a usable dynamic range


def test_default_compression_is_the_target_itself():
    model = trained_like(NMFSegmenter(ModelConfig(**SMALL)))
    features, target = model.compute_features(torch.from_numpy(signal(0.5)))
    assert torch.equal(features, target)
    assert model.front_end.config_dict() == {}


def test_log_model_features_differ_from_target_but_reconstruct_it():
    model = log_model()
    features, target = model.compute_features(torch.from_numpy(signal(0.5)))
    assert not torch.allclose(features, target)
    out = model(torch.from_numpy(signal(0.5)))
    assert torch.equal(out.target, target)


@pytest.mark.parametrize("chunk_seconds", [0.4, 3.0])
def test_chunked_inference_of_a_log_model_equals_one_pass(tmp_path, chunk_seconds):
    model, x = log_model(), signal(9.3)
    path = tmp_path / "a.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    pred = predict_file(model, path, chunk_seconds=chunk_seconds, device="cpu")
    assert pred.method == "chunked"
    assert_matches(pred, whole(model, x))


def test_windowed_inference_of_a_global_log_model_runs_on_the_log_features():
    model = log_model(norm="global")
    x = signal(3.0)
    pred = predict_waveform(model, x, device="cpu")
    assert_matches(pred, whole(model, x))  # one window: the same as the whole pass


def test_compression_survives_the_model_file(tmp_path):
    model = log_model()
    path = tmp_path / "m.safetensors"
    save_model(model, path)
    loaded, _ = load_model(path)
    assert loaded.front_end.compression == "log" and loaded.front_end.floor == 1e-6
    x = torch.from_numpy(signal(1.0)).unsqueeze(0)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x).logits, model(x).logits)


def test_unknown_compression_is_refused():
    with pytest.raises(ValueError, match="compression"):
        NMFSegmenter(ModelConfig(front_end_params={"compression": "cube"}, **SMALL))
