"""Training the segmenter: corpora (audio + RTTM [+ UEM]) or a chunk source, augmentation, the
loop with checkpoints and early stopping, dictionary initialisation, threshold tuning, the CLI.

Typical use (what ``python -m segmenter.training`` does)::

    recordings = load_corpus(Corpus(rttm="train.rttm", audio_dir="wav/"))
    frames = class_frames(recordings, pools={"mu": music_files, "no": noise_files})
    model.set_dictionary(balanced_dictionary(frames, model.config.n_components))
    train(model, RandomChunks(recordings, 2000, augmenter=Augmenter(noise, music)),
          SequentialChunks(dev_recordings), TrainConfig(), checkpoint_dir="ckpt/")
"""

from __future__ import annotations

from segmenter.training.annotations import ReferenceFileError, Turn, read_rttm, read_uem
from segmenter.training.atoms import balanced_dictionary, class_frames, source_frames
from segmenter.training.augment import AugmentConfig, Augmenter, combine_labels
from segmenter.training.data import (
    ChunkSource,
    Corpus,
    RandomChunks,
    Recording,
    SequentialChunks,
    SourceChunks,
    chunk_source,
    load_corpus,
)
from segmenter.training.labels import frame_labels, map_turns
from segmenter.training.loop import TrainConfig, TrainResult, train, validate

__all__ = [
    "ReferenceFileError",
    "AugmentConfig",
    "Augmenter",
    "ChunkSource",
    "Corpus",
    "RandomChunks",
    "Recording",
    "SequentialChunks",
    "SourceChunks",
    "TrainConfig",
    "TrainResult",
    "Turn",
    "balanced_dictionary",
    "chunk_source",
    "class_frames",
    "combine_labels",
    "frame_labels",
    "load_corpus",
    "map_turns",
    "read_rttm",
    "read_uem",
    "source_frames",
    "train",
    "validate",
]
