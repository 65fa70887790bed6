"""Model-file validation: what the config may say, what the weights must be, and that the
checks run before memory is spent (issue 19: a 32 TB allocation, a rate blamed on the audio)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from segmenter.checkpoint import load_model, read_model_info, save_model
from segmenter.errors import ModelFileError
from segmenter.features import FRONT_ENDS
from segmenter.model import ModelConfig, NMFSegmenter
from segmenter.model_file_checks import (
    FRONT_END_PARAMS,
    SIZE_LIMITS,
    config_problem,
    weights_problem,
)

SMALL = dict(n_components=16, bottleneck_channels=8, hidden_channels=16)


@pytest.fixture
def path(tmp_path):
    torch.manual_seed(0)
    target = tmp_path / "model.safetensors"
    save_model(NMFSegmenter(ModelConfig(**SMALL)), target)
    return target


def _edit(path, config=None, tensors=None):
    """Rewrite ``path`` with config keys changed and/or tensors replaced."""
    with safe_open(str(path), framework="pt") as handle:
        meta = dict(handle.metadata())
    stored = load_file(str(path))
    doc = json.loads(meta["nmf_segmenter"])
    doc["config"].update(config or {})
    stored.update(tensors or {})
    meta["nmf_segmenter"] = json.dumps(doc)
    save_file(stored, str(path), metadata=meta)


def _refusal(path, *, info: bool = True) -> str:
    """The one-line error of ``load_model`` (and, when ``info``, of ``read_model_info``)."""
    if info:
        with pytest.raises(ModelFileError) as early:
            read_model_info(path)
    with pytest.raises(ModelFileError) as late:
        load_model(path)
    message = str(late.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    if info:
        assert str(early.value) == message
    return message


# ----------------------------------------------------------------------- config_problem
def test_the_default_config_and_the_tiny_one_pass() -> None:
    assert config_problem(ModelConfig().to_dict()) is None
    assert config_problem(ModelConfig(**SMALL).to_dict()) is None


@pytest.mark.parametrize("name", sorted(SIZE_LIMITS))
def test_every_size_has_a_range_and_must_be_whole(name: str) -> None:
    low, high = SIZE_LIMITS[name]
    base = ModelConfig().to_dict()
    below = config_problem({**base, name: low - 1})
    above = config_problem({**base, name: high + 1})
    assert below and name in below and "out of range" in below
    assert above and name in above
    for odd in (16.5, "16", True, None):
        problem = config_problem({**base, name: odd})
        assert problem and f"{name} must be a whole number" in problem, (odd, problem)


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"n_components": 10**12}, "n_components 1000000000000 is out of range"),
        ({"sample_rate": 0}, "sample_rate 0 is out of range"),
        ({"hop_length": 2048}, "hop_length 2048 exceeds n_fft 1024"),
        ({"front_end": "mfcc"}, "unknown front end 'mfcc'"),
        ({"front_end_params": {"colour": 1}}, "unknown front end parameter 'colour'"),
        ({"front_end_params": {"floor": 0}}, "floor must be a positive number"),
        ({"front_end_params": {"floor": math.inf}}, "floor must be a positive number"),
        ({"front_end_params": {"compression": "cube"}}, "compression must be one of"),
        ({"front_end_params": [1]}, "front_end_params must be a JSON object"),
        ({"classes": [f"c{i}" for i in range(300)]}, "300 classes"),
    ],
)
def test_config_problems_say_what_is_wrong(changes: dict, words: str) -> None:
    problem = config_problem({**ModelConfig().to_dict(), **changes})
    assert problem and words in problem, problem


def test_wavlm_parameters_are_known() -> None:
    config = {**ModelConfig().to_dict(), "front_end": "wavlm"}
    good = {"model_path": "/x", "normalize_input": True, "eps": 1e-5}
    assert config_problem({**config, "front_end_params": good}) is None
    problem = config_problem({**config, "front_end_params": {"normalize_input": "yes"}})
    assert problem and "normalize_input must be true or false" in problem
    problem = config_problem({**config, "front_end_params": good, "sample_rate": 8000})
    assert problem and "works at 16000 Hz only, not 8000 Hz" in problem


def test_every_front_end_has_its_parameters_listed() -> None:
    assert set(FRONT_END_PARAMS) == set(FRONT_ENDS)


def test_a_config_that_is_not_an_object() -> None:
    assert "not a JSON object" in (config_problem([1, 2]) or "")


# ---------------------------------------------------------------------- weights_problem
def test_weights_problems() -> None:
    good = {"dictionary": torch.rand(5, 3), "x.running_var": torch.ones(4), "n": torch.tensor(3)}
    assert weights_problem(good) is None
    cases = {
        "not finite": {"w": torch.tensor([1.0, math.nan])},
        "negative variances": {"x.running_var": torch.tensor([1.0, -1.0])},
        "negative entries": {"dictionary": -torch.rand(5, 3)},
        "all zero": {"dictionary": torch.zeros(5, 3)},
    }
    for words, change in cases.items():
        problem = weights_problem({**good, **change})
        assert problem and words in problem, (words, problem)


# ---------------------------------------------------------------- through the model file
@pytest.mark.parametrize(
    "config,words",
    [
        ({"n_components": 10**12}, "n_components"),
        ({"repeats": 10**6}, "repeats"),
        ({"sample_rate": 0}, "sample_rate 0"),
        ({"n_components": 16.5}, "whole number"),
        ({"front_end_params": {"colour": "blue"}}, "unknown front end parameter 'colour'"),
        ({"front_end_params": {"compression": "log", "floor": "tiny"}}, "floor"),
    ],
)
def test_a_bad_config_is_refused_by_info_and_load_alike(path, config: dict, words: str) -> None:
    _edit(path, config=config)
    assert words in _refusal(path)


@pytest.mark.parametrize(
    "key,value,words",
    [
        ("classifier.weight", torch.full((4, 16), math.nan), "'classifier.weight' is not finite"),
        ("dictionary", torch.full((513, 16), math.inf), "'dictionary' is not finite"),
        ("dictionary", -torch.rand(513, 16), "negative entries"),
        ("dictionary", torch.zeros(513, 16), "all zero"),
        ("psi.input_norm.running_var", -torch.ones(513), "negative variances"),
    ],
)
def test_bad_weights_are_refused(path, key: str, value: torch.Tensor, words: str) -> None:
    _edit(path, tensors={key: value})
    assert words in _refusal(path, info=False)


def test_a_config_larger_than_the_weights_is_refused_before_it_is_built(path, monkeypatch):
    """In range, but ~800 MB of TCN the file does not hold: compared on shapes alone."""
    _edit(path, config={"hidden_channels": 4096, "bottleneck_channels": 4096})
    built: list[str] = []
    real_init = NMFSegmenter.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        built.append(self.dictionary.device.type)

    monkeypatch.setattr(NMFSegmenter, "__init__", spy)
    assert "the config implies" in _refusal(path, info=False)
    assert "cpu" not in built, built


def test_a_good_file_still_loads_with_its_weights(path) -> None:
    model, _ = load_model(path)
    assert model.dictionary.device.type == "cpu" and bool((model.dictionary > 0).any())
