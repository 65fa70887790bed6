"""Generated noises: every kind is finite, unit-RMS and seeded; event kinds are opt-in."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.recipes import noises
from segmenter.recipes import train as recipe
from segmenter.recipes.mixing import ChunkGenerator, MixConfig

from .conftest import make_bank


@pytest.mark.parametrize("kind", noises.KINDS + noises.EVENT_KINDS + noises.FLOOR_ONLY_KINDS)
def test_each_kind_is_finite_unit_rms_and_seeded(kind):
    a = noises.generate(kind, 32000, np.random.default_rng(3))
    b = noises.generate(kind, 32000, np.random.default_rng(3))
    assert a.dtype == np.float32 and np.isfinite(a).all()
    assert np.sqrt(np.mean(a.astype(np.float64) ** 2)) == pytest.approx(1.0, rel=1e-3)
    np.testing.assert_array_equal(a, b)


def test_event_kinds_are_not_stationary():
    """What they are for: energy that moves over time, unlike white/pink/brown/hum."""
    rng = np.random.default_rng(0)

    def spread(x):  # spread of 50 ms frame energies, in dB
        frames = x[: x.size // 800 * 800].reshape(-1, 800).astype(np.float64)
        return np.ptp(10 * np.log10(np.mean(frames**2, axis=1) + 1e-12))

    steady = spread(noises.generate("white", 64000, rng))
    assert steady < 3.0
    assert spread(noises.generate("ticks", 64000, rng)) > steady + 10.0
    assert spread(noises.generate("wind", 64000, rng)) > steady + 3.0


def test_rumble_is_all_low_frequency_with_a_faint_hiss():
    """What it is for: a room's ventilation, energy under a few hundred Hz (the spectrum the
    bass-only music augmentation otherwise teaches to be music), never digital silence above."""
    for seed in range(5):
        x = noises.generate("rumble", 64000, np.random.default_rng(seed)).astype(np.float64)
        power = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(x.size, 1 / 16000)
        assert power[freqs < 800].sum() > 0.99 * power.sum()
        assert power[freqs > 2000].sum() > 1e-7 * power.sum()


def test_floor_kinds_are_a_mixing_setting_and_default_to_the_stationary_kinds():
    assert MixConfig().floor_kinds == noises.KINDS
    config = MixConfig(noise_floor_p=1.0, floor_kinds=("rumble",))
    gen = ChunkGenerator(make_bank(), config)
    rng = np.random.default_rng(1)
    chunks = [gen.chunk(rng, "silence") for _ in range(10)]
    assert {p for c in chunks for p in c.parts if p.startswith("floor/")} == {"floor/rumble"}
    assert not any(c.masks.any() for c in chunks)  # a floor is never labelled


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown noise kind"):
        noises.generate("thunder", 10, np.random.default_rng(0))


def test_generated_kinds_are_a_mixing_setting():
    config = MixConfig(generated_noise_p=1.0, generated_kinds=("siren",))
    gen = ChunkGenerator(make_bank(), config)
    rng = np.random.default_rng(1)
    parts = {p for _ in range(20) for p in gen.chunk(rng, "noise").parts}
    assert parts == {"gen/siren"}


class Built(Exception):
    """Raised in place of building the model: the generators exist by then."""


def test_the_recipe_adds_event_noises_only_when_asked(monkeypatch, tmp_path):
    seen = []
    real = recipe.ChunkGenerator

    def spy(bank, mix=None, *args, **kwargs):
        seen.append(mix)
        return real(bank, mix, *args, **kwargs)

    monkeypatch.setattr(recipe, "ChunkGenerator", spy)
    monkeypatch.setattr(recipe, "build_model", lambda c: (_ for _ in ()).throw(Built()))
    configs = (
        recipe.RecipeConfig(),
        recipe.RecipeConfig(event_kinds=("wind",), event_scenarios=("noise",), music_lowpass_p=0.2),
    )
    for config in configs:
        with pytest.raises(Built):
            recipe.train_recipe(make_bank(), make_bank(), config, work=tmp_path)
    default, asked = seen[0], seen[2]
    assert default.generated_kinds == noises.KINDS and default.event_kinds == ()
    assert default.music_lowpass_p == 0.25  # the shipped recipe's augmentations
    assert default.narrowband_p == 0.1 and default.noise_speed_p == 0.5
    assert asked.event_kinds == ("wind",) and asked.event_scenarios == ("noise",)
    assert asked.music_lowpass_p == 0.2
    for validation in (seen[1], seen[3]):  # validation, tuning, scores: the plain stream
        assert validation.event_kinds == () and validation.music_lowpass_p == 0.0
        assert validation.narrowband_p == 0.0 and validation.noise_speed_p == 0.0


def test_floor_kinds_option_reaches_the_training_stream_only():
    from segmenter.recipes import cli
    from segmenter.recipes.train_options import recipe_config

    parse = cli._parser().parse_args
    args = parse(["train", "--cache", "c", "--out", "o", "--floor-kinds", "brown,rumble,rumble"])
    mix = recipe.mix_config(recipe_config(args))
    assert mix.floor_kinds == ("brown", "rumble", "rumble")  # a repeat weighs the draw
    assert recipe.plain(mix).noise_floor_p == 0.0  # validation hears no floor at all
    default = parse(["train", "--cache", "c", "--out", "o"])
    assert recipe.mix_config(recipe_config(default)).floor_kinds == noises.KINDS
    for bad in ("thunder", ","):
        with pytest.raises(SystemExit):
            parse(["train", "--cache", "c", "--out", "o", "--floor-kinds", bad])
