"""The review queue (a pass over every posterior frame) is made only while its panel is shown,
or when the review keys step through it: not on opening, not after every edit."""

from __future__ import annotations

import numpy as np

from annotator.core import AddSegment, Segment, Source
from annotator.evidence.cache import Evidence
from annotator.review import queue as queue_module


def with_evidence(w) -> None:
    t = int(w.document.audio.duration / 0.02)
    p = np.full((4, t), 0.1, dtype=np.float32)
    p[0, 100:160] = 0.5  # unsure speech: one place to review
    w.document.evidence = Evidence(
        "m", ("sp", "mu", "no", "ov"), ("speech", "music", "noise", "overlap"), p,
        thresholds={c: {"onset": 0.5, "offset": 0.4} for c in ("sp", "mu", "no", "ov")},
    )  # fmt: skip
    w.prelabel.refresh_evidence()


def test_a_hidden_review_panel_defers_the_queue_until_shown_or_stepped(window, monkeypatch):
    w = window
    calls = []
    real = queue_module.review_items
    spy = lambda *a, **k: calls.append(1) or real(*a, **k)  # noqa: E731
    monkeypatch.setattr(queue_module, "review_items", spy)
    with_evidence(w)
    reviewing = w.explain.reviewing
    assert not reviewing.review.isVisible()
    w.explain._on_changed()
    w.controller.push(AddSegment("noise", Segment(7.0, 8.0, "noise", None, Source.HUMAN)))
    assert calls == [] and reviewing.queue_stale
    assert reviewing.review_step(1)  # the key needs the queue: made now, once
    assert len(calls) == 1 and not reviewing.queue_stale
    first = reviewing.queue.items[0]
    assert w.controller.span == (first.start, first.end)
    assert ("speech", "uncertain", 2.0, 3.2) in [
        (i.lane, i.kind, round(i.start, 6), round(i.end, 6)) for i in reviewing.queue.items
    ]
    w.controller.push(AddSegment("noise", Segment(8.0, 9.0, "noise", None, Source.HUMAN)))
    assert len(calls) == 1 and reviewing.queue_stale
    w.explain.show_panel("review")  # shown: made at once, then kept fresh on every change
    assert len(calls) == 2 and not reviewing.queue_stale
    assert reviewing.review.queue is reviewing.queue
    # the second noise segment is in it: the joined disagreement covers both
    assert ("noise", "disagreement", 7.0, 9.0) in [
        (i.lane, i.kind, round(i.start, 6), round(i.end, 6)) for i in reviewing.queue.items
    ]
    w.controller.push(AddSegment("noise", Segment(9.0, 9.5, "noise", None, Source.HUMAN)))
    assert len(calls) == 3
