"""A tiny synthetic corpus: "speech" (syllable-modulated harmonics at a talker's pitch), "music"
(sustained chords), "noise" (filtered noise bursts), silence and two-talker overlap, written as
16 kHz WAV files with an RTTM whose labels are exact by construction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

RATE = 16000
TALKERS = {"ann": 210.0, "bob": 120.0, "cid": 160.0}


def speech(rng: np.random.Generator, f0: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = f0 * (1 + 0.08 * np.sin(2 * np.pi * 0.9 * t + rng.uniform(0, 6)))
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    return (0.15 * voice * syllables).astype(np.float32)


def music(rng: np.random.Generator, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    root = rng.choice([220.0, 261.6, 329.6])
    chord = sum(np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.26, 1.5, 2.0, 3.0))
    return (0.06 * chord).astype(np.float32)


def noise(rng: np.random.Generator, seconds: float) -> np.ndarray:
    x = rng.standard_normal(int(seconds * RATE))
    x = np.convolve(x, np.ones(3) / 3, mode="same")
    return (0.12 * x).astype(np.float32)


def make_file(rng: np.random.Generator, seconds: float = 20.0) -> tuple[np.ndarray, list]:
    """Random sequence of events; returns audio and RTTM turns (start, dur, label)."""
    n = int(seconds * RATE)
    audio = 0.001 * rng.standard_normal(n).astype(np.float32)
    turns = []
    t = 0.0
    while t < seconds - 1.0:
        kind = rng.choice(["speech", "music", "noise", "overlap", "silence", "speech_music"])
        dur = float(min(rng.uniform(1.0, 3.0), seconds - t))
        a, b = int(t * RATE), int(t * RATE) + int(dur * RATE)
        names = list(TALKERS)
        if kind in ("speech", "speech_music"):
            who = names[int(rng.integers(3))]
            audio[a:b] += speech(rng, TALKERS[who], dur)
            turns.append((t, dur, who))
        if kind == "overlap":
            first, second = rng.choice(names, size=2, replace=False)
            audio[a:b] += speech(rng, TALKERS[first], dur)
            half = int((b - a) / 2)
            audio[a + half : b] += 0.8 * speech(rng, TALKERS[second], dur)[: b - a - half]
            turns += [(t, dur, str(first)), (t + half / RATE, dur - half / RATE, str(second))]
        if kind in ("music", "speech_music"):
            audio[a:b] += music(rng, dur) * (0.5 if kind == "speech_music" else 1.0)
            turns.append((t, dur, "music"))
        if kind == "noise":
            audio[a:b] += noise(rng, dur)
            turns.append((t, dur, "noise"))
        t += dur
    return audio, turns


def write_corpus(folder: Path, n_files: int, seed: int, seconds: float = 20.0) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n_files):
        uri = f"{folder.name}{i:02d}"
        audio, turns = make_file(rng, seconds)
        sf.write(folder / f"{uri}.wav", audio, RATE)
        lines += [
            f"SPEAKER {uri} 1 {s:.3f} {d:.3f} <NA> <NA> {label} <NA> <NA>" for s, d, label in turns
        ]
    rttm = folder / "labels.rttm"
    rttm.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rttm


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("synthetic")
    pools = root / "pools"
    pools.mkdir()
    rng = np.random.default_rng(99)
    sf.write(pools / "noise.wav", noise(rng, 6.0), RATE)
    sf.write(pools / "music.wav", music(rng, 6.0), RATE)
    sf.write(pools / "speech.wav", speech(rng, 180.0, 6.0), RATE)
    return {
        "train_rttm": write_corpus(root / "train", 8, seed=1),
        "train_dir": root / "train",
        "dev_rttm": write_corpus(root / "dev", 3, seed=2),
        "dev_dir": root / "dev",
        "pools": pools,
    }


@pytest.fixture(scope="session")
def data(corpus):
    """Train/dev recordings and a small dictionary (see :func:`helpers.corpus_data`)."""
    from tests.segmenter.training.helpers import corpus_data

    return corpus_data(corpus)
