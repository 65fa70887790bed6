"""A small labelled project and a briefly trained tiny model whose class layer is wrong.

Audio is synthetic with exact labels: "speech" (syllable-modulated harmonics), "music"
(sustained chords), "noise" (filtered noise bursts) and silence, one event at a time. The base
model is trained for a few epochs, then its music and noise rows of Θ (and biases) are swapped:
Ψ and W still separate the classes, but the class layer names them wrongly — the situation
fine-tuning on corrections is for, and one threshold tuning alone cannot repair.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from annotator.core import Annotation, Lane, Project, RecordingInfo, RecordingStatus, Segment

RATE = 16000
SMALL = dict(
    n_fft=512, win_length=400, n_components=16, bottleneck_channels=16, hidden_channels=32,
    repeats=1,
)  # fmt: skip
LANES = {"sp": "speech", "mu": "music", "no": "noise"}


def _event(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    if kind == "sp":
        f0 = rng.uniform(110, 220) * (1 + 0.08 * np.sin(2 * np.pi * 0.9 * t))
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        voice = sum(np.sin(k * phase) / k for k in range(1, 12))
        return 0.15 * voice * np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)), 0, None)
    if kind == "mu":
        root = rng.choice([220.0, 261.6, 329.6])
        return 0.06 * sum(np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.26, 1.5, 2.0, 3.0))
    if kind == "no":
        return 0.12 * np.convolve(rng.standard_normal(n), np.ones(3) / 3, mode="same")
    return np.zeros(n)


def synthetic(seed: int, seconds: float = 10.0) -> tuple[np.ndarray, dict[str, list]]:
    """Audio and exact class spans, events of 1–2.5 s one after another."""
    rng = np.random.default_rng(seed)
    audio = 0.001 * rng.standard_normal(int(seconds * RATE))
    spans: dict[str, list] = {"sp": [], "mu": [], "no": []}
    t = 0.0
    while t < seconds - 0.5:
        kind = str(rng.choice(["sp", "mu", "no", "silence"], p=[0.35, 0.25, 0.25, 0.15]))
        dur = round(float(min(rng.uniform(1.0, 2.5), seconds - t)), 2)
        a, b = int(round(t * RATE)), int(round((t + dur) * RATE))
        audio[a:b] += _event(rng, kind, b - a)
        if kind in spans:
            spans[kind].append((round(t, 2), round(t + dur, 2)))
        t = round(t + dur, 2)
    return audio.astype(np.float32), spans


@pytest.fixture(scope="session")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from segmenter.checkpoint import save_model
    from segmenter.model import ModelConfig, NMFSegmenter
    from segmenter.training import (
        RandomChunks,
        Recording,
        TrainConfig,
        balanced_dictionary,
        class_frames,
        train,
    )  # fmt: skip

    torch.manual_seed(0)
    model = NMFSegmenter(ModelConfig(**SMALL))
    recordings = []
    for i in range(4):
        audio, spans = synthetic(100 + i, 15.0)
        recordings.append(Recording(
            uri=f"base{i}", path=Path(f"base{i}.wav"), duration=audio.size / RATE,
            spans={**spans, "ov": []}, annotated=("sp", "mu", "no"), audio=audio,
        ))  # fmt: skip
    frames = class_frames(
        recordings, cfg=model.spectrogram, segments_per_class={"sp": 8, "mu": 8, "no": 8}
    )
    model.set_dictionary(balanced_dictionary(frames, 16, iterations=40, max_frames=3000))
    chunks = RandomChunks(recordings, 48, model.spectrogram, chunk_seconds=2.0)
    train(model, chunks, None, TrainConfig(epochs=3, batch_size=16, device="cpu", lr=3e-3))
    with torch.no_grad():  # the class layer now calls music "noise" and noise "music"
        order = [0, 2, 1, 3]
        model.classifier.weight.copy_(model.classifier.weight[order].clone())
        model.classifier.bias.copy_(model.classifier.bias[order].clone())
    path = tmp_path_factory.mktemp("base") / "base.safetensors"
    save_model(model, path)
    return path


def make_project(
    folder: Path,
    n_files: int = 6,
    seed: int = 0,
    empty: tuple[str, ...] = (),
    status: RecordingStatus = RecordingStatus.DONE,
    seconds: float = 10.0,
) -> Project:
    """``n_files`` recordings, all with their exact labels saved and marked ``status``. There
    is no overlap lane, so overlap is unknown (never trained on, never scored). The lanes of
    the classes in ``empty`` are saved empty, as a person who had nothing to say about them
    leaves them (the meetings-with-no-music case of issue 21)."""
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(n_files):
        audio, spans = synthetic(seed * 1000 + i, seconds)
        sf.write(folder / f"rec{i:02d}.wav", audio, RATE)
        truth[f"rec{i:02d}.wav"] = spans
    project = Project.create(folder)
    for entry in project.recordings:
        spans = truth[entry.rel_path]
        lanes = [
            Lane(name, [] if code in empty else [Segment(a, b, name) for a, b in spans[code]])
            for code, name in LANES.items()
        ]
        info = RecordingInfo(entry.rel_path, entry.duration, RATE)
        project.save(entry, Annotation(lanes, info), status)
    return project


@pytest.fixture
def labelled_project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "corpus")


def check_recordings(seed: int = 7, n: int = 2, swap: bool = False) -> list:
    """Synthetic recordings with exact labels, in memory, for the forgetting check. With
    ``swap`` their music and noise references are exchanged: material on which the base model's
    mistake (music and noise swapped) is "right", so repairing it must read as forgetting."""
    from segmenter.training import Recording

    out = []
    for i in range(n):
        audio, spans = synthetic(seed * 100 + i, 15.0)
        if swap:
            spans["mu"], spans["no"] = spans["no"], spans["mu"]
        out.append(Recording(
            uri=f"check{i}", path=Path(f"check{i}.wav"), duration=audio.size / RATE,
            spans={**spans, "ov": []}, annotated=("sp", "mu", "no"), audio=audio,
        ))  # fmt: skip
    return out
