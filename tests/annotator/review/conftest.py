"""Model evidence for the review tools: hand-made arrays, and a tiny random model's real run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.review.export import RunEvidence
from tests.tiny_models import tiny_model_file

RATE = 16000


def evidence_from(H, W, theta, bias, frame_duration=0.02, sample_rate=RATE) -> RunEvidence:
    """Evidence whose posteriors are exactly what Θ·H + b says."""
    logits = theta @ H + bias[:, None]
    return RunEvidence(
        classes=("sp", "mu", "no", "ov")[: theta.shape[0]],
        lanes=("speech", "music", "noise", "overlap")[: theta.shape[0]],
        posteriors=(1 / (1 + np.exp(-logits))).astype(np.float32),
        H=H, W=W, theta=theta, bias=bias,
        frame_duration=frame_duration, sample_rate=sample_rate,
    )  # fmt: skip


@pytest.fixture
def random_evidence() -> RunEvidence:
    rng = np.random.default_rng(7)
    K, T = 12, 150
    H = rng.gamma(0.6, 1.0, size=(K, T)) * (rng.random((K, T)) < 0.7)
    W = rng.random((257, K))
    theta = rng.normal(0, 1.0, size=(4, K))
    bias = rng.normal(0, 0.5, size=4)
    return evidence_from(H, W, theta, bias)


def tone_recording(seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 0.01 * rng.standard_normal(int(seconds * RATE))
    t = np.arange(x.size) / RATE
    loud = (t >= 1.0) & (t < 2.0)
    x[loud] += 0.3 * np.sin(2 * np.pi * 220 * t[loud])
    return x.astype(np.float32)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_file(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="session")
def model_run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory):
    """(recording path, samples, evidence with H, model logits) of the tiny model on a tone."""
    from segmenter.checkpoint import load_model
    from segmenter.inference import predict_file

    path = tmp_path_factory.mktemp("audio") / "tone.wav"
    samples = tone_recording()
    sf.write(path, samples, RATE)
    model, _ = load_model(tiny_model)
    pred = predict_file(model, path, device="cpu", activations="memory")
    evidence = RunEvidence(
        classes=pred.classes, lanes=("speech", "music", "noise", "overlap"),
        posteriors=pred.posteriors, H=pred.H, W=model.W.numpy().copy(),
        theta=model.classifier.weight.detach().numpy().copy(),
        bias=model.classifier.bias.detach().numpy().copy(),
        frame_duration=pred.frame_duration, sample_rate=pred.sample_rate,
    )  # fmt: skip
    return path, samples, evidence, pred.logits
