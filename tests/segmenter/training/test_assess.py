"""Scoring ready-made segments: F1 and edit cost per class, beside the empty-lanes baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmenter.training.assess import score_segments
from segmenter.training.data import Recording


def _recording(uri: str, spans: dict, annotated: tuple[str, ...]) -> Recording:
    return Recording(
        uri=uri, path=Path(f"{uri}.wav"), duration=60.0, spans=spans, annotated=annotated
    )


def test_edit_cost_and_empty_lanes_per_class() -> None:
    recs = [
        _recording("a", {"sp": [(1, 5), (10, 20)], "mu": []}, ("sp", "mu")),
        _recording("b", {"sp": [(0, 30)]}, ("sp",)),
    ]
    hyps = {
        "a": {"sp": [(1, 5), (10, 20), (40, 41)], "mu": [(50, 55)]},  # one spurious each
        "b": {"sp": [(0.5, 30)]},  # start off by 0.5 s: one boundary move
    }
    result = score_segments(hyps, recs, ("sp", "mu"))
    sp, mu = result["classes"]["sp"], result["classes"]["mu"]
    assert sp["edits"] == {"delete": 1, "add": 0, "boundary": 1, "split": 0, "merge": 0}
    assert sp["minutes"] == pytest.approx(2.0)
    assert sp["edits_per_min"] == pytest.approx(1.0)
    assert sp["empty_edits_per_min"] == pytest.approx(1.5)  # three reference segments to add
    # music is scored on file a only (b does not annotate it): one deletion in one minute
    assert mu["edits_per_min"] == pytest.approx(1.0) and mu["empty_edits_per_min"] == 0.0
    assert result["edits_per_min"] == pytest.approx(2.0)
    assert result["empty_edits_per_min"] == pytest.approx(1.5)
    assert sp["f1"] < 1.0


def test_missing_hypothesis_is_the_empty_baseline() -> None:
    recs = [_recording("a", {"sp": [(1, 5), (10, 20)]}, ("sp",))]
    row = score_segments({}, recs, ("sp",))["classes"]["sp"]
    assert row["edits_per_min"] == row["empty_edits_per_min"] == pytest.approx(2.0)
