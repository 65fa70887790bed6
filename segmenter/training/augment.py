"""On-the-fly augmentation (SPEC): mix in noise, music or a second talker and update the labels.

Per chunk, first the overlap augmentation (p 0.3: another speech chunk 1–10 dB below the chunk),
then *one of* noise (p 0.2, SNR 5–20 dB) or music (p 0.5, SNR 1–20 dB). SNRs are ratios of mean
power over the whole chunk; a (near-)silent chunk counts as −40 dBFS so the added sound keeps a
plausible level.

Labels of a mixture follow from the labels of its parts, cell by cell, with unknowns respected:
a class is present when any part has it (known as soon as one part is known-present, or every
part is known); overlap is present when either part has overlap or both have speech, and known
absent only when neither part has overlap and at least one has known no-speech. Pool files
(``noise``, ``music``, ``speech`` folders the user gives) are taken as clean and continuously
active: a noise excerpt is ``no`` everywhere and nothing else. A second talker drawn from the
training corpus itself brings its own labels (a music bed under it is music in the mixture too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segmenter.audio import load_audio
from segmenter.model import CLASSES

__all__ = ["AugmentConfig", "AudioPool", "Augmenter", "combine_labels", "SpeechSource"]

SpeechSource = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""``rng → (wave (N,), labels (C, T), mask (C, T))``: a labelled chunk with speech in it."""

_FLOOR_POWER = 1e-4  # −40 dBFS


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and SNR ranges (dB, uniform) of the SPEC's augmentations."""

    noise_p: float = 0.2
    noise_snr: tuple[float, float] = (5.0, 20.0)
    music_p: float = 0.5
    music_snr: tuple[float, float] = (1.0, 20.0)
    overlap_p: float = 0.3
    overlap_snr: tuple[float, float] = (1.0, 10.0)

    def __post_init__(self) -> None:
        for name in ("noise_p", "music_p", "overlap_p"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1]")
        if self.noise_p + self.music_p > 1.0:
            raise ValueError("noise_p + music_p must not exceed 1 (one of them is added)")


class AudioPool:
    """Files to draw excerpts from, decoded once and kept in memory (pools are short clips)."""

    def __init__(self, files: Sequence[str | Path], sample_rate: int = 16000) -> None:
        self.files = [Path(f) for f in files]
        self.sample_rate = sample_rate
        self._cache: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.files)

    def _audio(self, index: int) -> np.ndarray:
        if index not in self._cache:
            self._cache[index] = load_audio(self.files[index], self.sample_rate)
        return self._cache[index]

    def excerpt(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` samples from a random file at a random offset (looped if the file is short)."""
        audio = self._audio(int(rng.integers(len(self.files))))
        if audio.size < n:
            audio = np.tile(audio, -(-n // audio.size))
        start = int(rng.integers(audio.size - n + 1))
        return audio[start : start + n].astype(np.float32)


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64))) if x.size else 0.0


def _scaled(base: np.ndarray, other: np.ndarray, snr_db: float) -> np.ndarray:
    """``other`` scaled to sit ``snr_db`` below ``base`` (mean power over the chunk)."""
    p_other = _power(other)
    if p_other <= 0:
        return other
    p_base = max(_power(base), _FLOOR_POWER)
    scaled: np.ndarray = other * np.sqrt(p_base / p_other * 10 ** (-snr_db / 10))
    return scaled.astype(np.float32)


def combine_labels(
    la: np.ndarray, ma: np.ndarray, lb: np.ndarray, mb: np.ndarray, classes: Sequence[str] = CLASSES
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and mask of the sum of two labelled signals (see the module docstring)."""
    a, b = la > 0.5, lb > 0.5
    ka, kb = ma > 0.5, mb > 0.5
    labels = a | b
    known = (a & ka) | (b & kb) | (ka & kb)
    if "ov" in classes and "sp" in classes:
        o, s = classes.index("ov"), classes.index("sp")
        pos = (a[o] & ka[o]) | (b[o] & kb[o]) | (a[s] & ka[s] & b[s] & kb[s])
        no_speech = (~a[s] & ka[s]) | (~b[s] & kb[s])
        neg = ka[o] & kb[o] & ~a[o] & ~b[o] & no_speech
        labels[o] = pos | (a[o] | b[o] | (a[s] & b[s])) & ~neg
        known[o] = pos | neg
    return labels.astype(np.float32), known.astype(np.float32)


def _only(cls: str, n_frames: int, classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    labels = np.zeros((len(classes), n_frames), dtype=np.float32)
    if cls in classes:
        labels[classes.index(cls)] = 1.0
    return labels, np.ones_like(labels)


class Augmenter:
    """Applies the SPEC's augmentations with the pools it was given (empty pools are skipped)."""

    def __init__(
        self,
        noise: Sequence[str | Path] = (),
        music: Sequence[str | Path] = (),
        speech: Sequence[str | Path] = (),
        config: AugmentConfig | None = None,
        classes: Sequence[str] = CLASSES,
        sample_rate: int = 16000,
    ) -> None:
        self.noise = AudioPool(noise, sample_rate)
        self.music = AudioPool(music, sample_rate)
        self.speech = AudioPool(speech, sample_rate)
        self.config = config or AugmentConfig()
        self.classes = tuple(classes)

    def _second_talker(
        self, rng: np.random.Generator, n: int, n_frames: int, source: SpeechSource | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        if len(self.speech):
            return (self.speech.excerpt(rng, n), *_only("sp", n_frames, self.classes))
        if source is None or "sp" not in self.classes:
            return None
        s = self.classes.index("sp")
        for _ in range(3):  # look for a chunk that does contain speech
            wave, labels, mask = source(rng)
            if wave.size == n and (labels[s] * mask[s]).any():
                return wave, labels, mask
        return None

    def __call__(
        self,
        wave: np.ndarray,
        labels: np.ndarray,
        mask: np.ndarray,
        rng: np.random.Generator,
        speech_source: SpeechSource | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Augmented ``(wave, labels, mask)``; the inputs are not modified."""
        cfg, n, n_frames = self.config, wave.size, labels.shape[1]
        draw_overlap, pick, snrs = rng.random(), rng.random(), rng.random(2)
        if draw_overlap < cfg.overlap_p:
            other = self._second_talker(rng, n, n_frames, speech_source)
            if other is not None:
                snr = cfg.overlap_snr[0] + snrs[0] * (cfg.overlap_snr[1] - cfg.overlap_snr[0])
                wave = wave + _scaled(wave, other[0], snr)
                labels, mask = combine_labels(labels, mask, other[1], other[2], self.classes)
        kind, pool, snr_range = None, None, (0.0, 0.0)
        if pick < cfg.noise_p and len(self.noise):
            kind, pool, snr_range = "no", self.noise, cfg.noise_snr
        elif cfg.noise_p <= pick < cfg.noise_p + cfg.music_p and len(self.music):
            kind, pool, snr_range = "mu", self.music, cfg.music_snr
        if kind is not None and pool is not None:
            snr = snr_range[0] + snrs[1] * (snr_range[1] - snr_range[0])
            wave = wave + _scaled(wave, pool.excerpt(rng, n), snr)
            lb, mb = _only(kind, n_frames, self.classes)
            labels, mask = combine_labels(labels, mask, lb, mb, self.classes)
        return wave.astype(np.float32, copy=False), labels, mask
