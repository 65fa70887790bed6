"""The first training step: learn the NMF dictionary W from labelled frames, class-balanced.

As in the paper, W comes from spectrogram frames of labelled segments (≥ 1 s, cut to ≤ 4 s)
drawn per class — 200 speech, 500 music, 500 noise segments by default — and is then frozen.
Segments are taken where their class is the only one of speech / music / noise (a speech turn
over music would teach a speech atom the music), then each class contributes the same number
of frames, so that hours of meeting speech do not crowd the music and noise atoms out of K.
Pool files (the augmentation's music / noise / speech folders) supply segments of classes a
corpus does not annotate. A chunk source (the recipe) can supply frames instead.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from segmenter.audio import load_audio
from segmenter.dictionary import learn_dictionary
from segmenter.features import SpectrogramConfig, log_power_spectrogram
from segmenter.model import CLASSES
from segmenter.progress import ProgressCallback, check_cancelled, report, sub_progress
from segmenter.spans import subtract, union
from segmenter.training.data import ChunkSource, Recording
from segmenter.training.labels import Spans

__all__ = ["DEFAULT_SEGMENTS", "class_frames", "source_frames", "balanced_dictionary"]

DEFAULT_SEGMENTS: Mapping[str, int] = {"sp": 200, "mu": 500, "no": 500}
_DICTIONARY_CLASSES = ("sp", "mu", "no")


def _pure_segments(rec: Recording, cls: str) -> Spans:
    others = union(s for c in _DICTIONARY_CLASSES if c != cls for s in rec.spans.get(c, []))
    own = subtract(union(rec.spans.get(cls, [])), others)
    region = rec.region
    return [(max(a, c), min(b, d)) for a, b in own for c, d in region if min(b, d) > max(a, c)]


def class_frames(
    recordings: Sequence[Recording],
    pools: Mapping[str, Sequence[str | Path]] | None = None,
    segments_per_class: Mapping[str, int] = DEFAULT_SEGMENTS,
    cfg: SpectrogramConfig | None = None,
    *,
    min_seconds: float = 1.0,
    max_seconds: float = 4.0,
    seed: int = 0,
    cancel: threading.Event | None = None,
) -> dict[str, torch.Tensor]:
    """Spectrogram frames (F, N) per class from pure labelled segments and pool files."""
    cfg = cfg or SpectrogramConfig()
    rng = np.random.default_rng(seed)
    rate = cfg.sample_rate
    out: dict[str, torch.Tensor] = {}
    for cls, wanted in segments_per_class.items():
        check_cancelled(cancel, "collecting dictionary frames")
        candidates: list[tuple[Recording | Path, float, float]] = [
            (rec, a, min(b, a + max_seconds))
            for rec in recordings
            if cls in rec.annotated
            for a, b in _pure_segments(rec, cls)
            if b - a >= min_seconds
        ]
        for path in (pools or {}).get(cls, ()):
            candidates.append((Path(path), 0.0, max_seconds))
        if not candidates:
            continue
        picks = rng.permutation(len(candidates))[:wanted]
        blocks = []
        for i in picks:
            source, a, b = candidates[int(i)]
            if isinstance(source, Path):
                wave = load_audio(source, rate, duration=b - a)
            else:
                wave = source.samples(int(a * rate), int((b - a) * rate), rate)
            blocks.append(log_power_spectrogram(torch.from_numpy(wave), cfg))
        out[cls] = torch.cat(blocks, dim=1)
    return out


def source_frames(
    source: ChunkSource,
    chunks: int = 200,
    classes: Sequence[str] = CLASSES,
    cfg: SpectrogramConfig | None = None,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """Frames per class from a chunk source: frames where that class alone is on (and known)."""
    cfg = cfg or SpectrogramConfig()
    rng = np.random.default_rng(seed)
    rows = [classes.index(c) for c in _DICTIONARY_CLASSES if c in classes]
    found: dict[str, list[torch.Tensor]] = {c: [] for c in _DICTIONARY_CLASSES if c in classes}
    for _ in range(chunks):
        wave, labels, mask = source(rng)
        labels = np.asarray(labels) > 0.5
        known = np.ones_like(labels) if mask is None else np.asarray(mask) > 0.5
        X = log_power_spectrogram(torch.from_numpy(np.asarray(wave, dtype=np.float32)), cfg)
        active = labels[rows]
        alone = (active.sum(axis=0) == 1) & known[rows].all(axis=0)
        for r, cls in zip(rows, found, strict=True):
            keep = np.flatnonzero(alone & labels[r])
            if keep.size:
                found[cls].append(X[:, torch.from_numpy(keep)])
    return {c: torch.cat(v, dim=1) for c, v in found.items() if v}


def balanced_dictionary(
    frames: Mapping[str, torch.Tensor],
    n_components: int,
    *,
    max_frames: int = 60000,
    mu: float = 1.0,
    iterations: int = 200,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> torch.Tensor:
    """W (F, K) learned by sparse NMF on the same number of frames from every class."""
    available = {c: x for c, x in frames.items() if x.shape[1] > 0}
    if not available:
        raise ValueError("no labelled frames to learn the dictionary from")
    per_class = min(min(x.shape[1] for x in available.values()), max_frames // len(available))
    rng = np.random.default_rng(seed)
    parts = [
        x[:, torch.from_numpy(np.sort(rng.choice(x.shape[1], per_class, replace=False)))]
        for x in available.values()
    ]
    X = torch.cat(parts, dim=1)
    report(progress, 0.0, f"dictionary: {per_class} frames × {len(available)} classes")
    result = learn_dictionary(
        X, n_components, mu=mu, iterations=iterations, seed=seed,
        progress=sub_progress(progress, 0.0, 1.0), cancel=cancel,
    )  # fmt: skip
    return result.W
