"""A model with a taught lane (a probe head, issue 20) through the ELAN and Praat doors: it is
a model file like any other, and the lane comes out as one more tier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.plugins.conftest import tone_with_pauses
from tests.plugins.test_elan_recognizer import (  # noqa: F401 - `recognizer` is a fixture
    elan_defaults,
    read_tiers,
    recognizer,
    run_like_elan,
)
from tests.plugins.test_praat_plugin import (  # noqa: F401 - `praat_home`, `work` are fixtures
    PRAAT,
    PRELABEL,
    lanes,
    praat_home,
    run_praat,
    work,
)


@pytest.fixture(scope="module")
def head_model(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model plus a lane ``laughter`` that is on everywhere (bias +6, no weights)."""
    from segmenter.checkpoint import load_model
    from segmenter.probe import LinearProbe
    from segmenter.probe.head import save_with_probe
    from segmenter.probe.probe_file import base_description

    model, _ = load_model(tiny_model)
    K = model.config.n_components
    probe = LinearProbe(np.zeros((1, K)), np.array([6.0]), ("laughter",),
                        base=base_description(model, tiny_model))  # fmt: skip
    out = tmp_path_factory.mktemp("head") / "with-laughter.safetensors"
    save_with_probe(tiny_model, probe, out)
    return out


def test_elan_gives_the_taught_lane_when_asked(
    recognizer: Path,  # noqa: F811 - the imported fixture
    head_model: Path,
    tmp_path: Path,
) -> None:
    wav = tmp_path / "rec.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = tmp_path / "tiers.xml"
    params = {**elan_defaults(recognizer), "source": str(wav), "model": str(head_model),
              "tiers": str(out), "classes": "speech laughter"}  # fmt: skip
    lines = run_like_elan(recognizer, params)
    assert lines[-1] == "RESULT: DONE.", lines
    tiers = read_tiers(out)
    assert list(tiers) == ["speech", "laughter"]
    ((start, end, value),) = tiers["laughter"]  # on everywhere: one span over the file
    assert start == 0.0 and end == pytest.approx(3.0, abs=0.03) and value == "laughter"


@pytest.mark.skipif(PRAAT is None, reason="Praat is not installed (no `praat` on PATH)")
def test_praat_prelabel_keeps_the_taught_lane(
    praat_home: Path,  # noqa: F811 - the imported fixture
    work: Path,  # noqa: F811 - the imported fixture
    head_model: Path,
    tmp_path: Path,
) -> None:
    wav = work / "rec.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = work / "out.TextGrid"
    done = run_praat(praat_home, PRELABEL, str(wav), str(head_model), str(out), "0", "1",
                     tmpdir=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = lanes(out)
    assert list(got)[:4] == ["speech", "music", "noise", "overlap"]
    assert got.get("laughter") and got["laughter"][0][2] == "laughter"
