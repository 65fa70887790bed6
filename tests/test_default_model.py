"""The shipped default model: it loads, labels the demo recording fast on CPU, and labels it well.

The demo (``resources/demo``) is built from validation-side sources only, so this is a check on
recordings the model never trained on. Limits come from the default-model issue: speech and music
F1 ≥ 0.9 against the demo's exact reference, and under 2 s of CPU time to load and label 92 s.
"""

from __future__ import annotations

import time

import pytest
import torch

from annotator.resources import resource_path
from segmenter.audio import load_audio
from segmenter.checkpoint import load_model, read_model_info
from segmenter.evaluation import evaluate
from segmenter.inference import predict_waveform
from segmenter.training.annotations import read_rttm
from segmenter.training.labels import map_turns

MODEL = ("models", "default.safetensors")


@pytest.fixture(scope="module")
def demo() -> dict:
    folder = resource_path("demo", "demo.rttm").parent
    turns = read_rttm(folder / "demo.rttm")["demo"]
    return {"audio": folder / "demo.flac", "reference": map_turns(turns)}


def label_demo(audio_path):
    """Load the shipped model and label the demo: what a user's first run does."""
    model, info = load_model(resource_path(*MODEL), device="cpu")
    wave = load_audio(audio_path, model.spectrogram.sample_rate)
    prediction = predict_waveform(model, wave, device="cpu", activations="none")
    return prediction, prediction.segments(info.thresholds)


def test_default_model_is_small_self_describing_and_tuned():
    path = resource_path(*MODEL)
    assert path.stat().st_size < 5_000_000
    info = read_model_info(path)
    assert info.config.front_end == "spectrogram"
    assert info.classes == ("sp", "mu", "no", "ov")
    assert any(th.onset != 0.5 or th.min_on > 0 for th in info.thresholds.values())
    for cls in info.classes:
        assert 0.0 <= info.metrics["validation"]["classes"][cls]["f1"] <= 1.0
    assert info.training["recipe"].startswith("python -m segmenter.recipes train")


def test_default_model_labels_the_demo_in_under_two_cpu_seconds(demo):
    # One thread: CPU time is then the work done, not OpenMP spin-waiting on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        label_demo(demo["audio"])  # warm-up: first-call allocations are not the model's cost
        start = time.process_time()
        prediction, segments = label_demo(demo["audio"])
        cpu = time.process_time() - start
    finally:
        torch.set_num_threads(threads)
    assert prediction.duration == pytest.approx(92.0, abs=0.1)
    assert set(segments) == {"sp", "mu", "no", "ov"} and segments["sp"]
    assert cpu < 2.0, f"labelling the demo took {cpu:.2f} s of CPU"


def test_default_model_labels_demo_speech_and_music_with_f1_at_least_0_9(demo):
    result = score_demo(demo)
    assert result.time["sp"].f1 >= 0.9, result.table(per_file=False)
    assert result.time["mu"].f1 >= 0.9, result.table(per_file=False)


def test_default_model_keeps_the_demo_scores_its_card_reports(demo):
    """The shipped file must keep the card's figures (W2: speech 0.948, music 0.905, noise
    0.911), not just the issue's floor: a re-tuned or swapped model that labels worse fails
    here (D0, the previous version, had noise 0.897)."""
    result = score_demo(demo)
    assert result.time["sp"].f1 >= 0.945, result.table(per_file=False)
    assert result.time["mu"].f1 >= 0.9, result.table(per_file=False)
    assert result.time["no"].f1 >= 0.91, result.table(per_file=False)


def score_demo(demo):
    _, segments = label_demo(demo["audio"])
    return evaluate(
        {"demo": demo["reference"]},
        {"demo": {c: [(s.start, s.end) for s in v] for c, v in segments.items()}},
        classes=("sp", "mu", "no"),
    )
