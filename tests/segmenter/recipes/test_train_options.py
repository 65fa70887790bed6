"""The train command's options make the recipe configuration they name."""

from __future__ import annotations

import argparse

import pytest

from segmenter.recipes import cli
from segmenter.recipes.train import RecipeConfig
from segmenter.recipes.train_options import recipe_config


def _parse(*args: str) -> argparse.Namespace:
    return cli._parser().parse_args(["train", "--cache", "c", "--out", "o", *args])


def test_no_options_give_the_recipe_defaults():
    assert recipe_config(_parse()) == RecipeConfig()


def test_options_reach_the_configuration():
    config = recipe_config(
        _parse(
            "--epochs", "3", "--balance-sources", "--class-weight", "no=2",
            "--level-dbfs=-45,-12", "--exclude-source", "asc-music", "--tune-objective", "mu=edits",
        )
    )  # fmt: skip
    assert config.epochs == 3 and config.balance_sources
    assert config.class_weights == {"mu": 1.5, "no": 2.0}  # the default music weight is kept
    assert config.level_dbfs == (-45.0, -12.0) and config.exclude_sources == ("asc-music",)
    assert config.tune_objective["mu"] == "edits" and config.tune_objective["sp"] == "edits"


@pytest.mark.parametrize(
    "bad", ["--level-dbfs=-10,-45", "--class-weight=xx=2", "--lossy-codecs=aac"]
)
def test_bad_values_are_refused_by_the_parser(bad, capsys):
    with pytest.raises(SystemExit):
        _parse(bad)
    assert "error" in capsys.readouterr().err
