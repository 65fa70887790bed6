"""Edit effort against a reference: the pre-label as handed out, and the sentences shown."""

from __future__ import annotations

from annotator.core import Annotation, Lane, RecordingInfo, Segment, Source
from annotator.review.edit_effort import (
    EditCounts,
    breakdown,
    effort_text,
    lane_edits,
    prelabel_as_given,
    sum_edits,
)

INFO = RecordingInfo("a.wav", 10.0)


def test_prelabel_as_given_applies_the_working_lanes_floors() -> None:
    model = [
        Segment(0, 1, "speech", 0.3, Source.MODEL),  # under the floor: hidden
        Segment(2, 3, "speech", 0.9, Source.MODEL),
        Segment(4, 5, "speech", None, Source.MODEL),  # no confidence: never hidden
    ]
    proposal = Annotation(
        [Lane("speech", model), Lane("music", [Segment(0, 1, "music", 0.1, Source.MODEL)])], INFO
    )
    working = Annotation([Lane("speech", confidence_floor=0.5)], INFO)
    given = prelabel_as_given(proposal, working)
    assert [(s.start, s.end) for s in given.lane("speech")] == [(2, 3), (4, 5)]
    # a lane the working annotation lacks has no floor
    assert len(given.lane("music")) == 1 and given.recording == INFO
    assert len(proposal.lane("speech")) == 3  # the proposal itself is left alone


def test_lane_edits_counts_over_the_recording() -> None:
    reference = Lane("speech", [Segment(1, 3, "speech"), Segment(3.2, 5, "speech")])
    # the 0.2 s gap of the reference is free: one turn, matched by one segment
    assert lane_edits(reference, Lane("speech", [Segment(1, 5, "speech")]), 10.0).total == 0
    assert lane_edits(reference, None, 10.0) == EditCounts(add=1)
    spurious = Lane("speech", [Segment(1, 5, "speech"), Segment(7, 8, "speech")])
    assert lane_edits(reference, spurious, 10.0) == EditCounts(delete=1)
    assert lane_edits(Lane("speech"), None, 0.0).total == 0  # nothing anywhere: no edit


def test_effort_sentences() -> None:
    counts = EditCounts(delete=3, add=2, boundary=1, merge=1)
    assert breakdown(counts) == "delete 3 · add 2 · boundary 1 · split 0 · merge 1"
    assert sum_edits([counts, EditCounts(split=2)]) == EditCounts(3, 2, 1, 2, 1)
    text = effort_text(EditCounts(add=1), EditCounts(add=9), EditCounts(delete=2, boundary=3))
    assert text.headline == "About 1 edit to correct this recording (from empty lanes: 9)"
    assert text.prelabel == "Model pre-label: 5 edits, saves 4 edits over empty lanes"
    assert text.detail == "Edits left: delete 0 · add 1 · boundary 0 · split 0 · merge 0"
    worse = effort_text(counts, EditCounts(add=6), EditCounts(delete=7))
    assert worse.prelabel == "Model pre-label: 7 edits, costs 1 edit more than empty lanes"
    even = effort_text(counts, EditCounts(add=7), EditCounts(delete=7))
    assert even.prelabel.endswith("saves nothing over empty lanes")
    assert effort_text(counts, counts, None).prelabel == ""
