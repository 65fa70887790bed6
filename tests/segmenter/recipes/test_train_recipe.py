"""The training recipe on the synthetic tone bank: stages, model file, determinism, WavLM path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from segmenter.checkpoint import load_model, read_model_info
from segmenter.recipes import RecipeError
from segmenter.recipes import cli as recipe_cli
from segmenter.recipes import train as recipe
from segmenter.recipes.mixing import ChunkGenerator
from segmenter.training.atoms import source_frames

from .conftest import make_bank

TINY = dict(
    n_components=8, repeats=1, dictionary_chunks=9, dictionary_frames=600,
    dictionary_iterations=5, epochs=2, steps_per_epoch=2, batch_size=4, val_chunks=4,
    tune_chunks=6, eval_chunks=6, chunks_per_recording=3,
)  # fmt: skip


def tiny_config(**overrides) -> recipe.RecipeConfig:
    return recipe.RecipeConfig(**{**TINY, **overrides})


def test_mixture_references_are_the_chunks_sample_masks():
    gen = ChunkGenerator(make_bank(with_conversation=True))
    recs = recipe.mixture_recordings(gen, count=7, per_recording=3, seed=5, prefix="m")
    assert [r.uri for r in recs] == ["m00", "m01", "m02"]
    assert [round(r.duration) for r in recs] == [12, 12, 4]
    # Replaying the same seed gives the chunks; their masks' on-time must equal the spans'.
    rng = np.random.default_rng(5)
    chunks = [gen.chunk(rng) for _ in range(7)]
    for i, cls in enumerate(("sp", "mu", "no", "ov")):
        expected = sum(int(c.masks[i].sum()) for c in chunks) / 16000
        got = sum(b - a for r in recs for a, b in r.spans[cls])
        assert got == pytest.approx(expected, abs=1e-6)
    assert np.array_equal(recs[0].audio, np.concatenate([c.audio for c in chunks[:3]]))
    for r in recs:
        for spans in r.spans.values():  # merged: sorted, disjoint, not touching
            assert all(b1 < a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))


def test_tuning_mixtures_keep_a_scenario_for_a_few_chunks():
    gen = ChunkGenerator(make_bank(with_conversation=True))
    plain = recipe.mixture_recordings(gen, count=12, per_recording=6, seed=3, prefix="p")
    same = recipe.mixture_recordings(gen, 12, 6, 3, "p", longest_run=1)
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(plain, same, strict=True))

    scenarios = []
    real_chunk = gen.chunk
    gen.chunk = lambda rng, scenario=None: scenarios.append(scenario) or real_chunk(rng, scenario)
    recipe.mixture_recordings(gen, count=200, per_recording=20, seed=3, prefix="l", longest_run=5)
    runs, length = [], 1
    for before, after in zip(scenarios, scenarios[1:], strict=False):
        if after == before:
            length += 1
        else:
            runs.append(length)
            length = 1
    assert None not in scenarios and max(runs) <= 10  # two draws of the same scenario may meet
    assert 2.0 < np.mean(runs) < 4.5  # one draw lasts 1..5 chunks, 3 on average


def test_scenario_source_balances_the_dictionary_classes():
    gen = ChunkGenerator(make_bank())
    frames = source_frames(recipe.scenario_source(gen, ("speech", "music", "noise")), chunks=12)
    assert set(frames) == {"sp", "mu", "no"}
    with pytest.raises(RecipeError, match="none of the scenarios"):
        recipe.scenario_source(gen, ("karaoke",))


def test_recipe_is_deterministic_and_writes_a_complete_model(tmp_path):
    bank, val = make_bank(), make_bank(with_conversation=True)
    logs: list[str] = []
    first = recipe.train_recipe(bank, val, tiny_config(), work=tmp_path / "a", log=logs.append)
    second = recipe.train_recipe(bank, val, tiny_config(), work=tmp_path / "b", log=lambda s: None)
    assert first.metrics == second.metrics
    assert first.thresholds == second.thresholds
    other = recipe.train_recipe(
        bank, val, tiny_config(seed=1), work=tmp_path / "c", log=lambda s: None
    )
    assert other.metrics["val_loss"] != first.metrics["val_loss"]
    val_metrics = first.metrics["validation"]["classes"]
    assert set(val_metrics) == {"sp", "mu", "no", "ov"}
    assert all(0.0 <= m["f1"] <= 1.0 for m in val_metrics.values())
    assert first.training["epochs_run"] == 2 and not first.training["stopped_by_time_cap"]
    assert [h["epoch"] for h in first.training["history"]] == [1, 2]
    assert any(line.startswith("dictionary: K=8") for line in logs)


def test_time_cap_stops_at_an_epoch_boundary_with_the_best_weights(tmp_path):
    result = recipe.train_recipe(
        make_bank(), make_bank(), tiny_config(epochs=5, minutes=1e-6), work=tmp_path,
        log=lambda s: None,
    )  # fmt: skip
    assert result.training["stopped_by_time_cap"]
    assert result.training["epochs_run"] == 1 and result.training["best_epoch"] == 1


def test_cli_train_writes_model_and_metrics(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        recipe.SourceBank,
        "from_cache",
        classmethod(lambda cls, cache, side, exclude=(): make_bank()),
    )
    out = tmp_path / "models" / "default.safetensors"
    args = [
        "train", "--cache", str(tmp_path), "--out", str(out), "--components", "8",
        "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "4", "--val-chunks", "4",
        "--eval-chunks", "4", "--tune-chunks", "4", "--dict-iterations", "3", "--dict-chunks", "6",
        "--ami", str(tmp_path / "no-ami"), "--demo", str(tmp_path / "no-demo"),
        "--class-weight", "mu=2", "--class-weight", "ov=1.5",
    ]  # fmt: skip
    assert recipe_cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "validation  sp" in printed and "wall times:" in printed
    info = read_model_info(out)
    assert set(info.thresholds) == {"sp", "mu", "no", "ov"}
    assert info.metrics["validation"]["summary_f1"] >= 0.0
    assert info.training["recipe_config"]["n_components"] == 8
    assert info.training["train_config"]["class_weights"] == {"mu": 2.0, "ov": 1.5}
    assert set(info.training["wall_times_s"]) >= {"data_s", "dictionary_s", "training_s"}
    sidecar = json.loads((tmp_path / "models" / "default.metrics.json").read_text())
    assert sidecar["metrics"]["validation"] == info.metrics["validation"]
    model, _ = load_model(out)
    assert model.config.n_components == 8


@pytest.mark.parametrize("weight", ["mu", "mu=", "mu=0", "mu=-1", "mu=inf", "music=2", "mu=x"])
def test_cli_refuses_a_bad_class_weight(weight, capsys):
    with pytest.raises(SystemExit):
        recipe_cli.main(["train", "--cache", "c", "--out", "o", "--class-weight", weight])
    assert f"'{weight}': expected CLASS=WEIGHT" in capsys.readouterr().err


def test_wavlm_front_end_needs_a_path():
    with pytest.raises(RecipeError, match="needs --wavlm"):
        recipe.build_model(tiny_config(front_end="wavlm"))


def test_wavlm_front_end_trains_a_few_steps(tmp_path):
    from segmenter.features.wavlm import random_wavlm

    random_wavlm(hidden_size=32, num_layers=2).save_pretrained(tmp_path / "wavlm")
    config = tiny_config(front_end="wavlm", wavlm=str(tmp_path / "wavlm"), epochs=1)
    result = recipe.train_recipe(make_bank(), make_bank(), config, work=tmp_path / "w")
    assert result.model.config.front_end == "wavlm"
    assert result.model.front_end.feature_dim == 32
    assert np.isfinite(result.metrics["val_loss"])


@pytest.mark.parametrize(
    "options, expected",
    [([], {"mu": 1.5}), (["--class-weight", "mu=1"], {"mu": 1.0}),
     (["--class-weight", "ov=2"], {"mu": 1.5, "ov": 2.0})],
)  # fmt: skip
def test_cli_class_weights_merge_onto_the_shipped_default(monkeypatch, options, expected):
    seen = []
    monkeypatch.setattr(recipe, "run_recipe", lambda cache, out, config, **kw: seen.append(config))
    recipe_cli.main(["train", "--cache", "c", "--out", "o", *options])
    assert seen[0].class_weights == expected
    assert (seen[0].n_fft, seen[0].noise_floor_p, seen[0].gsm_p) == (1024, 0.3, 0.1)
