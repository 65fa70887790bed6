"""``--exclude-source``: a user can leave a catalogue source (and its licence) out of training."""

from __future__ import annotations

import pytest

from segmenter.recipes import RecipeError
from segmenter.recipes import bank as bank_module
from segmenter.recipes.sources import Item


def item(i: int, source: str, split: str) -> Item:
    return Item(
        id=f"{source}/{i}", source=source, kind="music", speaker="", path=f"{i}.flac",
        seconds=1.0, package=source, licence="x", split=split,
    )  # fmt: skip


@pytest.fixture
def fake_cache(monkeypatch, tmp_path):
    items = [item(0, "asc-music", "train"), item(1, "asterisk-moh", "train"),
             item(2, "asc-music", "validation")]  # fmt: skip
    monkeypatch.setattr(bank_module, "load_manifest", lambda cache: items)
    monkeypatch.setattr(bank_module, "load_split", lambda cache: {i.id: i.split for i in items})
    monkeypatch.setattr(bank_module, "clip_from_item", lambda cache, it: it.id)
    seen: list[list[str]] = []
    monkeypatch.setattr(
        bank_module.SourceBank,
        "from_clips",
        classmethod(lambda cls, clips: seen.append(list(clips))),
    )
    return tmp_path, seen


def test_excluded_sources_never_reach_the_bank(fake_cache):
    cache, seen = fake_cache
    bank_module.SourceBank.from_cache(cache, "train", ["asc-music"])
    bank_module.SourceBank.from_cache(cache, "train")
    assert seen == [["asterisk-moh/1"], ["asc-music/0", "asterisk-moh/1"]]


def test_an_unknown_source_name_is_a_clear_error(fake_cache):
    cache, _ = fake_cache
    with pytest.raises(
        RecipeError, match=r"unknown source\(s\) fillets; known: asc-music, asterisk-moh"
    ):
        bank_module.SourceBank.from_cache(cache, "train", ["fillets"])
