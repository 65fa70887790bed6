"""Train/validation split by source file: disjoint, complete, deterministic, stratified."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.recipes.sources import Item
from segmenter.recipes.splits import items_of, load_split, make_split, save_split


def item(source: str, k: int, seconds: float = 2.0, split: str = "") -> Item:
    return Item(
        f"{source}/{k}",
        source,
        "speech",
        "s",
        f"audio/{source}/{k}.flac",
        seconds,
        "pkg",
        "CC0",
        split=split,
    )


def catalogue(sizes: dict[str, int]) -> list[Item]:
    return [item(s, k, 1.0 + (k % 5)) for s, n in sizes.items() for k in range(n)]


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 40), min_size=1),
    seed=st.integers(0, 1000),
    fraction=st.floats(0.05, 0.6),
)
def test_every_file_lands_on_exactly_one_side(sizes, seed, fraction) -> None:
    items = catalogue(sizes)
    split = make_split(items, fraction, seed)
    train, valid = items_of(items, split, "train"), items_of(items, split, "validation")
    assert {i.id for i in train}.isdisjoint({i.id for i in valid})
    assert len(train) + len(valid) == len(items)
    for source, n in sizes.items():  # stratified: each source of 2+ files is on both sides
        ids = [i for i in valid if i.source == source]
        assert (1 <= len(ids) < n) if n >= 2 else not ids


def test_split_is_deterministic_and_follows_the_seed() -> None:
    items = catalogue({"a": 50, "b": 30})
    assert make_split(items, 0.2, 3) == make_split(list(reversed(items)), 0.2, 3)
    assert make_split(items, 0.2, 3) != make_split(items, 0.2, 4)


def test_fraction_is_by_duration_per_source() -> None:
    items = catalogue({"a": 200})
    split = make_split(items, 0.25, 0)
    valid = sum(i.seconds for i in items_of(items, split, "validation"))
    assert valid / sum(i.seconds for i in items) == pytest.approx(0.25, abs=0.03)


def test_fixed_splits_and_reserved_files_are_kept() -> None:
    items = catalogue({"a": 20}) + [
        item("ami", 0, split="train"),
        item("ami", 1, split="validation"),
    ]
    split = make_split(items, 0.2, 0, reserve=["a/7", "a/8"])
    assert split["ami/0"] == "train" and split["ami/1"] == "validation"
    assert split["a/7"] == split["a/8"] == "validation"


def test_split_round_trips_through_the_cache(tmp_path) -> None:
    split = make_split(catalogue({"a": 5}), 0.2, 0)
    save_split(tmp_path, split)
    assert load_split(tmp_path) == split


def test_bad_fraction_is_refused() -> None:
    with pytest.raises(ValueError):
        make_split(catalogue({"a": 3}), 1.0, 0)
