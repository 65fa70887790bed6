"""``segmenter probe train`` / ``evaluate`` end to end on a tiny model and tiny recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmenter.checkpoint import load_model
from segmenter.cli import main
from segmenter.probe.probe_file import load_probe


def test_train_frame_probe_with_head_then_evaluate(
    tiny_model: Path, recordings: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    audio, rttm = recordings
    cache = tmp_path / "H"
    probe_path = tmp_path / "tone.probe.safetensors"
    head = tmp_path / "with-tone.safetensors"
    code = main(["probe", "train", str(tiny_model), "--rttm", str(rttm), "--audio-dir", str(audio),
                 "--classes", "tone", "--out", str(probe_path), "--head", str(head),
                 "--cache-dir", str(cache), "--quiet", "--validation", "0.34"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "held out:" in out and "UAR" in out and "tone: F1" in out
    probe = load_probe(probe_path)
    assert probe.classes == ("tone",) and probe.level == "frame"
    assert len(list(cache.rglob("*.npy"))) == 6  # one H per recording, cached
    assert load_model(head)[1].classes[-1] == "tone"
    code = main(["probe", "evaluate", str(tiny_model), str(probe_path), "--rttm", str(rttm),
                 "--audio-dir", str(audio), "--cache-dir", str(cache), "--quiet"])  # fmt: skip
    assert code == 0
    assert "accuracy" in capsys.readouterr().out


def test_file_level_probe_from_csv(
    tiny_model: Path, recordings: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    audio, _ = recordings
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\n" + "".join(
        f"rec{i}.wav,{'tones' if i % 2 == 0 else 'hisses'}\n" for i in range(6)))  # fmt: skip
    probe_path = tmp_path / "p.safetensors"
    code = main(["probe", "train", str(tiny_model), "--csv", str(labels), "--audio-dir",
                 str(audio), "--out", str(probe_path), "--no-cache", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr()
    probe = load_probe(probe_path)
    assert probe.level == "file" and probe.mode == "single"
    assert probe.classes == ("hisses", "tones")


def test_bad_csv_is_one_line_naming_file_and_line(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\nmissing.wav,x\n")
    code = main(["probe", "train", str(tiny_model), "--csv", str(labels), "--out",
                 str(tmp_path / "p.safetensors")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith(f"error: {labels}:2:") and "not found" in err and "\n" not in err


def test_evaluate_refuses_a_probe_of_another_model(
    tiny_model: Path, recordings: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from tests.tiny_models import tiny_model_file

    audio, rttm = recordings
    probe_path = tmp_path / "p.safetensors"
    assert main(["probe", "train", str(tiny_model), "--rttm", str(rttm), "--audio-dir",
                 str(audio), "--out", str(probe_path), "--no-cache", "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    import torch

    (tmp_path / "x").mkdir()
    other = tiny_model_file(tmp_path / "x", name="other.safetensors")
    model, _ = load_model(other)
    with torch.no_grad():
        next(model.psi.parameters()).add_(0.5)
    from segmenter.checkpoint import save_model

    save_model(model, other)
    code = main(["probe", "evaluate", str(other), str(probe_path), "--rttm", str(rttm),
                 "--audio-dir", str(audio), "--no-cache", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and "trained on base model" in err and "\n" not in err


def test_groups_and_file_level_evaluate(
    tiny_model: Path, recordings: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """--by holds out whole groups (speakers), and a file-level probe evaluates on a CSV."""
    import json

    audio, _ = recordings
    labels = tmp_path / "labels.csv"
    labels.write_text("".join(f"rec{i}.wav,{'a' if i % 2 == 0 else 'b'}\n" for i in range(6)))
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({f"rec{i}.wav": f"spk{i // 2}" for i in range(6)}))
    probe_path = tmp_path / "p.safetensors"
    code = main(["probe", "train", str(tiny_model), "--csv", str(labels), "--audio-dir",
                 str(audio), "--out", str(probe_path), "--no-cache", "--quiet", "--by",
                 str(groups), "--validation", "0.5"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "recording group(s)" in out
    from segmenter.probe.probe_file import load_probe

    assert load_probe(probe_path).training["validation_groups"][0].startswith("spk")
    code = main(["probe", "evaluate", str(tiny_model), str(probe_path), "--csv", str(labels),
                 "--audio-dir", str(audio), "--no-cache", "--quiet"])  # fmt: skip
    assert code == 0
    assert "accuracy" in capsys.readouterr().out
    code = main(["probe", "evaluate", str(tiny_model), str(probe_path), "--rttm",
                 str(recordings[1]), "--audio-dir", str(audio), "--no-cache", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "file-level probe, but the labels given are frame-level" in err


def test_a_class_nobody_labelled_is_refused_in_one_line(
    tiny_model: Path, recordings: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    audio, rttm = recordings
    code = main(["probe", "train", str(tiny_model), "--rttm", str(rttm), "--audio-dir",
                 str(audio), "--classes", "tone,giggle", "--out", str(tmp_path / "p"),
                 "--no-cache", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and err == (
        "error: no frame is labelled 'giggle'; a probe cannot learn a class it is never shown "
        "(check the label names)"
    )
    assert not (tmp_path / "p").exists()
