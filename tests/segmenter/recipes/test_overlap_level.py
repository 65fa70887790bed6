"""Overlap-set levels: summed voices are no louder than a lone talker, so loudness is no cue."""

from __future__ import annotations

import numpy as np

from segmenter.recipes import cli
from segmenter.recipes.bank import SourceBank
from segmenter.recipes.levels import active_power
from segmenter.recipes.mixing import CLASSES, ChunkGenerator, MixConfig
from segmenter.recipes.train import RecipeConfig, mix_config, plain
from segmenter.recipes.train_options import recipe_config

OV = CLASSES.index("ov")
SP = CLASSES.index("sp")


def _power_db(audio: np.ndarray, where: np.ndarray) -> float:
    return float(10 * np.log10(active_power(audio, where)))


def _levels(bank: SourceBank, overlap_sets_level: bool) -> tuple[list[float], list[float]]:
    """(power of the overlapping samples of overlap chunks, power of speech-only chunks' talker
    samples), in dBFS, with every chunk drawn at -20 dBFS and nothing else in the mix."""
    config = MixConfig(
        level_dbfs=(-20.0, -20.0), extra_noise_p=0.0, overlap_sets_level=overlap_sets_level
    )
    gen = ChunkGenerator(bank, config)
    rng = np.random.default_rng(0)
    overlapping, lone = [], []
    for _ in range(60):
        chunk = gen.chunk(rng, "overlap")
        if chunk.masks[OV].sum() > 1600:
            overlapping.append(_power_db(chunk.audio, chunk.masks[OV]))
        chunk = gen.chunk(rng, "speech")
        lone.append(_power_db(chunk.audio, chunk.masks[SP]))
    return overlapping, lone


def test_overlapping_talkers_are_louder_than_a_lone_talker_by_default(bank: SourceBank) -> None:
    overlapping, lone = _levels(bank, overlap_sets_level=False)
    assert np.allclose(lone, -20.0, atol=0.05)
    assert np.median(overlapping) > -20.0 + 0.5  # the cue the option removes


def test_overlap_sets_level_puts_the_overlapping_samples_at_the_drawn_level(
    bank: SourceBank,
) -> None:
    overlapping, lone = _levels(bank, overlap_sets_level=True)
    assert len(overlapping) > 10
    assert np.allclose(overlapping, -20.0, atol=0.05)
    assert np.allclose(lone, -20.0, atol=0.05)


def test_only_the_level_changes(bank: SourceBank) -> None:
    """Same seed, same chunk, labels and parts; the audio differs by one gain (up to the
    -90 dBFS dither added after the level)."""
    a = ChunkGenerator(bank, MixConfig(extra_noise_p=0.0)).chunk(
        np.random.default_rng(3), "overlap"
    )
    b = ChunkGenerator(bank, MixConfig(extra_noise_p=0.0, overlap_sets_level=True)).chunk(
        np.random.default_rng(3), "overlap"
    )
    assert a.parts == b.parts and np.array_equal(a.labels, b.labels)
    loud = np.abs(a.audio) > 0.02
    ratio = b.audio[loud] / a.audio[loud]
    assert np.ptp(ratio) < 0.02 * abs(float(np.median(ratio)))
    assert abs(float(np.median(ratio)) - 1.0) > 0.05  # and the gain is not one


def test_the_option_reaches_training_only() -> None:
    args = cli._parser().parse_args(["train", "--cache", "c", "--out", "m", "--overlap-sets-level"])
    config = recipe_config(args)
    assert config.overlap_sets_level
    assert mix_config(config).overlap_sets_level
    assert not plain(mix_config(config)).overlap_sets_level
    assert not mix_config(RecipeConfig()).overlap_sets_level
