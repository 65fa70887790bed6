"""Explanation export: relevance as the paper defines it, figures and summary on disk."""

from __future__ import annotations

import json

import numpy as np
import pytest

from annotator.review.evidence import ReviewError
from annotator.review.export import export_explanations
from tests.annotator.review.conftest import evidence_from


def test_relevance_matches_a_hand_computation(tmp_path) -> None:
    rng = np.random.default_rng(3)
    K, T = 8, 100
    H = rng.gamma(1.0, 1.0, size=(K, T))
    theta = rng.normal(0, 1, size=(4, K))
    ev = evidence_from(H, rng.random((257, K)), theta, rng.normal(0, 1, 4))
    regions = {"sp": [(0.2, 0.6)], "mu": []}  # speech labelled in frames 10 … 29
    result = export_explanations(
        ev, tmp_path / "out", classes=["speech", "mu"], regions=regions, threshold=0.5,
        max_figures=2,
    )  # fmt: skip
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert doc == result.document and set(doc["classes"]) == {"sp", "mu"}
    for code, c, frames in (("sp", 0, slice(10, 30)), ("mu", 1, slice(0, T))):
        r = np.array([H[k, frames].mean() * theta[c, k] for k in range(K)])
        r = r / r.max()
        entry = doc["classes"][code]
        np.testing.assert_allclose(entry["relevance"], r, rtol=1e-9)
        expected = sorted((k for k in range(K) if r[k] >= 0.5), key=lambda k: -r[k])
        assert [e["k"] for e in entry["relevant"]] == expected
        assert entry["region_frames"] == frames.stop - frames.start
        figures = [e for e in entry["relevant"] if "figure" in e]
        assert len(figures) == min(2, len(expected))
        for e in figures:
            assert (tmp_path / "out" / e["figure"]).read_bytes()[:4] == b"\x89PNG"
    assert doc["classes"]["mu"]["region"] == "whole recording"
    assert doc["logit_check"]["ok"] and doc["logit_check"]["against"] == "posteriors"


def test_logit_check_catches_a_wrong_model(tmp_path) -> None:
    rng = np.random.default_rng(4)
    H = rng.gamma(1.0, 1.0, size=(6, 40))
    ev = evidence_from(H, rng.random((257, 6)), rng.normal(0, 1, (4, 6)), np.zeros(4))
    logits = ev.theta @ H
    good = export_explanations(ev, tmp_path / "a", logits=logits, max_figures=0)
    assert good.document["logit_check"]["max_abs_error"] < 1e-9
    bad = export_explanations(ev, tmp_path / "b", logits=logits + 0.01, max_figures=0)
    assert not bad.document["logit_check"]["ok"]
    with pytest.raises(ReviewError, match="unknown class"):
        export_explanations(ev, tmp_path / "c", classes=["laughter"])
    (tmp_path / "file").write_text("x")
    with pytest.raises(ReviewError, match="not a folder"):
        export_explanations(ev, tmp_path / "file")
