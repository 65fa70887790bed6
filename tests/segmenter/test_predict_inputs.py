"""``segmenter predict`` end to end on awkward and broken inputs: labels or one clear line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from segmenter.checkpoint import save_model
from segmenter.cli import main
from segmenter.model import ModelConfig, NMFSegmenter

SMALL = dict(n_fft=512, win_length=400, n_components=8, repeats=1)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    save_model(NMFSegmenter(ModelConfig(**SMALL)), path)
    return path


def _tone(rate: int, seconds: float, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    wave = 0.2 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    return np.stack([wave] * channels, axis=1) if channels > 1 else wave


@pytest.mark.parametrize(
    ("name", "rate", "seconds", "channels"),
    [("one.wav", 16000, 1 / 16000, 1), ("phone.wav", 8000, 2.0, 1), ("studio.flac", 48000, 2.0, 2)],
)
def test_unusual_but_valid_audio_is_labelled(
    tmp_path: Path, model_file: Path, capsys, name: str, rate: int, seconds: float, channels: int
) -> None:
    soundfile.write(tmp_path / name, _tone(rate, seconds, channels), rate)
    assert main(["predict", str(model_file), str(tmp_path / name), "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / f"{Path(name).stem}.rttm").exists()


def _truncated(tmp_path: Path, model_file: Path) -> Path:
    data = model_file.read_bytes()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data[: len(data) // 2])
    return path


def _wrong_metadata(tmp_path: Path, model_file: Path) -> Path:
    from safetensors.torch import load_file, save_file

    path = tmp_path / "alien.safetensors"
    save_file(load_file(str(model_file)), str(path), metadata={"format": "something-else"})
    return path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("empty_audio", "empty.wav"),
        ("text_as_wav", "notes.wav"),
        ("corrupt_flac", "broken.flac"),
        ("truncated_model", "cut.safetensors"),
        ("wrong_metadata", "alien.safetensors"),
    ],
)
def test_bad_inputs_give_one_line(
    tmp_path: Path, model_file: Path, capsys, case: str, expected: str
) -> None:
    model, audio = model_file, tmp_path / "fine.wav"
    soundfile.write(audio, _tone(16000, 1.0), 16000)
    if case == "empty_audio":
        audio = tmp_path / "empty.wav"
        soundfile.write(audio, np.zeros(0, dtype=np.float32), 16000)
    elif case == "text_as_wav":
        audio = tmp_path / "notes.wav"
        audio.write_text("meeting notes, not audio\n")
    elif case == "corrupt_flac":
        audio = tmp_path / "broken.flac"
        soundfile.write(audio, _tone(16000, 2.0), 16000)
        audio.write_bytes(audio.read_bytes()[:200])
    elif case == "truncated_model":
        model = _truncated(tmp_path, model_file)
    else:
        model = _wrong_metadata(tmp_path, model_file)
    code = main(["predict", str(model), str(audio)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and expected in err[0], err
