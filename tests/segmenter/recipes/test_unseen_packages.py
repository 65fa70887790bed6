"""Whole packages held out of the recipe: the draw, the banks, the two scored sets, the table."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from segmenter.checkpoint import read_model_info
from segmenter.recipes import RecipeError, unseen
from segmenter.recipes import cli as recipe_cli
from segmenter.recipes import train as recipe
from segmenter.recipes.bank import SourceBank
from segmenter.recipes.catalogue import CATALOGUE
from segmenter.recipes.sources import Item

from .test_train_recipe import TINY
from .tiny_cache import SOURCES, write_tiny_cache

ROOT = Path(__file__).resolve().parents[3]


def single_class_catalogue(speech: int, music: int, noise: int) -> dict[str, tuple[str, str]]:
    """source → (package, kind), one source per package, ``n`` packages per class."""
    table = {}
    for kind, n in (("speech", speech), ("music", music), ("noise", noise)):
        for i in range(n):
            table[f"{kind}-src{i}"] = (f"{kind}-pkg{i}", kind)
    return table


def real_like() -> dict[str, tuple[str, str]]:
    table = {s: (pkg, kind) for s, (pkg, kind, _) in SOURCES.items()}
    return {**table, "ami": ("AMI", "speech")}


def test_the_draw_is_seeded_and_holds_the_fraction_of_each_class() -> None:
    table = single_class_catalogue(speech=10, music=10, noise=5)
    first = unseen.choose_hold_out(table, 0.2, seed=3)
    assert first == unseen.choose_hold_out(table, 0.2, seed=3)
    assert {k: len(v) for k, v in first.packages.items()} == {"speech": 2, "music": 2, "noise": 1}
    others = [unseen.choose_hold_out(table, 0.2, seed=s).packages for s in range(8)]
    assert len({json.dumps(p, sort_keys=True) for p in others}) > 1  # the seed matters
    # one generator per class: another music package does not reshuffle speech or noise
    grown = unseen.choose_hold_out({**table, "music-src10": ("music-pkg10", "music")}, 0.2, 3)
    assert grown.packages["speech"] == first.packages["speech"]
    assert grown.packages["noise"] == first.packages["noise"]
    assert set(first.sources) == {
        s for s, (p, _) in table.items() if p in sum(first.packages.values(), ())
    }


def test_at_least_one_per_class_with_two_packages_and_never_the_last() -> None:
    held = unseen.choose_hold_out(single_class_catalogue(2, 3, 1), 0.01, seed=0)
    assert len(held.packages["speech"]) == 1 and len(held.packages["music"]) == 1
    assert held.packages["noise"] == ()  # one noise package: it must stay for training
    most = unseen.choose_hold_out(single_class_catalogue(2, 2, 2), 0.99, seed=0)
    assert all(len(p) == 1 for p in most.packages.values())  # at most n - 1
    with pytest.raises(RecipeError, match="no package can be held out"):
        unseen.choose_hold_out(single_class_catalogue(1, 1, 1), 0.5)
    with pytest.raises(RecipeError, match=r"in \(0, 1\)"):
        unseen.choose_hold_out(single_class_catalogue(3, 3, 3), 1.0)


def test_a_held_package_leaves_whole_and_no_class_loses_its_last_package() -> None:
    for seed in range(20):
        held = unseen.choose_hold_out(real_like(), 0.2, seed)
        packages = set(sum(held.packages.values(), ()))
        # every source of a held package goes, whatever class it serves
        assert set(held.sources) == {s for s, (p, _) in real_like().items() if p in packages}
        for kind in unseen.KINDS:
            providers = {p for p, k in real_like().values() if k == kind}
            assert providers - packages, f"seed {seed}: {kind} has nothing left to train on"
            assert held.packages[kind], f"seed {seed}: {kind} has 3+ packages, none held"


def test_ami_stays_in_training_unless_asked() -> None:
    for seed in range(10):
        held = unseen.choose_hold_out(real_like(), 0.5, seed)
        assert "ami" not in held.sources and "AMI" not in held.candidates["speech"]
    asked = unseen.choose_hold_out(real_like(), 0.2, 0, hold_out_ami=True)
    assert "ami" in asked.sources and "AMI" in asked.packages["speech"]
    assert "AMI conversations: held out" in asked.describe()


def test_excluded_sources_are_out_of_the_draw() -> None:
    for seed in range(10):
        held = unseen.choose_hold_out(real_like(), 0.2, seed, exclude=["asc-music"])
        assert "asc-music" not in held.sources and "asc-music" not in held.candidates["music"]


def test_packages_come_from_the_catalogue_and_conversations_are_speech() -> None:
    def item(source: str, package: str, kind: str) -> Item:
        return Item(f"{source}/0", source, kind, "", "x.flac", 1.0, package, "l")

    items = [
        item("asc-music", "stale name", "music"),
        item("ami", "AMI", "conversation"),
        item("new-src", "new-pkg", "noise"),
    ]
    table = unseen.source_packages(items)
    asc = next(s for s in CATALOGUE if s.name == "asc-music")
    assert table == {
        "ami": ("AMI", "speech"), "asc-music": (asc.package, "music"),
        "new-src": ("new-pkg", "noise"),
    }  # fmt: skip


def test_the_unseen_bank_holds_every_file_of_the_held_packages_and_nothing_else(
    tmp_path: Path,
) -> None:
    cache = write_tiny_cache(tmp_path)
    held = unseen.hold_out_of_cache(cache, 0.2, seed=0)
    bank = unseen.unseen_bank(cache, held)
    clips = [*bank.speech, *bank.music, *bank.noise, *bank.conversations]
    assert {c.id.split("/")[0] for c in clips} == set(held.sources)
    assert {c.id.split("-")[-1] for c in clips} == {"train", "validation"}  # both sides
    kept = SourceBank.from_cache(cache, "train", held.sources)
    assert not {c.id.split("/")[0] for c in [*kept.speech, *kept.music, *kept.noise]} & set(
        held.sources
    )


def metrics_of(f1_in: dict, f1_out: dict) -> dict:
    def block(f1s: dict) -> dict:
        rates = {"edits_per_min": 2.0, "empty_edits_per_min": 3.0}
        classes = {
            c: {"f1": f or 0.0, "reference_s": 0.0 if f is None else 10.0, **rates}
            for c, f in f1s.items()
        }
        return {"classes": classes, "edits_per_min": 8.0, "empty_edits_per_min": 12.0}

    return {unseen.IN_PACKAGE: block(f1_in), unseen.UNSEEN: block(f1_out)}


def test_gap_rows_and_table() -> None:
    held = unseen.choose_hold_out(single_class_catalogue(3, 3, 1), 0.2, 0)
    metrics = metrics_of(
        {"sp": 0.9, "mu": 0.8, "no": 0.7, "ov": 0.6}, {"sp": 0.8, "mu": 0.85, "no": 0.5, "ov": None}
    )
    rows = unseen.gap_rows(metrics, held)
    assert rows["sp"]["gap"] == pytest.approx(0.1) and rows["mu"]["gap"] == pytest.approx(-0.05)
    assert rows["ov"]["unseen_f1"] is None and rows["ov"]["gap"] is None
    assert rows["no"]["held"] is False and rows["sp"]["held"] is True
    text = unseen.gap_table(metrics, held)
    assert "+0.100" in text and "-0.050" in text
    assert "no package of this class held out" in text.splitlines()[4]  # the noise row
    assert "no reference time in the unseen set" in text
    assert text.splitlines()[-1].split() == ["total", "8.0", "/", "12.0", "8.0", "/", "12.0"]


def test_recipe_holds_out_packages_and_scores_both_sets(tmp_path: Path) -> None:
    cache = write_tiny_cache(tmp_path / "cache")
    config = recipe.RecipeConfig(**TINY, hold_out_packages=0.2, hold_out_seed=0)
    trained_on: list[str] = []
    real_train = recipe.train_recipe

    def spy(train_bank, val_bank, *args, **kwargs):
        for bank in (train_bank, val_bank):
            trained_on.extend(c.id.split("/")[0] for c in [*bank.speech, *bank.music, *bank.noise])
        return real_train(train_bank, val_bank, *args, **kwargs)

    logs: list[str] = []
    recipe.train_recipe = spy
    try:
        result = recipe.run_recipe(
            cache, tmp_path / "m.safetensors", config, work=tmp_path / "w", log=logs.append
        )
    finally:
        recipe.train_recipe = real_train
    held = result.training["hold_out"]["sources"]
    assert held and not set(held) & set(trained_on)
    assert {unseen.IN_PACKAGE, unseen.UNSEEN, "validation"} <= set(result.metrics)
    for name in (unseen.IN_PACKAGE, unseen.UNSEEN):
        sp = result.metrics[name]["classes"]["sp"]
        assert 0.0 <= sp["f1"] <= 1.0 and math.isfinite(sp["edits_per_min"])
        assert sp["empty_edits_per_min"] > 0
    assert any(line.startswith("held-out packages") for line in logs)
    assert any("unseen edits" in line for line in logs)
    info = read_model_info(tmp_path / "m.safetensors")
    assert info.training["hold_out"]["sources"] == held
    assert info.training["recipe_config"]["hold_out_packages"] == 0.2


def test_cli_passes_the_hold_out_options(monkeypatch, tmp_path: Path) -> None:
    seen: list[recipe.RecipeConfig] = []
    monkeypatch.setattr(recipe, "run_recipe", lambda cache, out, config, **kw: seen.append(config))
    args = ["train", "--cache", str(tmp_path), "--out", str(tmp_path / "m.safetensors")]
    assert recipe_cli.main(args) == 0
    assert recipe_cli.main([*args, "--hold-out-packages", "0.3", "--hold-out-seed", "4",
                            "--hold-out-ami"]) == 0  # fmt: skip
    assert (seen[0].hold_out_packages, seen[0].hold_out_ami) == (0.0, False)
    last = seen[1]
    assert (last.hold_out_packages, last.hold_out_seed, last.hold_out_ami) == (0.3, 4, True)


@pytest.mark.skipif(not (ROOT / "cache" / "manifest.json").exists(), reason="cache not fetched")
def test_the_fetched_cache_has_a_hold_out_for_every_class() -> None:
    held = unseen.hold_out_of_cache(ROOT / "cache", 0.2, seed=0)
    assert all(held.packages[k] for k in unseen.KINDS)
    assert "ami" not in held.sources


def test_a_package_that_is_some_class_s_only_source_is_never_drawn() -> None:
    table = {
        "a": ("pkg-a", "speech"), "b": ("pkg-b", "speech"), "c-sp": ("pkg-c", "speech"),
        "c-no": ("pkg-c", "noise"), "m1": ("pkg-m1", "music"), "m2": ("pkg-m2", "music"),
        "x": ("pkg-x", "singing"),  # a kind the draw does not know yet is carried, not drawn
    }  # fmt: skip
    for seed in range(20):
        held = unseen.choose_hold_out(table, 0.5, seed)
        assert "pkg-c" not in held.packages["speech"] and held.packages["speech"]
        assert "x" not in held.sources


def test_both_sets_use_the_plain_mixer_with_recorded_noise_only(monkeypatch) -> None:
    from segmenter.recipes.mixing import ChunkGenerator

    from .conftest import make_bank

    made: list[ChunkGenerator] = []

    def spy(bank, config):
        made.append(ChunkGenerator(bank, config))
        return made[-1]

    monkeypatch.setattr(unseen, "ChunkGenerator", spy)
    plain_mix = recipe.plain(recipe.mix_config(recipe.RecipeConfig()))
    sets = unseen.comparison_sets(make_bank(), make_bank(), plain_mix, 5, 3, seed=0)
    assert list(sets) == [unseen.IN_PACKAGE, unseen.UNSEEN]
    assert [len(v) for v in sets.values()] == [2, 2]
    assert [r.audio.size for r in sets[unseen.IN_PACKAGE]] == [3 * 64000, 2 * 64000]
    for generator in made:
        assert generator.config.generated_noise_p == 0.0
        assert generator.config == replace(plain_mix, generated_noise_p=0.0)
