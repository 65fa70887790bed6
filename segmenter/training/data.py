"""Training data: corpora (audio + RTTM [+ UEM]) and the chunk datasets the loop reads.

Every item is ``(wave (N,), labels (C, T), mask (C, T), frames (T,))`` as float32 tensors, all
chunks of a dataset the same length so they stack: ``frames`` marks frames that exist (a file
shorter than a chunk is zero-padded; its padding is left out of every loss term).

Randomness is a pure function of ``(seed, epoch, index)``: item i of epoch e is the same chunk,
augmented the same way, whatever the number of DataLoader workers or where a resumed run starts.

Three datasets share this format:

* :class:`RandomChunks` — random 4 s chunks of a corpus (file ∝ annotated time, uniform offset
  in the annotated region), augmented on the fly;
* :class:`SequentialChunks` — a corpus tiled in consecutive chunks, for a stable validation loss;
* :class:`SourceChunks` — any *chunk source* ``rng → (wave, labels, mask | None)``, e.g. the
  recipe's chunk generator (see :func:`chunk_source`), so both streams feed the same loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from segmenter.audio import audio_info, load_audio
from segmenter.errors import SegmenterError
from segmenter.features import SpectrogramConfig, num_frames
from segmenter.model import CLASSES
from segmenter.spans import union
from segmenter.training.annotations import ReferenceFileError, read_rttm, read_uem
from segmenter.training.augment import Augmenter
from segmenter.training.labels import (
    UNANNOTATED_POLICIES,
    Spans,
    frame_labels,
    infer_annotated,
    map_turns,
)

__all__ = [
    "AUDIO_SUFFIXES",
    "Corpus",
    "Recording",
    "load_corpus",
    "RandomChunks",
    "SequentialChunks",
    "SourceChunks",
    "ChunkSource",
    "chunk_source",
]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".sph", ".aiff", ".aif", ".opus", ".w64")
ChunkSource = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray, np.ndarray | None]]
Item = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


@dataclass
class Corpus:
    """Where one corpus lives and what it annotates.

    ``annotated`` lists the classes its labels speak for (None: inferred from the labels, see
    :func:`~segmenter.training.labels.infer_annotated`); the others are unknown, or known
    absent with ``unannotated="negative"``. Audio files are found in ``audio_dir`` by file-id
    (``<file-id>.wav``, ``.flac``, ...).
    """

    rttm: Sequence[str | Path]
    audio_dir: str | Path
    uem: Sequence[str | Path] = ()
    annotated: Sequence[str] | None = None
    unannotated: str = "unknown"
    name: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.rttm, (str, Path)):
            self.rttm = [self.rttm]
        if isinstance(self.uem, (str, Path)):
            self.uem = [self.uem]
        if self.unannotated not in UNANNOTATED_POLICIES:
            raise ValueError(f"unannotated must be one of {UNANNOTATED_POLICIES}")


@dataclass
class Recording:
    """One annotated file: class spans, annotated classes and region, decoded length."""

    uri: str
    path: Path
    duration: float
    spans: dict[str, Spans]
    annotated: tuple[str, ...]
    uem: Spans | None = None
    unannotated: str = "unknown"
    audio: np.ndarray | None = field(default=None, repr=False)

    @property
    def region(self) -> Spans:
        """The annotated region (the UEM, or the whole file)."""
        return self.uem if self.uem is not None else [(0.0, self.duration)]

    def samples(self, start: int, n: int, sample_rate: int) -> np.ndarray:
        """``n`` samples from ``start`` (zero past the end), from memory or from disk."""
        if self.audio is not None:
            out = self.audio[start : start + n]
        else:
            out = load_audio(
                self.path, sample_rate, offset=start / sample_rate, duration=n / sample_rate
            )
        if out.size < n:
            out = np.pad(out, (0, n - out.size))
        return np.asarray(out[:n], dtype=np.float32)


def _find_audio(folder: Path, uri: str) -> Path:
    for suffix in AUDIO_SUFFIXES:
        for candidate in (folder / f"{uri}{suffix}", folder / f"{uri}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    raise SegmenterError(
        f"{folder}: no audio file for file-id {uri!r} ({'/'.join(AUDIO_SUFFIXES)})"
    )


def load_corpus(
    corpus: Corpus, sample_rate: int = 16000, cache_seconds: float = 3600.0
) -> list[Recording]:
    """Read a corpus's labels and find its audio; decode it all into memory when it holds at
    most ``cache_seconds`` (random 4 s reads from disk are then avoided)."""
    turns: dict[str, list[Any]] = {}
    for path in corpus.rttm:
        for uri, items in read_rttm(path).items():
            turns.setdefault(uri, []).extend(items)
    if not turns:
        raise ReferenceFileError(f"{', '.join(map(str, corpus.rttm))}: no SPEAKER turns")
    uems: dict[str, Spans] = {}
    for path in corpus.uem:
        for uri, spans in read_uem(path).items():
            uems.setdefault(uri, []).extend(spans)
    annotated = tuple(corpus.annotated) if corpus.annotated is not None else None
    if annotated is None:
        annotated = infer_annotated(turns.values())
    unknown = sorted(set(annotated) - set(CLASSES))
    if unknown:
        raise ValueError(f"{corpus.name or corpus.audio_dir}: unknown classes {unknown}")
    folder = Path(corpus.audio_dir)
    uris = sorted(set(turns) | set(uems))
    recordings = []
    for uri in uris:
        path = _find_audio(folder, uri)
        info = audio_info(path)
        recordings.append(
            Recording(
                uri=uri,
                path=path,
                duration=info.duration,
                spans=map_turns(turns.get(uri, [])),
                annotated=annotated,
                uem=union(uems[uri]) if uri in uems else (None if not uems else []),
                unannotated=corpus.unannotated,
            )
        )
    if sum(r.duration for r in recordings) <= cache_seconds:
        for r in recordings:
            r.audio = load_audio(r.path, sample_rate)
            r.duration = r.audio.size / sample_rate
    return recordings


def _item(wave: np.ndarray, labels: np.ndarray, mask: np.ndarray, real_frames: int) -> Item:
    frames = np.zeros(labels.shape[1], dtype=np.float32)
    frames[:real_frames] = 1.0
    return (
        torch.from_numpy(np.ascontiguousarray(wave, dtype=np.float32)),
        torch.from_numpy(np.ascontiguousarray(labels, dtype=np.float32)),
        torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32)),
        torch.from_numpy(frames),
    )


class _ChunkReader:
    """Cuts a labelled chunk out of a recording (shared by the corpus datasets)."""

    def __init__(self, recordings: Sequence[Recording], cfg: SpectrogramConfig, seconds: float):
        if not recordings:
            raise ValueError("no recordings to draw chunks from")
        self.recordings = list(recordings)
        self.cfg = cfg
        self.n = int(round(seconds * cfg.sample_rate))
        if self.n < cfg.frame_length:
            raise ValueError("chunks must hold at least one frame")

    def read(self, rec: Recording, start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        rate = self.cfg.sample_rate
        wave = rec.samples(start, self.n, rate)
        real = max(0, min(self.n, int(round(rec.duration * rate)) - start))
        labels, mask = frame_labels(
            rec.spans, rec.annotated, start / rate, self.n, self.cfg,
            uem=rec.uem, unannotated=rec.unannotated,
        )  # fmt: skip
        return wave, labels, mask, num_frames(real, self.cfg)


class RandomChunks(Dataset[Item]):
    """``length`` random chunks per epoch of a corpus, augmented on the fly."""

    def __init__(
        self,
        recordings: Sequence[Recording],
        length: int,
        cfg: SpectrogramConfig | None = None,
        chunk_seconds: float = 4.0,
        augmenter: Augmenter | None = None,
        seed: int = 0,
    ) -> None:
        self.reader = _ChunkReader(recordings, cfg or SpectrogramConfig(), chunk_seconds)
        self.length = int(length)
        self.augmenter = augmenter
        self.seed = int(seed)
        self.epoch = 0
        weights = np.array([sum(b - a for a, b in r.region) for r in self.reader.recordings])
        if weights.sum() <= 0:
            raise ValueError("the corpus has no annotated time")
        self._p = weights / weights.sum()

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.length

    def draw(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """A random un-augmented chunk: (wave, labels, mask, real frames)."""
        rec = self.reader.recordings[int(rng.choice(len(self._p), p=self._p))]
        region = [(a, b) for a, b in rec.region if b > a]
        lengths = np.array([b - a for a, b in region])
        a, b = region[int(rng.choice(len(region), p=lengths / lengths.sum()))]
        rate, n = self.reader.cfg.sample_rate, self.reader.n
        lo, hi = int(a * rate), max(int(a * rate), int(b * rate) - n)
        return self.reader.read(rec, int(rng.integers(lo, hi + 1)))

    def __getitem__(self, index: int) -> Item:
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        wave, labels, mask, real = self.draw(rng)
        if self.augmenter is not None:
            wave, labels, mask = self.augmenter(
                wave, labels, mask, rng, speech_source=lambda r: self.draw(r)[:3]
            )
        return _item(wave, labels, mask, real)


class SequentialChunks(Dataset[Item]):
    """Every recording tiled in consecutive chunks (the last one zero-padded), no randomness."""

    def __init__(
        self,
        recordings: Sequence[Recording],
        cfg: SpectrogramConfig | None = None,
        chunk_seconds: float = 4.0,
        max_chunks: int | None = None,
    ) -> None:
        self.reader = _ChunkReader(recordings, cfg or SpectrogramConfig(), chunk_seconds)
        rate, n = self.reader.cfg.sample_rate, self.reader.n
        self.index = [
            (r, start)
            for r in self.reader.recordings
            for start in range(0, max(1, int(round(r.duration * rate))), n)
        ]
        if max_chunks is not None and len(self.index) > max_chunks:
            picks = np.linspace(0, len(self.index) - 1, max_chunks).round().astype(int)
            self.index = [self.index[i] for i in picks]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, index: int) -> Item:
        rec, start = self.index[index]
        return _item(*self.reader.read(rec, start))


class SourceChunks(Dataset[Item]):
    """``length`` chunks per epoch from a chunk source; all must have the same length."""

    def __init__(
        self,
        source: ChunkSource,
        length: int,
        seed: int = 0,
        augmenter: Augmenter | None = None,
        fixed: bool = False,
    ) -> None:
        """``fixed=True`` gives the same chunks every epoch (a validation set)."""
        self.source, self.length, self.seed = source, int(length), int(seed)
        self.augmenter, self.fixed, self.epoch = augmenter, fixed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.length

    def _draw(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        wave, labels, mask = self.source(rng)
        wave = np.asarray(wave, dtype=np.float32).reshape(-1)
        labels = np.asarray(labels, dtype=np.float32)
        mask = np.ones_like(labels) if mask is None else np.asarray(mask, dtype=np.float32)
        if labels.ndim != 2 or mask.shape != labels.shape:
            raise ValueError(f"chunk source gave labels {labels.shape} and mask {mask.shape}")
        return wave, labels, mask

    def __getitem__(self, index: int) -> Item:
        rng = np.random.default_rng([self.seed, 0 if self.fixed else self.epoch, int(index)])
        wave, labels, mask = self._draw(rng)
        if self.augmenter is not None:
            wave, labels, mask = self.augmenter(wave, labels, mask, rng, speech_source=self._draw)
        return _item(wave, labels, mask, labels.shape[1])


def chunk_source(generator: Any) -> ChunkSource:
    """Adapt an object with ``chunk(rng)`` returning ``.audio`` and ``.labels`` (the recipe's
    ``ChunkGenerator``) to a :data:`ChunkSource`; its labels are exact, so the mask is all ones."""

    def source(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, None]:
        chunk = generator.chunk(rng)
        return chunk.audio, chunk.labels, None

    return source
