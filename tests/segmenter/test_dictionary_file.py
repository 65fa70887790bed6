"""``segmenter learn-dictionary``: W learned from labelled audio, stored, and reused by training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from segmenter.cli import main
from segmenter.dictionary_file import load_dictionary, save_dictionary
from segmenter.errors import ModelFileError

RATE = 16000


def _write(path: Path, wave: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, wave.astype(np.float32), RATE)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    t = np.arange(6 * RATE) / RATE
    voice = 0.3 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > 0)
    _write(tmp_path / "audio" / "talk.wav", voice + 0.001 * rng.standard_normal(t.size))
    (tmp_path / "talk.rttm").write_text(
        "SPEAKER talk 1 0.000 6.000 <NA> <NA> A <NA> <NA>\n", encoding="utf-8"
    )
    _write(
        tmp_path / "music" / "chord.wav",
        sum(0.1 * np.sin(2 * np.pi * f * t) for f in (440, 554, 659)),
    )
    _write(tmp_path / "noise" / "hiss.wav", 0.1 * rng.standard_normal(t.size))
    return {"root": tmp_path}


def test_learn_dictionary_cli_writes_a_reusable_w(corpus: dict[str, Path], capsys) -> None:
    root = corpus["root"]
    out = root / "W.safetensors"
    code = main([
        "learn-dictionary", "--rttm", str(root / "talk.rttm"), "--audio-dir", str(root / "audio"),
        "--music-dir", str(root / "music"), "--noise-dir", str(root / "noise"),
        "--components", "6", "--iterations", "15", "--n-fft", "512", "--win-length", "400",
        "--out", str(out),
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    W, info = load_dictionary(out)
    assert tuple(W.shape) == (257, 6)
    assert bool((W >= 0).all())
    assert torch.allclose(W.norm(dim=0), torch.ones(6), atol=1e-4)  # unit-norm atoms
    assert set(info["frames_per_class"]) == {"sp", "mu", "no"}
    assert info["components"] == 6 and info["spectrogram"]["n_fft"] == 512


def test_dictionary_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        save_dictionary(tmp_path / "neg.safetensors", -torch.ones(3, 2), {})
    (tmp_path / "text.safetensors").write_text("not a dictionary")
    with pytest.raises(ModelFileError, match="text.safetensors"):
        load_dictionary(tmp_path / "text.safetensors")


def test_training_refuses_a_dictionary_of_the_wrong_shape(corpus: dict[str, Path], capsys) -> None:
    root = corpus["root"]
    save_dictionary(root / "small.safetensors", torch.rand(257, 4), {})
    code = main([
        "train", "--train-rttm", str(root / "talk.rttm"), "--train-audio-dir", str(root / "audio"),
        "--dictionary", str(root / "small.safetensors"), "--components", "8",
        "--out", str(root / "m.safetensors"), "--epochs", "1",
    ])  # fmt: skip
    assert code == 1
    assert "small.safetensors" in capsys.readouterr().err
    assert not (root / "m.safetensors").exists()
