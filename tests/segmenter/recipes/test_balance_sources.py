"""Source-balanced draws: a big pack no longer sets what music and recorded noise sound like."""

from __future__ import annotations

from collections import Counter

import numpy as np

from segmenter.recipes import cli
from segmenter.recipes.bank import Clip, SourceBank
from segmenter.recipes.mixing import ChunkGenerator, MixConfig, by_source
from segmenter.recipes.train import RecipeConfig, mix_config, plain

from .conftest import RATE, tone


def _lopsided_bank() -> SourceBank:
    """Nine music tracks and nine noises from pack "big", one of each from pack "small"."""
    clips = []
    for source, count in (("big", 9), ("small", 1)):
        for i in range(count):
            n = 6 * RATE
            on = np.ones(n, dtype=bool)
            clips.append(Clip(f"{source}-music/{i}", "music", tone(300.0 + i, n), on))
            clips.append(Clip(f"{source}-noise/{i}", "noise", tone(900.0 + i, n), on))
    talker = tone(500.0, 3 * RATE)
    clips.append(Clip("ann/0", "speech", talker, np.ones(talker.size, bool), frozenset({"ann"})))
    return SourceBank.from_clips(clips)


def _sources(balance: bool, scenario: str) -> Counter[str]:
    config = MixConfig(balance_sources=balance, partial_p=0.0, generated_noise_p=0.0)
    gen = ChunkGenerator(_lopsided_bank(), config)
    rng = np.random.default_rng(0)
    prefix = "music" if scenario == "music" else "noise"
    return Counter(
        part.split("/")[0].split("-")[0]
        for _ in range(200)
        for part in gen.chunk(rng, scenario).parts
        if part.split("/")[0].endswith(prefix)
    )


def test_by_file_the_big_pack_dominates_and_balanced_it_does_not():
    by_file, balanced = _sources(False, "music"), _sources(True, "music")
    assert by_file["small"] / sum(by_file.values()) < 0.2
    assert 0.4 < balanced["small"] / sum(balanced.values()) < 0.6


def test_a_noise_chunk_draws_its_events_from_one_source_when_balanced():
    config = MixConfig(balance_sources=True, partial_p=0.0, generated_noise_p=0.0)
    gen = ChunkGenerator(_lopsided_bank(), config)
    rng = np.random.default_rng(1)
    for _ in range(40):
        packs = {p.split("/")[0] for p in gen.chunk(rng, "noise").parts if "-noise/" in p}
        assert len(packs) == 1
    shares = _sources(True, "noise")
    assert 0.3 < shares["small"] / sum(shares.values()) < 0.7


def test_off_by_default_and_off_in_the_validation_stream():
    assert MixConfig().balance_sources is False
    args = cli._parser().parse_args(["train", "--cache", "c", "--out", "o", "--balance-sources"])
    assert args.balance_sources
    mix = mix_config(RecipeConfig(balance_sources=True))
    assert mix.balance_sources and not plain(mix).balance_sources


def test_groups_are_sorted_by_source_name():
    bank = _lopsided_bank()
    assert [g[0].id.split("/")[0] for g in by_source(bank.music)] == ["big-music", "small-music"]
