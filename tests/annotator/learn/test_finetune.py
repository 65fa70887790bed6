"""Learning from corrections: fine-tuning Θ on a project's confirmed labels improves held-out F1."""

from __future__ import annotations

import hashlib
import threading

import pytest
import torch

from annotator.cli import main
from annotator.learn import FinetuneConfig, LearnError, check_output, finetune_project
from segmenter.checkpoint import load_model, read_model_info
from segmenter.errors import Cancelled


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_finetune_improves_held_out_f1(base_model, labelled_project, tmp_path) -> None:
    before_bytes = digest(base_model)
    fractions: list[float] = []
    out = tmp_path / "tuned.safetensors"
    result = finetune_project(
        labelled_project, base_model, out, FinetuneConfig(device="cpu"),
        progress=lambda f, m: fractions.append(f),
    )  # fmt: skip
    assert result.held_out_files and not set(result.held_out_files) & set(result.train_files)
    assert set(result.before["classes"]) == {"sp", "mu", "no"}  # overlap unknown: not scored
    # The base model calls music noise and noise music: held-out F1 is poor for both...
    for cls in ("mu", "no"):
        assert result.before["classes"][cls]["f1"] < 0.5
        assert result.after["classes"][cls]["f1"] > result.before["classes"][cls]["f1"] + 0.3
    assert result.after["summary_f1"] > result.before["summary_f1"] + 0.3
    assert result.losses[-1] < 0.5 * result.losses[0]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    # A new file; the starting one untouched; only Θ and the bias moved.
    assert digest(base_model) == before_bytes
    base, _ = load_model(base_model)
    tuned, info = load_model(out)
    for key, value in base.state_dict().items():
        same = torch.equal(value, tuned.state_dict()[key])
        assert same != key.startswith("classifier."), key
    assert info.metrics["finetune"]["after"]["summary_f1"] == pytest.approx(
        result.after["summary_f1"]
    )
    assert info.training["finetuned_from"] == str(base_model.resolve())
    assert info.training["held_out_files"] == result.held_out_files


def test_without_learning_thresholds_alone_do_not_repair_it(
    base_model, labelled_project, tmp_path
) -> None:
    """The control: same job, same threshold tuning, but Θ barely moves."""
    config = FinetuneConfig(device="cpu", steps=1, lr=1e-9)
    result = finetune_project(labelled_project, base_model, tmp_path / "t.safetensors", config)
    assert result.after["summary_f1"] < 0.5


def test_psi_can_learn_too_with_w_frozen(base_model, labelled_project, tmp_path) -> None:
    out = tmp_path / "psi.safetensors"
    config = FinetuneConfig(device="cpu", train_psi=True, steps=20)
    result = finetune_project(labelled_project, base_model, out, config)
    base, _ = load_model(base_model)
    tuned, info = load_model(out)
    assert torch.equal(base.W, tuned.W)
    moved = [k for k, v in base.state_dict().items() if not torch.equal(v, tuned.state_dict()[k])]
    assert any(k.startswith("psi.") for k in moved)
    assert all(k.startswith(("psi.", "classifier.")) for k in moved)
    assert info.training["parts"] == "theta+psi" and result.losses


def test_outputs_that_could_lose_a_model_are_refused(base_model, labelled_project, tmp_path):
    with pytest.raises(LearnError, match="is the model being fine-tuned"):
        check_output(base_model, base_model)
    from annotator.resources import resources_root

    with pytest.raises(LearnError, match="shipped resources"):
        check_output(resources_root() / "models" / "default.safetensors", base_model)
    existing = tmp_path / "old.safetensors"
    existing.write_bytes(b"keep me")
    with pytest.raises(LearnError, match="exists already"):
        finetune_project(labelled_project, base_model, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(LearnError, match="does not exist"):
        check_output(tmp_path / "no" / "such.safetensors", base_model)


def test_cancel_and_empty_projects(base_model, labelled_project, tmp_path) -> None:
    from annotator.core import Project, RecordingStatus

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        finetune_project(labelled_project, base_model, tmp_path / "c.safetensors", cancel=cancel)
    assert not (tmp_path / "c.safetensors").exists()
    for entry in labelled_project.recordings:
        labelled_project.set_status(entry, RecordingStatus.IN_REVIEW)
    with pytest.raises(LearnError, match="no confirmed labels"):
        finetune_project(
            Project.open(labelled_project.root), base_model, tmp_path / "e.safetensors"
        )


def test_cli(base_model, labelled_project, tmp_path, capsys) -> None:
    out = tmp_path / "cli.safetensors"
    args = ["finetune", str(labelled_project.root), "--out", str(out), "--model",
            str(base_model), "--device", "cpu", "--quiet"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "held-out F1" in printed and f"wrote {out.resolve()}" in printed
    assert read_model_info(out).training["parts"] == "theta"
    assert main(args) == 1  # exists now: refused without --force
    assert "exists already" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0
