"""The review panel shows the unfamiliar and rare kinds with their reasons (the cache keeping
what they are computed from: tests/annotator/evidence/test_cache.py)."""

from __future__ import annotations

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
