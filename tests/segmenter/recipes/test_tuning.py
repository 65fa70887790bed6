"""The recipe's decision stage: per-class objectives, options, and re-tuning's refusals."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from segmenter.recipes import RecipeError
from segmenter.recipes.retune import recipe_config_of, retune_model
from segmenter.recipes.train import RecipeConfig
from segmenter.recipes.train_options import _objective, tune_objective
from segmenter.recipes.tuning import objectives_of
from tests.tiny_models import tiny_model_file

CLASSES = ("sp", "mu", "no", "ov")


def test_default_objectives_tune_music_for_f1_and_the_rest_for_edits() -> None:
    assert RecipeConfig().tune_objective == {
        "sp": "edits",
        "mu": "f1",
        "no": "edits",
        "ov": "edits",
    }


def test_one_name_for_every_class_or_a_mapping() -> None:
    assert objectives_of("f1", CLASSES) == dict.fromkeys(CLASSES, "f1")
    with pytest.raises(RecipeError, match="tuning objective of ov"):
        objectives_of({"sp": "edits", "mu": "f1", "no": "f1"}, CLASSES)
    with pytest.raises(RecipeError, match="'loss'"):
        objectives_of("loss", CLASSES)


def test_command_line_objectives_merge_over_the_default_in_order() -> None:
    default = RecipeConfig().tune_objective
    given = [_objective("f1"), _objective("ov=edits")]
    assert tune_objective(given, default) == {"sp": "f1", "mu": "f1", "no": "f1", "ov": "edits"}
    assert tune_objective([], default) == default
    for bad in ("loss", "xx=edits", "mu=best"):
        with pytest.raises(argparse.ArgumentTypeError):
            _objective(bad)


def test_recipe_config_from_a_model_file_takes_defaults_for_newer_options() -> None:
    stored = RecipeConfig().to_dict()
    del stored["tune_objective"]
    stored["exclude_sources"] = ["asc-music"]  # JSON has lists
    config = recipe_config_of({"recipe_config": stored})
    assert config.exclude_sources == ("asc-music",)
    assert config.tune_objective == RecipeConfig().tune_objective
    with pytest.raises(RecipeError, match="no recipe configuration"):
        recipe_config_of({})


def test_retune_never_writes_over_its_input_or_an_existing_file(tmp_path: Path) -> None:
    model = tiny_model_file(tmp_path)
    with pytest.raises(RecipeError, match="must differ"):
        retune_model(tmp_path, model, model)
    other = tmp_path / "other.safetensors"
    other.write_bytes(b"kept")
    with pytest.raises(RecipeError, match="--force"):
        retune_model(tmp_path, model, other)
    assert other.read_bytes() == b"kept"


def test_retune_leaves_out_the_packages_its_model_was_trained_without(tmp_path, monkeypatch):
    from segmenter.checkpoint import update_metadata
    from segmenter.recipes import retune

    model = tiny_model_file(tmp_path)
    config = RecipeConfig(exclude_sources=("asc-music",)).to_dict()
    update_metadata(
        model, training={"recipe_config": config, "hold_out": {"sources": ["asterisk-fr"]}}
    )
    seen = {}

    def from_cache(cache, split, exclude=()):
        seen["exclude"] = tuple(exclude)
        raise RecipeError("stop here")

    monkeypatch.setattr(retune.SourceBank, "from_cache", from_cache)
    with pytest.raises(RecipeError, match="stop here"):
        retune_model(tmp_path, model, tmp_path / "out.safetensors")
    assert seen["exclude"] == ("asc-music", "asterisk-fr")


def test_the_tuning_stream_is_plain_by_default_the_training_stream_or_both():
    from segmenter.recipes.train import mix_config, plain, tuning_mixes

    config = RecipeConfig(reverb_p=0.3, lossy_p=0.06, room_tone_p=0.5, noise_floor_p=0.5)
    mix = mix_config(config)
    assert RecipeConfig().tune_stream == "plain"
    assert tuning_mixes(mix, "plain") == [plain(mix)]
    [realistic] = tuning_mixes(mix, "training")
    assert (realistic.reverb_p, realistic.lossy_p, realistic.noise_floor_p) == (0.3, 0.06, 0.5)
    assert realistic.room_tone_p == 0.0  # the validation conversations' quiet: a benchmark
    assert tuning_mixes(mix, "both") == [plain(mix), realistic]
    with pytest.raises(RecipeError, match="tuning stream 'loud'"):
        tuning_mixes(mix, "loud")


def test_tuning_on_both_streams_tunes_on_a_set_of_each_with_distinct_names(tmp_path) -> None:
    from segmenter.recipes.bank import SourceBank
    from segmenter.recipes.train import mix_config, tuning_recordings

    from .tiny_cache import write_tiny_cache

    cache = write_tiny_cache(tmp_path)
    bank = SourceBank.from_cache(cache, "validation")
    config = RecipeConfig(tune_chunks=4, chunks_per_recording=2, reverb_p=1.0)
    plain_set = tuning_recordings(bank, mix_config(config), config)
    both = tuning_recordings(bank, mix_config(config), replace(config, tune_stream="both"))
    assert len(both) == 2 * len(plain_set) == 4
    assert len({r.uri for r in both}) == 4
    for a, b in zip(plain_set, both[:2], strict=True):  # the plain half is the plain set
        assert a.uri == b.uri and np.array_equal(a.audio, b.audio)
    assert not np.array_equal(both[0].audio, both[2].audio)


def test_train_takes_the_tuning_stream_and_retune_keeps_the_models_unless_told() -> None:
    from segmenter.recipes import cli
    from segmenter.recipes.train_options import recipe_config

    parse = cli._parser().parse_args
    train = parse(["train", "--cache", "c", "--out", "o", "--tune-stream", "training"])
    assert recipe_config(train).tune_stream == "training"
    assert recipe_config(parse(["train", "--cache", "c", "--out", "o"])).tune_stream == "plain"
    retune = ["retune", "--cache", "c", "--model", "m", "--out", "o"]
    assert parse(retune).tune_stream is None
    assert parse([*retune, "--tune-stream", "plain"]).tune_stream == "plain"
    with pytest.raises(SystemExit):
        parse([*retune, "--tune-stream", "loud"])


def test_min_saving_is_a_train_and_retune_option_checked_at_parse_time() -> None:
    from segmenter.recipes import cli
    from segmenter.recipes.train_options import recipe_config

    parse = cli._parser().parse_args
    train = ["train", "--cache", "c", "--out", "o"]
    assert recipe_config(parse(train)).tune_min_saving == 0.0
    assert recipe_config(parse([*train, "--tune-min-saving", "0.1"])).tune_min_saving == 0.1
    retune = ["retune", "--cache", "c", "--model", "m", "--out", "o"]
    assert parse(retune).tune_min_saving is None  # keeps what the model was tuned with
    for bad in ("1", "-0.1", "x"):
        with pytest.raises(SystemExit):
            parse([*train, "--tune-min-saving", bad])
