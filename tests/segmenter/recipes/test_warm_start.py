"""``--init-from``: training goes on from a trained model's dictionary and weights."""

from __future__ import annotations

import pytest
import torch

from segmenter.checkpoint import save_model
from segmenter.recipes import RecipeError
from segmenter.recipes import train as recipe
from segmenter.recipes.train_options import recipe_config

from .conftest import make_bank
from .test_train_recipe import tiny_config


def _trained(tmp_path, **overrides):
    config = tiny_config(**overrides)
    result = recipe.train_recipe(
        make_bank(), make_bank(with_conversation=True), config, work=tmp_path / "first",
        log=lambda _: None,
    )  # fmt: skip
    path = tmp_path / "first.safetensors"
    save_model(result.model, path, result.thresholds, training=result.training)
    return result.model, path


def test_warm_start_loads_every_weight_and_the_dictionary_counts(tmp_path):
    trained, path = _trained(tmp_path)
    fresh = recipe.build_model(tiny_config(seed=7))
    counts = recipe.warm_start(fresh, path)
    assert counts and set(counts) <= {"sp", "mu", "no"}
    for name, value in trained.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value), name
    assert fresh.training  # ready to train on


def test_a_warm_started_run_begins_from_the_model_not_a_new_dictionary(tmp_path):
    trained, path = _trained(tmp_path)
    logs: list[str] = []
    config = tiny_config(init_from=str(path), epochs=1, lr=1e-9)
    result = recipe.train_recipe(
        make_bank(), make_bank(with_conversation=True), config, work=tmp_path / "warm",
        log=logs.append,
    )  # fmt: skip
    assert any("warm start" in line for line in logs)
    assert not any(line.startswith("dictionary:") for line in logs)
    assert result.training["initialised_from"] == path.name
    # with a vanishing learning rate the dictionary stays the one it started from
    assert torch.allclose(result.model.W, trained.W, atol=1e-5)


def test_a_different_architecture_or_a_missing_file_is_one_clear_error(tmp_path):
    _, path = _trained(tmp_path)
    with pytest.raises(RecipeError, match=r"n_components 8 \(recipe: 12\)"):
        recipe.warm_start(recipe.build_model(tiny_config(n_components=12)), path)
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(RecipeError, match="--init-from .*nope.safetensors"):
        recipe.warm_start(recipe.build_model(tiny_config()), missing)


def test_the_command_line_carries_init_from():
    import argparse

    from segmenter.recipes.train_options import add_train_parser

    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(
        ["train", "--cache", "c", "--out", "o", "--init-from", "m.safetensors"]
    )
    assert recipe_config(args).init_from == "m.safetensors"
