"""Whole-file inference: exact chunking, overlap-add windows, sinks, progress and cancel."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile as sf
import torch

from segmenter.audio import load_audio
from segmenter.checkpoint import save_model
from segmenter.decisions import Thresholds, decide
from segmenter.errors import Cancelled
from segmenter.features import num_frames
from segmenter.inference import predict_file, predict_waveform, segment_file, uses_chunking
from segmenter.inference.chunked import run_chunked
from segmenter.inference.sinks import FrameSink
from segmenter.model import ModelConfig, NMFSegmenter

SMALL = dict(n_components=16, bottleneck_channels=8, hidden_channels=16)


def trained_like(model: NMFSegmenter, seed: int = 0) -> NMFSegmenter:
    """Random weights with non-trivial BatchNorm statistics, as after training."""
    torch.manual_seed(seed)
    for p in model.parameters():
        if p.requires_grad:
            p.data.normal_(0, 0.3)
    norm = model.psi.input_norm
    if isinstance(norm, torch.nn.BatchNorm1d):
        norm.running_mean.uniform_(0, 3)
        norm.running_var.uniform_(0.5, 2)
    return model.eval()


def signal(seconds: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Bursty harmonic signal plus noise, so every frame differs."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    env = (np.sin(2 * np.pi * 0.7 * t) > 0).astype(np.float32)
    x = 0.3 * env * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def local_model() -> NMFSegmenter:
    return trained_like(NMFSegmenter(ModelConfig(**SMALL)))


@pytest.fixture(scope="module")
def global_model() -> NMFSegmenter:
    return trained_like(NMFSegmenter(ModelConfig(norm="global", **SMALL)), seed=1)


def whole(model: NMFSegmenter, x: np.ndarray):
    with torch.no_grad():
        return model(torch.from_numpy(x).unsqueeze(0))


def assert_matches(pred, ref) -> None:
    np.testing.assert_allclose(pred.posteriors, ref.posteriors[0].numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(pred.logits, ref.logits[0].numpy(), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(pred.H), ref.H[0].numpy(), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("chunk_seconds", [0.3, 1.0, 2.37, 60.0])
def test_chunked_file_equals_one_pass(tmp_path, local_model, chunk_seconds):
    x = signal(23.1)
    path = tmp_path / "a.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    pred = predict_file(local_model, path, chunk_seconds=chunk_seconds, device="cpu")
    assert pred.method == "chunked" and uses_chunking(local_model)
    assert pred.num_frames == num_frames(x.size) and pred.duration == pytest.approx(23.1)
    assert_matches(pred, whole(local_model, x))


@pytest.mark.parametrize("block", [333, 7777, 64000])
def test_chunk_boundaries_off_block_boundaries(local_model, block):
    x = signal(9.87, seed=2)
    sink = FrameSink(4, 16, "memory")
    blocks = (x[i : i + block] for i in range(0, x.size, block))
    with torch.no_grad():
        n = run_chunked(local_model, blocks, sink, torch.device("cpu"), chunk_frames=97)
    logits, posteriors, H = sink.finish()
    ref = whole(local_model, x)
    assert n == x.size
    np.testing.assert_allclose(posteriors, ref.posteriors[0].numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(H, ref.H[0].numpy(), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("seconds", [0.001, 0.02, 0.5, 3.3])
def test_files_shorter_than_one_chunk(tmp_path, local_model, seconds):
    x = signal(seconds, seed=3) if seconds > 0.01 else np.full(16, 0.1, np.float32)
    path = tmp_path / "short.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    pred = predict_file(local_model, path, chunk_seconds=5.0, device="cpu")
    assert pred.num_frames == num_frames(x.size) >= 1
    assert_matches(pred, whole(local_model, x))


def test_resampled_file_matches_decoded_whole(tmp_path, local_model):
    x = signal(7.3, rate=44100, seed=4)
    path = tmp_path / "cd.flac"
    sf.write(path, x, 44100)
    pred = predict_file(local_model, path, chunk_seconds=1.5, device="cpu")
    assert_matches(pred, whole(local_model, load_audio(path)))


def test_activation_modes(tmp_path, local_model):
    x = signal(5.0, seed=5)
    memory = predict_waveform(local_model, x, chunk_seconds=1.0, device="cpu")
    mapped = predict_waveform(
        local_model, x, chunk_seconds=1.0, device="cpu", activations="mmap", mmap_dir=tmp_path
    )
    assert isinstance(mapped.H, np.memmap) and mapped.H.shape == memory.H.shape
    np.testing.assert_array_equal(np.asarray(mapped.H), memory.H)
    assert len(list(tmp_path.iterdir())) == 1  # kept where the caller asked
    none = predict_waveform(local_model, x, chunk_seconds=1.0, device="cpu", activations="none")
    assert none.H is None
    np.testing.assert_array_equal(none.posteriors, memory.posteriors)
    temp = predict_waveform(local_model, x, chunk_seconds=1.0, device="cpu", activations="mmap")
    np.testing.assert_array_equal(np.asarray(temp.H), memory.H)
    with pytest.raises(ValueError, match="activations"):
        predict_waveform(local_model, x, activations="disk")


def naive_overlap_add(model: NMFSegmenter, x: np.ndarray, win: int = 64000, step: int = 20):
    """Straightforward reference: every window run alone, scores summed then divided."""
    total = num_frames(x.size)
    wf = num_frames(win)
    starts = list(range(0, total - wf + 1, step))
    if starts[-1] + wf < total:
        starts.append(total - wf)
    post, h, count = np.zeros((4, total)), np.zeros((16, total)), np.zeros(total)
    for f in starts:
        piece = x[f * 320 : min(x.size, f * 320 + win)]
        out = whole(model, piece)
        post[:, f : f + wf] += out.posteriors[0].numpy()
        h[:, f : f + wf] += out.H[0].numpy()
        count[f : f + wf] += 1
    return post / count, h / count


def test_global_norm_model_uses_overlapping_windows(global_model):
    assert not uses_chunking(global_model)
    x = signal(9.37, seed=6)
    pred = predict_waveform(global_model, x, device="cpu", batch_size=3)
    assert pred.method == "windowed"
    assert pred.posteriors.shape == (4, num_frames(x.size)) and pred.H.shape[1] == pred.num_frames
    post, h = naive_overlap_add(global_model, x)
    np.testing.assert_allclose(pred.posteriors, post, atol=1e-5)
    np.testing.assert_allclose(pred.H, h, atol=1e-5)
    # Θ is linear, so averaged logits still decompose over the averaged H.
    W, b = global_model.classifier.weight.detach().numpy(), global_model.classifier.bias
    np.testing.assert_allclose(pred.logits, W @ pred.H + b.detach().numpy()[:, None], atol=1e-4)


def test_global_norm_short_file_is_one_window(global_model):
    x = signal(2.5, seed=7)
    pred = predict_waveform(global_model, x, device="cpu")
    assert_matches(pred, whole(global_model, x))


def test_wavlm_front_end_runs_windowed():
    from segmenter.features.wavlm import WavLMFrontEnd, random_wavlm

    cfg = ModelConfig(front_end="wavlm", **SMALL)
    front = WavLMFrontEnd(cfg.spectrogram, model=random_wavlm())
    model = NMFSegmenter(cfg, front_end=front).eval()
    x = signal(5.1, seed=8)
    pred = predict_waveform(model, x, device="cpu", step_seconds=1.0)
    assert pred.method == "windowed" and pred.posteriors.shape == (4, num_frames(x.size))
    assert np.isfinite(pred.posteriors).all()


def test_progress_is_reported_and_monotonic(local_model, global_model):
    for model in (local_model, global_model):
        calls: list[tuple[float, str]] = []
        predict_waveform(
            model, signal(12.0), chunk_seconds=1.0, device="cpu",
            progress=lambda f, m, calls=calls: calls.append((f, m)),
        )  # fmt: skip
        fractions = [f for f, _ in calls]
        assert len(calls) >= 3 and fractions == sorted(fractions)
        assert fractions[0] == 0.0 and fractions[-1] == 1.0


def test_cancel_raises_and_cleans_up(tmp_path, local_model, global_model):
    x = signal(30.0)
    path = tmp_path / "long.wav"
    sf.write(path, x, 16000)
    spill = tmp_path / "spill"
    for model in (local_model, global_model):
        cancel = threading.Event()

        def progress(fraction: float, message: str, cancel=cancel) -> None:
            if fraction > 0:
                cancel.set()

        with pytest.raises(Cancelled):
            predict_file(
                model, path, chunk_seconds=1.0, device="cpu", progress=progress,
                cancel=cancel, activations="mmap", mmap_dir=spill,
            )  # fmt: skip
        assert not any(spill.iterdir())  # the half-written activation file is gone
    already = threading.Event()
    already.set()
    with pytest.raises(Cancelled):
        predict_file(local_model, path, cancel=already)


def test_inference_is_deterministic_and_restores_training_mode(local_model):
    x = signal(4.0, seed=9)
    local_model.train()
    try:
        a = predict_waveform(local_model, x, chunk_seconds=1.0, device="cpu")
        assert local_model.training
    finally:
        local_model.eval()
    b = predict_waveform(local_model, x, chunk_seconds=1.0, device="cpu")
    np.testing.assert_array_equal(a.posteriors, b.posteriors)


def test_segment_file_uses_the_thresholds_stored_with_the_model(tmp_path, local_model):
    x = signal(6.0, seed=10)
    audio = tmp_path / "a.wav"
    sf.write(audio, x, 16000)
    stored = {c: Thresholds(onset=0.6, offset=0.4, min_on=0.1) for c in local_model.classes}
    model_path = tmp_path / "m.safetensors"
    save_model(local_model, model_path, thresholds=stored)
    segments = segment_file(model_path, None, audio, device="cpu")
    pred = predict_file(local_model, audio, device="cpu")
    assert segments == decide(pred.posteriors, stored, duration=pred.duration)
    never = Thresholds(onset=1.0, offset=1.0)
    assert all(not s for s in segment_file(local_model, never, audio, device="cpu").values())
