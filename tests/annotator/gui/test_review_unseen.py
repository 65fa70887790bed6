"""The review panel shows the unfamiliar and rare kinds with their reasons, and the evidence cache
keeps what they are computed from (reconstruction norms, the model's reference profile)."""

from __future__ import annotations

import numpy as np

from annotator.core import Annotation, Lane, RecordingInfo
from annotator.gui.evidence import Evidence, load_evidence, save_evidence
from annotator.gui.review_panel import ReviewPanel
from annotator.review.queue import ReviewItem, ReviewQueue


def test_the_panel_shows_the_new_kinds_by_their_own_reasons(qtbot):
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    unfamiliar = ReviewItem("all lanes", 2.0, 3.0, "unfamiliar", 0.8,
                            "unfamiliar sound: the dictionary rebuilds only 40 % of its energy")  # fmt: skip
    rare = ReviewItem("noise", 5.0, 6.0, "rare", 0.5, "noise rests on components seldom behind it")
    unsure = ReviewItem("speech", 0.0, 1.0, "uncertain", 1.0, "speech: model unsure")
    panel.set_queue(ReviewQueue([unfamiliar, rare, unsure]))
    rows = [
        [panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
        for r in range(panel.table.rowCount())
    ]
    assert rows[1][1:5] == ["all lanes", "2.00 s", "1.00 s",
                            "unfamiliar sound: the dictionary rebuilds only 40 % of its energy"]  # fmt: skip
    assert rows[2][4] == "noise rests on components seldom behind it"
    assert rows[0][4] == "unsure: speech: model unsure"


def test_the_cache_keeps_reconstruction_norms_and_the_reference(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"not really audio, only stamped")
    sidecar = tmp_path / "a.annotation.json"
    norms = np.arange(20, dtype=np.float32).reshape(2, 10)
    reference = {"level_edges": [0.0, 1.0], "source": "validation"}
    evidence = Evidence(
        "m", ("sp",), ("speech",), np.zeros((1, 10), np.float32),
        reconstruction=norms, reference=reference,
    )  # fmt: skip
    save_evidence(sidecar, audio, evidence)
    again = load_evidence(sidecar, audio)
    np.testing.assert_array_equal(again.reconstruction, norms)
    assert again.reference == reference

    result = type("Result", (), {"evidence": evidence})  # what a pre-labeler hands over
    taken = Evidence.from_result(result, Annotation([Lane("speech")], RecordingInfo("a.wav", 0.2)),
                                 "nmf")  # fmt: skip
    np.testing.assert_array_equal(taken.reconstruction, norms)
    assert taken.reference == reference
