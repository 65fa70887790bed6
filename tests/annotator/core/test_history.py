"""History: undo/redo, clean marker, limit, listeners, drag merging; plus random edit sessions."""

from __future__ import annotations

import contextlib
import logging
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from annotator.core import (
    AddLane,
    AddSegment,
    Annotation,
    ChangeLane,
    Edit,
    History,
    HistoryEvent,
    InvalidEdit,
    MergeSegments,
    MoveBoundary,
    RecordingInfo,
    RelabelSegment,
    RelabelSegments,
    RemoveLane,
    RemoveSegment,
    RenameLane,
    Segment,
    Source,
    SplitSegment,
)
from annotator.core.edits import MIN_SEGMENT_S

S1 = Segment(0.0, 1.0, "speech", 0.7, Source.MODEL)
S2 = Segment(1.0, 2.0, "speech")
S3 = Segment(5.0, 6.0, "speech")


def make() -> Annotation:
    annotation = Annotation.with_class_lanes(RecordingInfo("a.wav", 10.0))
    for segment in (S1, S2, S3):
        annotation.lane("speech").add(segment)
    return annotation


def drag(
    history: History, annotation: Annotation, segment: Segment, side: str, *times: float
) -> Segment:
    """Push one MoveBoundary per mouse move, each on the segment as the last move left it."""
    for t in times:
        step = history.do(MoveBoundary("speech", segment, side, t), annotation)
        assert isinstance(step, MoveBoundary) and step.result is not None
        segment = step.result
    return segment


def test_empty_history() -> None:
    history = History()
    assert not history.can_undo and not history.can_redo
    assert history.undo() is None and history.redo() is None
    assert history.undo_text == history.redo_text == ""
    assert history.is_clean and len(history) == 0 and history.index == 0


def test_do_undo_redo() -> None:
    annotation, history = make(), History()
    initial = annotation.to_dict()
    edit = RemoveSegment("speech", S3)
    assert history.do(edit, annotation) is edit
    removed = annotation.to_dict()
    assert history.can_undo and not history.can_redo
    assert history.undo_text == "Remove speech segment 5.00–6.00 s from speech"
    assert history.undo() is edit
    assert annotation.to_dict() == initial
    assert history.redo_text == edit.description and history.undo_text == ""
    assert history.redo() is edit
    assert annotation.to_dict() == removed
    assert history.commands == (edit,)


def test_failed_command_leaves_history_unchanged() -> None:
    annotation, history = make(), History()
    history.do(RemoveSegment("speech", S3), annotation)
    history.undo()
    events: list[HistoryEvent] = []
    history.add_listener(events.append)
    state = (len(history), history.index, history.is_clean, history.undo_text, history.redo_text)
    before = annotation.to_dict()
    with pytest.raises(InvalidEdit):
        history.do(AddSegment("speech", Segment(0.5, 1.5)), annotation)
    assert annotation.to_dict() == before
    assert (
        len(history),
        history.index,
        history.is_clean,
        history.undo_text,
        history.redo_text,
    ) == state
    assert history.can_redo  # the redo was not discarded by a refused edit
    assert events == []


def test_new_command_discards_redo() -> None:
    annotation, history = make(), History()
    history.do(RemoveSegment("speech", S3), annotation)
    history.undo()
    history.do(RemoveSegment("speech", S1), annotation)
    assert not history.can_redo and len(history) == 1
    assert S3 in annotation.lane("speech")


def test_clean_marker_follows_the_saved_state() -> None:
    annotation, history = make(), History()
    assert history.is_clean
    history.do(RemoveSegment("speech", S3), annotation)
    assert not history.is_clean
    history.undo()
    assert history.is_clean
    history.redo()
    history.mark_clean()
    assert history.is_clean
    history.undo()
    assert not history.is_clean
    history.redo()
    assert history.is_clean


def test_saved_state_discarded_with_redo_is_unreachable() -> None:
    annotation, history = make(), History()
    history.do(RemoveSegment("speech", S3), annotation)
    history.mark_clean()
    history.undo()
    history.do(RemoveSegment("speech", S1), annotation)
    history.undo()
    assert not history.is_clean  # this state was never saved
    history.redo()
    assert not history.is_clean


def test_limit_drops_the_oldest_steps() -> None:
    annotation, history = make(), History(limit=2)
    assert history.limit == 2
    for segment in (S1, S2, S3):
        history.do(RemoveSegment("speech", segment), annotation)
    assert len(history) == 2
    assert history.undo() is not None and history.undo() is not None
    assert history.undo() is None
    assert annotation.lane("speech").segments == (S2, S3)
    assert not history.is_clean  # the saved state fell off the stack
    with pytest.raises(ValueError):
        History(limit=0)


def test_clear_keeps_cleanliness() -> None:
    annotation, history = make(), History()
    history.do(RemoveSegment("speech", S3), annotation)
    history.clear()
    assert len(history) == 0 and not history.can_undo and not history.is_clean
    history.mark_clean()
    history.clear()
    assert history.is_clean


def test_listeners_hear_every_change_and_a_broken_one_is_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    annotation, history = make(), History()
    events: list[HistoryEvent] = []

    @history.add_listener
    def broken(event: HistoryEvent) -> None:
        raise RuntimeError("view crashed")

    history.add_listener(events.append)
    edit = RemoveSegment("speech", S3)
    with caplog.at_level(logging.ERROR):
        history.do(edit, annotation)
    assert "view crashed" in caplog.text
    history.undo()
    history.redo()
    history.mark_clean()
    history.clear()
    assert [e.kind for e in events] == ["do", "undo", "redo", "clean", "clear"]
    assert events[0].command is edit and events[0].annotation is annotation
    history.remove_listener(events.append)
    history.remove_listener(broken)
    history.do(RemoveSegment("speech", S1), annotation)
    assert len(events) == 5


def test_undo_that_cannot_be_made_leaves_history_unchanged() -> None:
    annotation, history = make(), History()
    history.do(SplitSegment("speech", S3, 5.5), annotation)
    annotation.lane("speech").clear()  # changed behind the history's back
    with pytest.raises(InvalidEdit):
        history.undo()
    assert history.index == 1 and history.can_undo


def test_several_annotations_share_one_history() -> None:
    a, b, history = make(), make(), History()
    history.do(RemoveSegment("speech", S1), a)
    history.do(RemoveSegment("speech", S2), b)
    history.undo()
    assert S2 in b.lane("speech") and S1 not in a.lane("speech")
    history.undo()
    assert a == make() and b == make()


# --- merging drags --------------------------------------------------------------------------
def test_a_drag_is_one_undo_step() -> None:
    annotation, history = make(), History()
    events: list[str] = []
    history.add_listener(lambda e: events.append(e.kind))
    initial = annotation.to_dict()
    drag(history, annotation, S2, "end", 2.5, 3.0, 2.75)
    final = annotation.to_dict()
    assert len(history) == 1
    assert events == ["do", "merge", "merge"]
    assert history.undo_text == "Move end boundary of speech segment 1.00–2.00 s"
    assert annotation.lane("speech")[1] == Segment(1.0, 2.75, "speech")
    history.undo()
    assert annotation.to_dict() == initial
    history.redo()
    assert annotation.to_dict() == final


def test_moving_another_segment_is_a_new_step() -> None:
    annotation, history = make(), History()
    drag(history, annotation, S2, "end", 2.5)
    drag(history, annotation, S3, "end", 7.0)  # same lane and side, another boundary
    assert len(history) == 2
    history.undo()
    assert annotation.lane("speech")[-1] == S3 and annotation.lane("speech")[1].end == 2.5


def test_undo_closes_the_merge() -> None:
    annotation, history = make(), History()
    first = drag(history, annotation, S2, "end", 2.5)
    history.close_merge()
    drag(history, annotation, first, "end", 3.0)
    history.undo()
    drag(history, annotation, first, "end", 2.8)  # a new drag from the state undo returned to
    assert len(history) == 2
    history.undo()
    assert annotation.lane("speech")[1].end == 2.5


def test_a_drag_with_the_neighbour_merges_too() -> None:
    annotation, history = make(), History()
    initial = annotation.to_dict()
    step = history.do(MoveBoundary("speech", S2, "start", 0.5, with_neighbour=True), annotation)
    assert isinstance(step, MoveBoundary) and step.result is not None
    history.do(MoveBoundary("speech", step.result, "start", 0.8, with_neighbour=True), annotation)
    assert len(history) == 1
    assert annotation.lane("speech").segments[:2] == (
        Segment(0.0, 0.8, "speech"),
        Segment(0.8, 2.0, "speech"),
    )
    history.undo()
    assert annotation.to_dict() == initial


def test_closing_the_merge_starts_a_new_step() -> None:
    annotation, history = make(), History()
    moved = drag(history, annotation, S2, "end", 2.5)
    history.close_merge()
    drag(history, annotation, moved, "end", 3.0)
    assert len(history) == 2
    history.undo()
    assert annotation.lane("speech")[1].end == 2.5


def test_other_boundaries_and_other_edits_do_not_merge() -> None:
    annotation, history = make(), History()
    moved = drag(history, annotation, S2, "end", 2.5)
    drag(history, annotation, moved, "start", 1.2)  # same segment, other side
    assert len(history) == 2
    history.do(RemoveSegment("speech", S3), annotation)
    drag(history, annotation, S1, "start", 0.5)
    assert len(history) == 4
    # with_neighbour must match too
    annotation2, history2 = make(), History()
    step = history2.do(MoveBoundary("speech", S2, "end", 2.5), annotation2)
    assert isinstance(step, MoveBoundary) and step.result is not None
    history2.do(MoveBoundary("speech", step.result, "end", 3.0, with_neighbour=True), annotation2)
    assert len(history2) == 2


def test_no_merge_into_the_saved_state() -> None:
    annotation, history = make(), History()
    moved = drag(history, annotation, S2, "end", 2.5)
    history.mark_clean()
    saved = annotation.to_dict()
    drag(history, annotation, moved, "end", 3.0)
    assert len(history) == 2
    history.undo()
    assert history.is_clean and annotation.to_dict() == saved


def test_a_drag_back_to_the_start_leaves_no_step() -> None:
    annotation, history = make(), History()
    history.do(RemoveSegment("speech", S3), annotation)
    history.mark_clean()
    history.close_merge()
    drag(history, annotation, S2, "end", 2.5, 3.0)
    assert len(history) == 2 and not history.is_clean
    drag(history, annotation, Segment(1.0, 3.0, "speech"), "end", 2.0)  # S2 was human already
    assert len(history) == 1 and history.is_clean
    assert annotation.lane("speech").segments == (S1, S2)
    assert history.undo_text.startswith("Remove")


def test_after_a_cancelled_drag_the_next_drag_is_a_new_step() -> None:
    annotation, history = make(), History()
    first = drag(history, annotation, S2, "end", 2.5)
    history.close_merge()
    drag(history, annotation, first, "end", 3.0, 2.5)  # cancelled out: the step is gone
    assert len(history) == 1
    drag(history, annotation, first, "end", 2.7)  # must not fold into the closed first drag
    assert len(history) == 2
    history.undo()
    assert annotation.lane("speech")[1].end == 2.5


def test_a_drag_back_on_a_model_segment_still_confirms_it() -> None:
    annotation, history = make(), History()
    drag(history, annotation, S1, "end", 0.5, 1.0)
    assert len(history) == 1
    assert annotation.lane("speech")[0] == Segment(0.0, 1.0, "speech", None, Source.HUMAN)
    history.undo()
    assert annotation.lane("speech")[0] == S1


def test_no_merge_across_annotations() -> None:
    a, history = make(), History()
    moved = drag(history, a, S2, "end", 2.5)
    b = a.copy()  # another recording that happens to hold the same segment
    history.do(MoveBoundary("speech", moved, "end", 3.0), b)
    assert len(history) == 2
    history.undo()
    assert b.lane("speech")[1].end == 2.5 and a.lane("speech")[1].end == 2.5


# --- random edit sessions -------------------------------------------------------------------
GRID = st.integers(min_value=-2, max_value=38).map(lambda i: i / 4)  # -0.5 .. 9.5 s, exact floats
LABELS = st.sampled_from(["speech", "music", "a", ""])
NEW_LANES = st.sampled_from(["words", "x", ""])


def check_invariants(annotation: Annotation) -> None:
    names = annotation.lane_names
    assert len(set(names)) == len(names)
    duration = annotation.duration
    for lane in annotation:
        segments = lane.segments
        assert list(segments) == sorted(segments)
        for left, right in pairwise(segments):
            assert left.end <= right.start
        for i, segment in enumerate(segments):
            assert 0.0 <= segment.start < segment.end
            assert duration is None or segment.end <= duration
            assert lane.index(segment) == i and lane.at(segment.start) == segment
    assert Annotation.from_dict(annotation.to_dict()) == annotation


def disjoint(pieces: list[tuple[float, float]]) -> bool:
    pieces = sorted(pieces)
    return all(a < b for a, b in pieces) and all(x[1] <= y[0] for x, y in pairwise(pieces))


Pieces = list[tuple[float, float]]


def visible(was: tuple[float, float], now: tuple[float, float]) -> bool:
    """An edit keeps a segment at least 10 ms long, unless it was shorter and does not shrink."""
    return now[1] - now[0] >= MIN_SEGMENT_S or now[1] - now[0] >= was[1] - was[0]


def expect(edit: Edit, annotation: Annotation) -> tuple[bool, str, Pieces] | None:
    """A dumb, independent oracle for the simple verbs: (valid, lane, the lane's times after).

    None where we do not judge. Times only: labels and sources are the unit tests' business.
    """
    duration = annotation.duration
    lane = getattr(edit, "lane", "")
    if not isinstance(edit, (AddSegment, RemoveSegment, SplitSegment, MoveBoundary)):
        return None
    if lane not in annotation:
        return False, lane, []
    segments = list(annotation.lane(lane))
    times = [(s.start, s.end) for s in segments]
    if isinstance(edit, AddSegment):
        seg = edit.segment
        after = [*times, (seg.start, seg.end)]
        return (duration is None or seg.end <= duration) and disjoint(after), lane, after
    seg = edit.segment
    if seg not in segments:
        return False, lane, times
    others = [s for s in segments if s != seg]
    if isinstance(edit, RemoveSegment):
        return True, lane, [(s.start, s.end) for s in others]
    if isinstance(edit, SplitSegment):
        halves = [(seg.start, edit.at), (edit.at, seg.end)]
        ok = seg.start < edit.at < seg.end
        ok = ok and all(visible((seg.start, seg.end), half) for half in halves)
        return ok, lane, halves + [(s.start, s.end) for s in others]
    t = edit.new_time
    if t < 0 or (duration is not None and t > duration) or t == getattr(seg, edit.side):
        return False, lane, times
    pieces = [(t, seg.end) if edit.side == "start" else (seg.start, t)]
    ok = visible((seg.start, seg.end), pieces[0])
    if edit.with_neighbour:
        for n in others:
            if edit.side == "start" and n.end == seg.start:
                others.remove(n)
                pieces.append((n.start, t))
                break
            if edit.side == "end" and n.start == seg.end:
                others.remove(n)
                pieces.append((t, n.end))
                break
        if len(pieces) > 1:
            ok = ok and (pieces[1][0] >= pieces[1][1] or visible((n.start, n.end), pieces[1]))
    after = pieces + [(s.start, s.end) for s in others]
    return ok and disjoint(after), lane, after


def draw_placed(data: st.DataObject, annotation: Annotation) -> tuple[str, Segment]:
    """Mostly a segment that exists; sometimes a stale copy, a fresh one or a missing lane."""
    names = list(annotation.lane_names) + ["ghost"]
    lane = data.draw(st.sampled_from(names))
    existing = list(annotation.lane(lane)) if lane in annotation else []
    how = data.draw(st.sampled_from(["existing"] * 4 + ["stale", "fresh"]))
    if existing and how != "fresh":
        segment = data.draw(st.sampled_from(existing))
        if how == "stale":
            segment = segment.with_(label=segment.label + "?")
        return lane, segment
    start = data.draw(st.integers(0, 36).map(lambda i: i / 4))
    length = data.draw(st.integers(1, 8).map(lambda i: i / 4))
    return lane, Segment(start, start + length, data.draw(LABELS))


#: How often each verb is drawn; lane removal is rare because it empties so much at once.
KINDS = (
    ["add"] * 3
    + ["remove"] * 2
    + ["move"] * 4
    + ["drag"] * 6
    + ["split"] * 3
    + ["merge"] * 3
    + ["relabel", "relabel_many", "change_lane", "add_lane", "rename_lane"] * 2
    + ["remove_lane"]
)


def draw_time(data: st.DataObject, near: float) -> float:
    """A time on the quarter-second grid, mostly close to `near` (where the mouse is)."""
    if data.draw(st.booleans()):
        return data.draw(GRID)
    return near + data.draw(st.integers(-4, 4)) / 4


def draw_edit(data: st.DataObject, annotation: Annotation, last: Edit | None) -> Edit:
    dragging = isinstance(last, MoveBoundary) and last.result is not None
    kind = "drag" if dragging and data.draw(st.booleans()) else data.draw(st.sampled_from(KINDS))
    lanes = list(annotation.lane_names) + ["ghost"]
    if kind == "drag" and isinstance(last, MoveBoundary) and last.result is not None:
        origin = getattr(last.segment, last.side)  # where this (merged) drag began
        t = origin if data.draw(st.integers(0, 3)) == 0 else draw_time(data, origin)
        return MoveBoundary(last.lane, last.result, last.side, t, last.with_neighbour)
    if kind in ("move", "drag"):  # a fresh move (also when there is no drag to continue)
        lane, segment = draw_placed(data, annotation)
        side = data.draw(st.sampled_from(["start", "end"]))
        t = draw_time(data, getattr(segment, side))
        return MoveBoundary(lane, segment, side, t, data.draw(st.booleans()))
    if kind == "add":
        lane, segment = draw_placed(data, annotation)
        return AddSegment(lane, segment)
    if kind == "remove":
        return RemoveSegment(*draw_placed(data, annotation))
    if kind == "split":
        lane, segment = draw_placed(data, annotation)
        at = segment.start + data.draw(st.integers(-1, 9)) * segment.duration / 8
        return SplitSegment(lane, segment, at)
    if kind == "merge":
        lane, first = draw_placed(data, annotation)
        segments = list(annotation.lane(lane)) if lane in annotation else []
        if first in segments and data.draw(st.booleans()):
            i = segments.index(first) + data.draw(st.sampled_from([-1, 1]))
            second = segments[i] if 0 <= i < len(segments) else first
        else:
            second = data.draw(st.sampled_from(segments)) if segments else first
        return MergeSegments(lane, first, second)
    if kind == "relabel":
        lane, segment = draw_placed(data, annotation)
        return RelabelSegment(lane, segment, data.draw(LABELS))
    if kind == "relabel_many":
        targets = [draw_placed(data, annotation) for _ in range(data.draw(st.integers(0, 3)))]
        return RelabelSegments(targets, data.draw(LABELS))
    if kind == "change_lane":
        lane, segment = draw_placed(data, annotation)
        return ChangeLane(segment, lane, data.draw(st.sampled_from(lanes)))
    if kind == "add_lane":
        return AddLane(data.draw(NEW_LANES), data.draw(st.none() | st.integers(0, 6)))
    if kind == "remove_lane":
        return RemoveLane(data.draw(st.sampled_from(lanes)))
    return RenameLane(data.draw(st.sampled_from(lanes)), data.draw(NEW_LANES))


def initial_annotation(data: st.DataObject) -> Annotation:
    duration = data.draw(st.sampled_from([None, 8.0]))
    annotation = Annotation.with_class_lanes(RecordingInfo("r.wav", duration))
    for _ in range(data.draw(st.integers(0, 10))):
        lane = data.draw(st.sampled_from(["speech", "speech", "music", "noise"]))
        start = data.draw(st.integers(0, 28).map(lambda i: i / 4))
        segment = Segment(
            start,
            start + data.draw(st.integers(1, 6)) / 4,
            data.draw(LABELS),
            data.draw(st.none() | st.floats(0, 1)),
            data.draw(st.sampled_from(Source)),
        )
        with contextlib.suppress(InvalidEdit):
            annotation.check_inside(segment)  # Lane.add alone does not know the duration
            annotation.lane(lane).add(segment)
    return annotation


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_edit_sessions(data: st.DataObject) -> None:
    annotation = initial_annotation(data)
    history = History()
    events: list[HistoryEvent] = []
    history.add_listener(events.append)
    snapshots: list[dict[str, Any]] = [annotation.to_dict()]  # state after k applied steps
    saved = snapshots[0]
    last: Edit | None = None
    for _ in range(data.draw(st.integers(0, 30))):
        action = data.draw(st.sampled_from(["edit"] * 8 + ["undo", "redo", "close", "save"]))
        before, index, heard = annotation.to_dict(), history.index, len(events)
        if action == "undo":
            history.undo()
            assert annotation.to_dict() == snapshots[history.index]
        elif action == "redo":
            history.redo()
            assert annotation.to_dict() == snapshots[history.index]
        elif action == "close":
            history.close_merge()
        elif action == "save":
            history.mark_clean()
            saved = before
        else:
            edit = draw_edit(data, annotation, last)
            expected = expect(edit, annotation)
            try:
                step = history.do(edit, annotation)
            except InvalidEdit as refused:
                event(f"refused {type(edit).__name__}")
                assert expected is None or not expected[0], (
                    f"refused a valid edit: {refused.reason}"
                )
                assert annotation.to_dict() == before  # (c) a refusal changes nothing
                assert history.index == index and len(events) == heard
            else:
                if expected is not None:
                    valid, lane, times = expected
                    assert valid, f"accepted an invalid edit {edit!r}"
                    assert [(s.start, s.end) for s in annotation.lane(lane)] == sorted(times)
                event(f"accepted {type(edit).__name__}")
                after = annotation.to_dict()
                if history.index == index + 1:  # a new step
                    assert after != before
                    del snapshots[index + 1 :]
                    snapshots.append(after)
                elif history.index == index:  # merged into the top step
                    event("merged")
                    snapshots[index] = after
                else:  # a merge that cancelled out must land exactly on the previous state
                    assert history.index == index - 1
                    event("merge cancelled out")
                    assert after == snapshots[index - 1]
                    del snapshots[index:]
                last = step
        check_invariants(annotation)  # (a)
        assert len(history) == len(snapshots) - 1
        if history.is_clean:
            assert annotation.to_dict() == saved
    # (b) undo everything, then redo everything, passing exactly through every recorded state
    while history.can_undo:
        history.undo()
        assert annotation.to_dict() == snapshots[history.index]
    assert annotation.to_dict() == snapshots[0]
    while history.can_redo:
        history.redo()
        assert annotation.to_dict() == snapshots[history.index]
    assert annotation.to_dict() == snapshots[-1]
