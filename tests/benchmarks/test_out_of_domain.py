"""The out-of-domain benchmark's scoring: exact interval arithmetic, references, wiring.

The benchmark itself needs Debian packages and minutes of CPU; these tests cover what decides its
numbers (scores, references, the leak guard) on synthetic cases, offline.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.evaluation.detection import time_counts
from segmenter.recipes import RecipeError
from segmenter.recipes.catalogue import CATALOGUE
from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

ood = load_benchmark("out_of_domain")

_span = st.tuples(st.floats(0, 20), st.floats(0, 5)).map(lambda p: (p[0], p[0] + p[1]))
_spans = st.lists(_span, max_size=6)


@settings(max_examples=60, deadline=None)
@given(reference=_spans, hypothesis=_spans, other=_spans, duration=st.floats(1, 25))
def test_score_file_matches_pyannote(reference, hypothesis, other, duration):
    counts, labelled = ood.score_file(reference, {"sp": hypothesis, "mu": other}, "sp", duration)
    expected = time_counts(reference, hypothesis, uem=[(0.0, duration)])
    # pyannote treats spans under a microsecond as empty; up to 6 of them may be dropped
    assert counts.relevant == pytest.approx(expected.relevant, abs=1e-5)
    assert counts.retrieved == pytest.approx(expected.retrieved, abs=1e-5)
    assert counts.relevant_retrieved == pytest.approx(expected.relevant_retrieved, abs=1e-5)
    assert 0.0 <= labelled["mu"] <= duration + 1e-9


def test_score_file_counts_other_classes_as_labelled_time():
    counts, labelled = ood.score_file(
        [(1.0, 3.0)], {"mu": [(0.0, 2.0)], "no": [(2.5, 9.0)]}, "mu", duration=4.0
    )
    assert counts.recall == pytest.approx(0.5)
    assert counts.precision == pytest.approx(0.5)
    assert labelled == {"mu": pytest.approx(2.0), "no": pytest.approx(1.5)}


def test_reference_leaves_out_silence_around_a_burst():
    rate = ood.SAMPLE_RATE
    audio = np.zeros(3 * rate, dtype=np.float32)
    t = np.arange(rate) / rate
    audio[rate : 2 * rate] = 0.3 * np.sin(2 * np.pi * 220 * t)
    spans = ood.reference_spans(audio, "speech")
    assert len(spans) == 1
    assert spans[0][0] == pytest.approx(1.0, abs=0.021)
    assert spans[0][1] == pytest.approx(2.0, abs=0.021)


def test_sources_are_out_of_domain_and_single_class():
    recipe = {s.package for s in CATALOGUE}
    assert all(s.package not in recipe for s in ood.SOURCES)
    assert {s.kind for s in ood.SOURCES} <= set(ood.CLASS_OF_KIND)
    assert len({s.name for s in ood.SOURCES}) == len(ood.SOURCES)


def test_evaluate_sums_files_of_a_source(tmp_path):
    model = tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov"))
    rate = ood.SAMPLE_RATE
    rng = np.random.default_rng(0)
    clips = []
    for i, seconds in enumerate((1.5, 2.5)):
        audio = (0.1 * rng.standard_normal(int(seconds * rate))).astype(np.float32)
        path = tmp_path / f"{i}.flac"
        sf.write(path, audio, rate)
        ref = ood.reference_spans(audio, "noise")
        clips.append(ood.Clip(ood.SOURCES[-1], f"f{i}", path, seconds, ref))
    (score,) = ood.evaluate(model, clips)
    assert score.seconds == pytest.approx(4.0)
    assert len(score.files) == 2
    assert score.own.relevant == pytest.approx(sum(f["reference_s"] for f in score.files), abs=1e-2)
    row = ood._summary(score, ("sp", "mu", "no", "ov"))
    assert set(row["labelled_fraction"]) == {"sp", "mu", "no", "ov"}
    assert all(0.0 <= v <= 1.0 for v in row["labelled_fraction"].values())
    table = ood.format_table([row], ("sp", "mu", "no", "ov"))
    assert table.splitlines()[1].startswith(ood.SOURCES[-1].name)


def test_refuses_to_unpack_into_the_recipe_cache(tmp_path):
    """Held-out packages unpacked beside the recipe's own would stop being held out."""
    (tmp_path / "manifest.json").write_text("[]")
    with pytest.raises(RecipeError, match="recipe's cache"):
        ood.prepare(tmp_path, ood.SOURCES[:1], minutes=1, music_seconds=0, seed=0, train_cache=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # nothing fetched
