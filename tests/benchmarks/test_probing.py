"""The probing benchmark on a tiny fake recipe cache: every task, folds of whole groups, and a
table whose figures come from held-out predictions."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from segmenter.recipes.sources import Item
from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

bench = load_benchmark("probing")
RATE = 16000


def _write(cache: Path, items: list[Item], item: Item, audio: np.ndarray) -> None:
    (cache / item.path).parent.mkdir(parents=True, exist_ok=True)
    sf.write(cache / item.path, audio.astype(np.float32), RATE, subtype="PCM_16")
    items.append(item)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache")
    rng = np.random.default_rng(0)
    items: list[Item] = []
    t = np.arange(int(0.6 * RATE)) / RATE
    speakers = {"asterisk-en-allison": 220, "tuxpaint-en": 260, "festvox-ru-nsh": 120,
                "tuxpaint-ru": 150}  # fmt: skip
    for speaker, f0 in speakers.items():
        for i in range(8):
            rel = f"audio/{speaker}/{i}.flac"
            wave = 0.3 * np.sin(2 * np.pi * f0 * (1 + 0.01 * i) * t)
            _write(root, items, Item(f"{speaker}/{i}", speaker.split("-")[0], "speech", speaker,
                                     rel, 0.6, "pkg", "test"), wave)  # fmt: skip
    for category in ("rain", "dog", "engine"):
        for i in range(5):
            rel = f"audio/noise/{category}{i}.flac"
            scale = {"rain": 0.05, "dog": 0.3, "engine": 0.15}[category]
            _write(root, items, Item(f"noise-src/{category}{i}", "noise-src", "noise", "", rel,
                                     0.5, "pkg", "test"), scale * rng.standard_normal(8000))  # fmt: skip
    t = np.arange(12 * RATE) / RATE
    for source, base in (("asc-music", 220.0), ("fillets-music", 500.0)):
        for i in range(3):
            rel = f"audio/{source}/{i}.flac"
            _write(root, items, Item(f"{source}/{i}", source, "music", "", rel, 12.0, "pkg",
                                     "test"), 0.2 * np.sin(2 * np.pi * base * (1 + 0.02 * i) * t))  # fmt: skip
    (root / "manifest.json").write_text(json.dumps([asdict(i) for i in items]))
    return root


def test_tasks_are_built_from_the_manifest(cache: Path) -> None:
    from segmenter.recipes.sources import load_manifest

    items = load_manifest(cache)
    voice = bench.voice_task(items)
    assert {c.label for c in voice} == set(bench.LANGUAGES) & {c.label for c in voice}
    language = bench.language_task(items)
    assert {c.label for c in language} == {"en", "ru"}
    assert all(c.group in bench.LANGUAGES for c in language)  # held out by speaker
    assert {c.label for c in bench.events_task(items)} == {
        "animals", "water_weather", "vehicles_machines"}  # fmt: skip
    music = bench.music_task(items)
    assert len(music) == 6 * 3 and {c.group for c in music} == {f"{s}/{i}" for s in (
        "asc-music", "fillets-music") for i in range(3)}  # fmt: skip


def test_event_categories_are_exclusive() -> None:
    assert bench.event_of("tuxpaint-noise/animals/dog") == "animals"
    assert bench.event_of("scorched3d-noise/none/data/wav/thunder") == "water_weather"
    assert bench.event_of("x/rain-on-a-car") is None  # two categories: left out
    assert bench.event_of("x/doorbell") is None
    assert bench.event_of("ufoai-noise/sound/soldiers/femaledeath05") == "human_vocal"
    assert bench.event_of("x/sound/box/soldier-beep") is None  # ox, die, bee: other words
    assert bench.event_of("scorched3d-noise/apoc/data/wav/shoot/machinegun") is None


def test_folds_keep_groups_whole_and_spread_classes() -> None:
    labels = ["a"] * 10 + ["b"] * 10
    groups = [f"g{i // 2}" for i in range(20)]
    fold_of = bench.group_folds(labels, groups, 5, 0)
    assert set(fold_of) == set(groups)
    assert sorted(Counter(fold_of.values()).values()) == [2, 2, 2, 2, 2]


def test_run_prints_a_table_for_every_task(cache: Path, tmp_path: Path) -> None:
    model = tiny_model_file(tmp_path)
    file_tasks = [t for t in bench.TASKS if t in bench.BUILDERS]
    assert file_tasks == ["voice", "language", "events", "music"]
    rows = bench.run(model, cache, tmp_path / "work", file_tasks)
    assert [r["task"] for r in rows] == file_tasks
    for row in rows:
        for side in ("H", "logspec"):
            assert 0.0 <= row[side]["accuracy"] <= 1.0 and 0.0 <= row[side]["uar"] <= 1.0
        assert row["chance_uar"] == pytest.approx(1 / row["classes"])
    language = next(r for r in rows if r["task"] == "language")
    assert language["held_out"] == "speakers" and language["groups"] == 4
    # spectra separate these made-up classes: the baseline at least must beat chance
    music = next(r for r in rows if r["task"] == "music")
    assert music["logspec"]["uar"] > 0.9
    text = bench.table(rows)
    assert text.count("\n") == 1 + len(rows)
    from segmenter.recipes.sources import load_manifest

    items = load_manifest(cache)
    keys = {c.key for build in bench.BUILDERS.values() for c in build(items)}
    cached = list((tmp_path / "work").rglob("*.npz"))
    assert len(cached) == len(keys) < sum(r["clips"] for r in rows)  # voice and language share


def test_sex_task_is_frame_level_on_single_sex_frames(tmp_path: Path) -> None:
    from segmenter.training.annotations import Turn

    turns = [Turn(0.0, 1.0, "FEE001"), Turn(0.5, 1.5, "MEO002"), Turn(2.0, 2.2, "XYZ")]
    t = bench.sex_targets(turns, 150, 0.02)
    assert (t[:25] == 0).all() and (t[25:50] == -1).all() and (t[50:75] == 1).all()
    assert (t[75:] == -1).all()
    ami = tmp_path / "ami"
    ami.mkdir()
    rng = np.random.default_rng(0)
    lines = []
    for i in range(4):
        sf.write(ami / f"rec{i}.flac", (0.1 * rng.standard_normal(2 * RATE)).astype(np.float32),
                 RATE)  # fmt: skip
        lines += [f"SPEAKER rec{i} 1 0.0 1.0 <NA> <NA> FEE0{i} <NA> <NA>",
                  f"SPEAKER rec{i} 1 1.0 1.0 <NA> <NA> MEE0{i} <NA> <NA>"]  # fmt: skip
    (ami / "train.rttm").write_text("\n".join(lines) + "\n")
    rows = bench.run(tiny_model_file(tmp_path), tmp_path / "no-cache", tmp_path / "w", ["sex"],
                     ami_dir=ami)  # fmt: skip
    row, turns = rows
    assert (row["task"], turns["task"]) == ("sex-frames", "sex-turns")
    assert turns["groups"] == 4 and turns["per_class"] == {"female": 4, "male": 4}
    assert bench.single_runs(np.array([0, 0, 0, -1, 1, 1, 0]), 2) == [(0, 3, 0), (4, 6, 1)]
    assert row["groups"] == 4 and row["per_class"]["female frames"] == 4 * 50
    assert 4 * 48 <= row["per_class"]["male frames"] <= 4 * 50  # the last frame may be short
    assert 0.0 <= row["H"]["uar"] <= 1.0 and row["chance_uar"] == 0.5
