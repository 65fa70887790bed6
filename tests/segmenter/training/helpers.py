"""Shared pieces of the training tests: a small model and the datasets over the synthetic corpus."""

from __future__ import annotations

import torch

from segmenter.model import ModelConfig, NMFSegmenter
from segmenter.training import (
    Corpus,
    RandomChunks,
    SequentialChunks,
    balanced_dictionary,
    class_frames,
    load_corpus,
)

SMALL = dict(n_fft=512, win_length=400, n_components=16, bottleneck_channels=16, hidden_channels=32)


def new_model(seed: int = 0, **extra) -> NMFSegmenter:
    torch.manual_seed(seed)
    return NMFSegmenter(ModelConfig(**{**SMALL, **extra}))


def corpus_data(corpus):
    """Train/dev recordings of the synthetic corpus and a 16-atom dictionary learned on them."""
    train_recs = load_corpus(Corpus(corpus["train_rttm"], corpus["train_dir"]))
    dev_recs = load_corpus(Corpus(corpus["dev_rttm"], corpus["dev_dir"]))
    cfg = new_model().spectrogram
    frames = class_frames(train_recs, cfg=cfg, segments_per_class={"sp": 30, "mu": 30, "no": 30})
    W = balanced_dictionary(frames, 16, iterations=50, max_frames=6000)
    return train_recs, dev_recs, W


def datasets(train_recs, dev_recs, cfg, augmenter=None, length=96):
    return (
        RandomChunks(train_recs, length, cfg, augmenter=augmenter, seed=0),
        SequentialChunks(dev_recs, cfg),
    )
