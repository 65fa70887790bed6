"""scripts/review_calibration.py and the source pinning it shares with the coverage benchmark:
mixtures are drawn from the sources the model was built with, even after the cache grew."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "cache"


def script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # reads the cache's banks a few times (about 20 s)
@pytest.mark.skipif(not (CACHE / "manifest.json").is_file(), reason="recipe cache not fetched")
def test_the_shipped_models_banks_are_found_in_a_grown_cache():
    from annotator.resources import resource_path
    from segmenter.checkpoint import read_model_info
    from segmenter.recipes.bank import SourceBank

    profile = script("reference_profile")
    training = read_model_info(resource_path("models", "default.safetensors")).training
    left_out = profile.sources_as_trained(CACHE, training)
    assert not set(left_out) & set(profile.SHIPPED_SOURCES)
    # the recipe's own exclusions (W2 leaves the newer music packs out) plus the pinning's
    recipe_exclude = tuple((training.get("recipe_config") or {}).get("exclude_sources") or ())
    seconds = SourceBank.from_cache(CACHE, "validation", recipe_exclude + left_out).seconds()
    for group, recorded in training["validation_sources_seconds"].items():
        assert seconds[group] == pytest.approx(recorded, abs=1e-3)
    with pytest.raises(ValueError, match="no set of sources matches"):
        profile.sources_as_trained(CACHE, {**training, "validation_sources_seconds": {"music": 1}})


def test_the_calibration_script_says_what_it_needs(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        calibrate = script("review_calibration")
        from tests.tiny_models import tiny_model_file

        model = tiny_model_file(tmp_path)
        assert calibrate.main(["--cache", str(tmp_path), "--model", str(model)]) == 1
        assert "records no recipe settings" in capsys.readouterr().err
    finally:
        sys.path.remove(str(ROOT / "scripts"))
