"""The review panel shows calibrated places with their reasons and what they are expected to
hold (the cache keeping the calibration: tests/annotator/evidence/test_cache.py)."""

from __future__ import annotations

from annotator.gui.review_panel import ReviewPanel
from annotator.review.queue import ReviewItem, ReviewQueue

SUSPECT = (
    "noise segment of mean confidence 0.64, 0.40 s: segments like this were wrong 70 % of the "
    "time on held-out data"
)


def test_the_panel_shows_calibrated_places_by_their_reasons_and_expected_wrong_time(qtbot):
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    suspect = ReviewItem("noise", 2.0, 2.4, "suspect", 0.5, SUSPECT, expected_wrong=0.28)
    missed = ReviewItem("speech", 5.0, 6.0, "missed", 0.3,
                        "speech posterior up to 0.45 for 1.0 s without a speech label",
                        expected_wrong=0.35)  # fmt: skip
    panel.set_queue(ReviewQueue([missed, suspect]))
    rows = [
        [panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
        for r in range(panel.table.rowCount())
    ]
    assert rows[0][1:5] == ["noise", "2.00 s", "0.40 s", SUSPECT]
    assert rows[1][4].startswith("speech posterior up to 0.45")
    summary = panel.summary.text()
    assert summary.startswith("2 places to review (about 0.6 s of labels likely wrong")
    # an uncalibrated queue keeps its strength-seconds
    panel.set_queue(ReviewQueue([ReviewItem("speech", 0.0, 1.0, "uncertain", 1.0, "unsure")]))
    assert "expected effort 1.0 strength-s" in panel.summary.text()
