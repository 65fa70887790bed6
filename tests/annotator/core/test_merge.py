"""The merge policy: human segments survive a pre-labelling run, model segments are replaced."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import Annotation, InvalidEdit, Lane, RecordingInfo, Segment, Source
from annotator.core.merge import ReplaceModelSegments, plan_merge, subtract

H, M = Source.HUMAN, Source.MODEL


def seg(a: float, b: float, label: str = "speech", source: Source = M, conf=None) -> Segment:
    return Segment(a, b, label, conf if source is M else None, source)


def annotation(lanes: dict[str, list[Segment]], duration: float = 100.0) -> Annotation:
    return Annotation(
        [Lane(n, s) for n, s in lanes.items()], recording=RecordingInfo("x.wav", duration, 16000)
    )


def apply(current: Annotation, proposal: Annotation, **kw) -> ReplaceModelSegments:
    edit = ReplaceModelSegments(plan_merge(current, proposal, **kw), "Pre-label")
    edit.apply(current)
    return edit


def test_model_segments_are_replaced_and_human_ones_kept() -> None:
    current = annotation({"speech": [seg(0, 1), seg(2, 3, source=H), seg(5, 6)]})
    proposal = annotation({"speech": [seg(0.5, 1.5, conf=0.9), seg(7, 8, conf=0.6)]})
    edit = apply(current, proposal)
    assert current.lane("speech").segments == (
        seg(0.5, 1.5, conf=0.9),
        seg(2, 3, source=H),
        seg(7, 8, conf=0.6),
    )
    assert edit.plan.clipped == edit.plan.dropped == 0
    assert len(edit.plan.removed) == 2 and len(edit.plan.added) == 2


def test_model_segments_are_clipped_around_human_ones_or_dropped() -> None:
    human = [seg(2, 3, source=H), seg(4, 5, "speech?", H)]
    current = annotation({"speech": list(human), "music": [seg(0, 10, "music", H)]})
    proposal = annotation({"speech": [seg(1, 6, conf=0.7), seg(8, 9)], "music": []})
    edit = apply(current, proposal)
    lane = current.lane("speech")
    assert [(s.start, s.end, s.source) for s in lane] == [
        (1, 2, M),
        (2, 3, H),
        (3, 4, M),
        (4, 5, H),
        (5, 6, M),
        (8, 9, M),
    ]
    assert all(s.confidence == 0.7 for s in lane if s.source is M and s.end <= 6)
    assert edit.plan.clipped == 1
    # the music lane's human segment is untouched and blocks nothing in other lanes
    assert current.lane("music").segments == (seg(0, 10, "music", H),)


def test_covered_or_tiny_pieces_are_dropped() -> None:
    current = annotation({"speech": [seg(1, 3, source=H)]})
    with pytest.raises(InvalidEdit):  # nothing to replace and nothing proposed: refused
        ReplaceModelSegments(plan_merge(current, annotation({"speech": []}))).apply(current)
    proposal = annotation({"speech": [seg(1.5, 2.5), seg(3.5, 4)]})
    edit = apply(current, proposal)
    assert edit.plan.dropped == 1
    proposal = annotation({"speech": [seg(0.99, 3.005)]})  # pieces of 10 ms and 5 ms
    plan = plan_merge(current, proposal)
    assert plan.dropped == 1 and plan.added == () and len(plan.removed) == 1


def test_unchanged_model_segments_are_not_churned() -> None:
    current = annotation({"speech": [seg(0, 1, conf=0.5), seg(4, 5, conf=0.5)]})
    proposal = annotation({"speech": [seg(0, 1, conf=0.5), seg(6, 7, conf=0.5)]})
    plan = plan_merge(current, proposal)
    assert plan.removed == (("speech", seg(4, 5, conf=0.5)),)
    assert plan.added == (("speech", seg(6, 7, conf=0.5)),)
    assert plan_merge(current, current.copy()).is_empty


def test_missing_lanes_are_added_and_undo_removes_them() -> None:
    current = annotation({"speech": [seg(0, 1, source=H)]})
    before = current.to_dict()
    speech_lane = current.lane("speech")
    proposal = annotation({"speech": [seg(0.5, 2)], "laughter": [seg(3, 4, "laughter")]})
    edit = apply(current, proposal)
    assert current.lane_names == ("speech", "laughter")
    assert [(s.start, s.end) for s in current.lane("speech")] == [(0, 1), (1, 2)]
    edit.undo(current)
    assert current.to_dict() == before and current.lane("speech") is speech_lane
    edit.apply(current)  # redo replays the same change
    assert len(current.lane("laughter")) == 1


def test_lanes_outside_the_proposal_are_untouched() -> None:
    current = annotation({"speech": [seg(0, 1)], "noise": [seg(0, 1, "noise")]})
    apply(current, annotation({"speech": [seg(2, 3)]}))
    assert current.lane("noise").segments == (seg(0, 1, "noise"),)
    current2 = annotation({"speech": [seg(0, 1)], "noise": [seg(0, 1, "noise")]})
    plan = plan_merge(current2, annotation({"speech": [], "noise": []}), lanes=["noise"])
    assert plan.removed == (("noise", seg(0, 1, "noise")),)


def test_a_stale_plan_is_refused_and_changes_nothing() -> None:
    current = annotation({"speech": [seg(0, 1)]})
    plan = plan_merge(current, annotation({"speech": [seg(2, 3)]}))
    current.lane("speech").remove(seg(0, 1))
    current.lane("speech").add(seg(2.5, 4, source=H))
    before = current.to_dict()
    with pytest.raises(InvalidEdit):
        ReplaceModelSegments(plan).apply(current)
    assert current.to_dict() == before


def test_segments_past_the_recording_are_refused() -> None:
    current = annotation({"speech": []}, duration=5.0)
    plan = plan_merge(current, annotation({"speech": [seg(4, 6)]}, duration=10.0))
    with pytest.raises(InvalidEdit):
        ReplaceModelSegments(plan).apply(current)
    assert len(current.lane("speech")) == 0


def test_proposed_segments_become_model_segments() -> None:
    current = annotation({"speech": []})
    apply(current, annotation({"speech": [seg(0, 1, source=H)]}))
    assert current.lane("speech")[0].source is M


def test_subtract() -> None:
    s = seg(0, 10, conf=0.4)
    assert subtract(s, []) == [s]
    assert subtract(s, [seg(0, 10, source=H)]) == []
    assert [(p.start, p.end) for p in subtract(s, [seg(2, 3), seg(3, 4), seg(9, 12)])] == [
        (0, 2),
        (4, 9),
    ]


@st.composite
def lanes(draw, source: Source | None = None) -> list[Segment]:
    cuts = sorted(set(draw(st.lists(st.integers(0, 200), max_size=16))))
    out = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        src = source or draw(st.sampled_from([H, M]))
        out.append(seg(a / 4, b / 4, source=src, conf=0.5 if src is M else None))
    return out


@settings(max_examples=150, deadline=None)
@given(current=lanes(), proposed=lanes(M))
def test_merge_properties(current: list[Segment], proposed: list[Segment]) -> None:
    cur = annotation({"speech": current})
    before = cur.to_dict()
    plan = plan_merge(cur, annotation({"speech": proposed}), min_piece=0.0)
    human = [s for s in current if s.source is H]
    edit = ReplaceModelSegments(plan)
    if not plan.is_empty:  # an empty plan must mean the lane already is what the policy wants
        edit.apply(cur)
    after = cur.lane("speech")
    # human segments all survive, unchanged
    assert [s for s in after if s.source is H] == human
    # model coverage == proposal coverage minus human coverage
    for t in [x / 8 + 1 / 16 for x in range(0, 400)]:
        in_proposal = any(p.contains(t) for p in proposed)
        in_human = any(h.contains(t) for h in human)
        model_here = any(s.contains(t) for s in after if s.source is M)
        assert model_here == (in_proposal and not in_human)
    if not plan.is_empty:
        edit.undo(cur)
    assert cur.to_dict() == before


def test_plans_compose_like_the_steps_they_fold() -> None:
    current = annotation({"speech": [seg(0, 1), seg(2, 3, source=H)]})
    start = current.to_dict()
    first = apply(current, annotation({"speech": [seg(0, 1.5), seg(4, 5)]}))
    second = apply(current, annotation({"speech": [seg(0, 1), seg(4, 5), seg(6, 7)]}))
    after = current.to_dict()
    combined = first.plan.then(second.plan)
    assert combined.removed == () and combined.added == (
        ("speech", seg(4, 5)),
        ("speech", seg(6, 7)),
    )
    second.undo(current)
    first.undo(current)
    assert current.to_dict() == start
    ReplaceModelSegments(combined).apply(current)
    assert current.to_dict() == after
