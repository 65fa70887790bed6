"""Plugins are tested as they are shipped: the bridge from the checkout's ``plugins/`` folder
(where an editable install puts it on the path; added here when the install predates it), the
example plugin as a separately installed distribution."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[2]

if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random but complete model file (K = 16): fast, and exercises the real loading path."""
    return tiny_model_file(tmp_path_factory.mktemp("model"), threshold_classes=("sp",))


def tone_with_pauses(seconds: float = 3.0, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Quiet noise with a loud tone in [1.0, 2.0) s."""
    rng = np.random.default_rng(seed)
    x = 0.001 * rng.standard_normal(int(seconds * rate))
    t = np.arange(x.size) / rate
    loud = (t >= 1.0) & (t < 2.0)
    x[loud] += 0.3 * np.sin(2 * np.pi * 220 * t[loud])
    return x.astype(np.float32)


@pytest.fixture
def make_tone():
    """`tone_with_pauses`, for tests that need other lengths or rates."""
    return tone_with_pauses


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "rec.wav"
    sf.write(path, tone_with_pauses(), 16000)
    return path
