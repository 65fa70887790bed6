"""A recipe run cannot lose its training: the output is checked first, and a stopped run resumes."""

from __future__ import annotations

import json
import os
import sys

import pytest
import torch

from segmenter.recipes import RecipeError
from segmenter.recipes import train as recipe
from segmenter.recipes.runs import CONFIG_NAME, hold_work, prepare_work, resolve_out
from segmenter.training.loop import CHECKPOINT_NAME

from .conftest import make_bank
from .test_train_recipe import tiny_config


def test_a_folder_as_out_means_default_safetensors_inside(tmp_path):
    assert resolve_out(tmp_path) == tmp_path / "default.safetensors"
    assert resolve_out(tmp_path / "m.safetensors") == tmp_path / "m.safetensors"
    new = tmp_path / "new" / "deep" / "m.safetensors"
    assert resolve_out(new) == new and new.parent.is_dir()
    assert not list(new.parent.iterdir())  # the write test leaves nothing behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_destination_fails_before_training(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(RecipeError, match="locked: cannot write the model there"):
            resolve_out(locked / "m.safetensors")
    finally:
        locked.chmod(0o700)


def test_the_cli_checks_out_before_loading_anything(tmp_path, monkeypatch, capsys):
    from segmenter.recipes import cli

    def must_not_run(*args, **kwargs):
        raise AssertionError("banks were loaded before --out was checked")

    monkeypatch.setattr(recipe.SourceBank, "from_cache", classmethod(must_not_run))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["train", "--cache", str(tmp_path), "--out", str(blocker / "m.st")]) == 1
    assert "file: cannot write the model there (a file, not a folder)" in capsys.readouterr().err


def test_prepare_work_starts_over_unless_resuming(tmp_path):
    config = {"seed": 0, "epochs": 2, "minutes": 30.0, "event_kinds": ("wind",)}
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"old")
    assert prepare_work(tmp_path, config, resume=False) is False
    assert not (tmp_path / CHECKPOINT_NAME).exists()
    assert json.loads((tmp_path / CONFIG_NAME).read_text())["event_kinds"] == ["wind"]
    assert prepare_work(tmp_path, config, resume=True) is False  # nothing to resume yet
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"ckpt")
    assert prepare_work(tmp_path, {**config, "minutes": 60.0}, resume=True) is True
    assert prepare_work(tmp_path, {**config, "tune_chunks": 9}, resume=True) is True
    newer = {**config, "new_option": 0.0}  # an option added after the run started
    assert prepare_work(tmp_path, newer, resume=True, defaults={"new_option": 0.0}) is True
    with pytest.raises(RecipeError, match="new_option"):
        prepare_work(tmp_path, {**newer, "new_option": 0.5}, resume=True, defaults=newer)
    with pytest.raises(RecipeError, match=r"other settings \(epochs, seed\)"):
        prepare_work(tmp_path, {**config, "seed": 1, "epochs": 3}, resume=True)
    (tmp_path / CONFIG_NAME).unlink()
    with pytest.raises(RecipeError, match="cannot be resumed safely"):
        prepare_work(tmp_path, config, resume=True)


def test_a_stopped_run_resumes_to_the_same_model(tmp_path):
    """Stopped by the cap after epoch 1, then resumed: same weights and history as one run."""
    bank, val = make_bank(), make_bank(with_conversation=True)
    quiet = dict(log=lambda s: None)
    whole = recipe.train_recipe(bank, val, tiny_config(epochs=3), work=tmp_path / "a", **quiet)
    stopped = recipe.train_recipe(
        bank, val, tiny_config(epochs=3, minutes=1e-6), work=tmp_path / "b", **quiet
    )
    assert stopped.training["stopped_by_time_cap"] and stopped.training["epochs_run"] == 1
    resumed = recipe.train_recipe(
        bank, val, tiny_config(epochs=3), work=tmp_path / "b", resume=True, **quiet
    )
    assert resumed.training["resumed"] and not whole.training["resumed"]
    assert [h["epoch"] for h in resumed.training["history"]] == [1, 2, 3]
    assert resumed.training["history"] == whole.training["history"]
    a, b = whole.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.metrics == whole.metrics


@pytest.mark.skipif(sys.platform == "win32", reason="the work folder is locked with flock")
def test_a_second_run_is_refused_while_a_first_holds_the_work_folder(tmp_path):
    work = tmp_path / "work"
    busy = rf"pid {os.getpid()}\) is using this work folder"
    with hold_work(work), pytest.raises(RecipeError, match=busy), hold_work(work):
        pass
    with hold_work(work):  # released when the first run ends
        pass


def test_the_work_folder_is_released_when_a_run_fails(tmp_path):
    with pytest.raises(ValueError), hold_work(tmp_path):
        raise ValueError("the run failed")
    with hold_work(tmp_path):
        pass
