"""A tiny model and recordings whose H separates two made-up classes (tone vs noise)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.tiny_models import tiny_model_file

RATE = 16000


def tone(seconds: float, freq: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * freq * t + rng.uniform(0, 6))).astype(np.float32)


def hiss(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return (0.2 * rng.standard_normal(int(seconds * RATE))).astype(np.float32)


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    return tiny_model_file(tmp_path)


@pytest.fixture
def recordings(tmp_path: Path) -> tuple[Path, Path]:
    """Six 3 s recordings: 1 s tone, 1 s hiss, 1 s tone (or the reverse), and an RTTM whose
    lane labels the spans ``tone`` / ``hiss`` exactly."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "audio"
    folder.mkdir()
    lines = []
    for i in range(6):
        order = ("tone", "hiss", "tone") if i % 2 == 0 else ("hiss", "tone", "hiss")
        parts = [tone(1.0, 300 + 40 * i, rng) if k == "tone" else hiss(1.0, rng) for k in order]
        sf.write(folder / f"rec{i}.wav", np.concatenate(parts), RATE)
        for j, kind in enumerate(order):
            lines.append(f"SPEAKER rec{i} 1 {j:.3f} 1.000 <NA> <NA> {kind} <NA> <NA>")
    rttm = tmp_path / "lanes.rttm"
    rttm.write_text("\n".join(lines) + "\n")
    return folder, rttm
