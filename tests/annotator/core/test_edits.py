"""Edit commands: each verb's effect, exact undo, and refusals that change nothing."""

from __future__ import annotations

import pytest

from annotator.core import (
    AddLane,
    AddSegment,
    Annotation,
    ChangeLane,
    Edit,
    EditGroup,
    InvalidEdit,
    Lane,
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
from annotator.core.edits import Change, commit_change, merged_label, touched

S1 = Segment(0.0, 1.2, "speech", 0.8, Source.MODEL)
S2 = Segment(1.2, 2.4, "speech", 0.6, Source.MODEL)  # touches S1
S3 = Segment(4.0, 6.0, "speech")  # after a gap
M1 = Segment(2.0, 3.0, "music", 0.9, Source.MODEL)


def make(duration: float | None = 10.0) -> Annotation:
    annotation = Annotation.with_class_lanes(RecordingInfo("a.wav", duration))
    for segment in (S1, S2, S3):
        annotation.lane("speech").add(segment)
    annotation.lane("music").add(M1)
    return annotation


def human(start: float, end: float, label: str) -> Segment:
    return Segment(start, end, label, None, Source.HUMAN)


def assert_refused(edit: Edit, annotation: Annotation, match: str = "") -> InvalidEdit:
    before = annotation.to_dict()
    with pytest.raises(InvalidEdit, match=match) as caught:
        edit.apply(annotation)
    assert annotation.to_dict() == before
    assert caught.value.reason and "\n" not in caught.value.reason
    return caught.value


def assert_undoable(edit: Edit, annotation: Annotation) -> Annotation:
    """Apply, undo, redo, undo: every state must be exactly what it should. Returns the result."""
    before = annotation.to_dict()
    edit.apply(annotation)
    after = annotation.to_dict()
    assert after != before
    edit.undo(annotation)
    assert annotation.to_dict() == before
    edit.apply(annotation)
    assert annotation.to_dict() == after
    result = annotation.copy()
    edit.undo(annotation)
    assert annotation.to_dict() == before
    edit.apply(annotation)
    return result


def test_touched_segments_become_human_without_model_confidence() -> None:
    assert touched(S1, end=1.0) == Segment(0.0, 1.0, "speech", None, Source.HUMAN)
    assert touched(S3) == S3


# --- add / remove ---------------------------------------------------------------------------
def test_add_segment() -> None:
    annotation = make()
    new = Segment(9.0, 10.0, "hum", 0.4, Source.MODEL)
    result = assert_undoable(AddSegment("noise", new), annotation)
    assert result.lane("noise").segments == (new,)  # stored exactly as given


@pytest.mark.parametrize(
    "lane, segment, match",
    [
        ("speech", Segment(1.0, 1.5), "overlap"),
        ("speech", Segment(2.4, 4.5), "overlap"),
        ("speech", Segment(9.0, 10.5), "end of the recording"),
        ("words", Segment(0.0, 1.0), "no lane"),
    ],
)
def test_add_segment_refusals(lane: str, segment: Segment, match: str) -> None:
    assert_refused(AddSegment(lane, segment), make(), match)


def test_add_segment_may_fill_a_gap_exactly() -> None:
    result = assert_undoable(AddSegment("speech", Segment(2.4, 4.0)), make())
    assert len(result.lane("speech")) == 4


def test_remove_segment() -> None:
    result = assert_undoable(RemoveSegment("speech", S2), make())
    assert result.lane("speech").segments == (S1, S3)


def test_remove_segment_needs_the_exact_segment() -> None:
    assert_refused(RemoveSegment("speech", S2.with_(confidence=0.5)), make(), "not in lane")
    assert_refused(RemoveSegment("music", S2), make(), "not in lane")


# --- move boundary --------------------------------------------------------------------------
def test_move_shared_boundary_with_neighbour() -> None:
    result = assert_undoable(MoveBoundary("speech", S1, "end", 1.5, with_neighbour=True), make())
    assert result.lane("speech").segments == (
        human(0.0, 1.5, "speech"),
        human(1.5, 2.4, "speech"),
        S3,
    )


def test_move_start_with_neighbour_shrinks_the_previous_segment() -> None:
    result = assert_undoable(MoveBoundary("speech", S2, "start", 0.5, with_neighbour=True), make())
    assert result.lane("speech").segments[:2] == (
        human(0.0, 0.5, "speech"),
        human(0.5, 2.4, "speech"),
    )


def test_move_boundary_away_from_neighbour_opens_a_gap() -> None:
    result = assert_undoable(MoveBoundary("speech", S1, "end", 1.0), make())
    assert result.lane("speech").segments == (human(0.0, 1.0, "speech"), S2, S3)


def test_move_boundary_into_touching_neighbour_is_refused() -> None:
    error = assert_refused(MoveBoundary("speech", S1, "end", 1.5), make(), "run into")
    assert "shared boundary" in error.reason


def test_with_neighbour_needs_a_touching_neighbour() -> None:
    # S3's start has a gap before it: with_neighbour just moves S3 ...
    result = assert_undoable(MoveBoundary("speech", S3, "start", 3.0, with_neighbour=True), make())
    assert result.lane("speech").segments[1:] == (S2, human(3.0, 6.0, "speech"))
    # ... and never pushes a segment it does not touch.
    assert_refused(
        MoveBoundary("speech", S3, "start", 2.0, with_neighbour=True), make(), "run into"
    )


def test_with_neighbour_leaves_a_segment_after_a_gap_alone() -> None:
    result = assert_undoable(MoveBoundary("speech", S2, "end", 3.0, with_neighbour=True), make())
    assert result.lane("speech").segments == (S1, human(1.2, 3.0, "speech"), S3)


def test_shared_boundary_cannot_swallow_the_neighbour() -> None:
    assert_refused(MoveBoundary("speech", S2, "start", 0.0, with_neighbour=True), make(), "swallow")
    assert_refused(MoveBoundary("speech", S1, "end", 2.4, with_neighbour=True), make(), "swallow")


def test_boundaries_reach_zero_and_the_end_of_the_recording() -> None:
    result = assert_undoable(MoveBoundary("speech", S3, "end", 10.0), make())
    assert result.lane("speech")[-1].end == 10.0
    assert_refused(MoveBoundary("speech", S3, "end", 10.01), make(), "end of the recording")
    assert_refused(MoveBoundary("speech", S1, "start", -0.1), make(), "before 0")
    shifted = assert_undoable(MoveBoundary("speech", S3, "start", 2.4), make())
    assert shifted.lane("speech")[-1].start == 2.4  # touching S2 is fine
    moved = make()
    MoveBoundary("speech", S1, "end", 1.0).apply(moved)
    again = human(0.0, 1.0, "speech")
    MoveBoundary("speech", again, "start", 0.5).apply(moved)
    result = assert_undoable(MoveBoundary("speech", human(0.5, 1.0, "speech"), "start", 0.0), moved)
    assert result.lane("speech")[0].start == 0.0


def test_without_a_duration_a_boundary_may_move_anywhere_forward() -> None:
    result = assert_undoable(MoveBoundary("speech", S3, "end", 1000.0), make(duration=None))
    assert result.lane("speech")[-1].end == 1000.0


@pytest.mark.parametrize(
    "side, t, match",
    [
        ("end", 1.2, "already"),
        ("end", 0.0, "after the start"),
        ("start", 1.2, "before the end"),
        ("start", 1.5, "before the end"),
        ("end", float("nan"), "finite"),
    ],
)
def test_move_boundary_refusals(side: str, t: float, match: str) -> None:
    assert_refused(MoveBoundary("speech", S1, side, t), make(), match)


def test_move_boundary_of_a_missing_segment_is_refused() -> None:
    assert_refused(MoveBoundary("speech", M1, "end", 2.5), make(), "not in lane")


def test_boundary_side_is_checked_on_construction() -> None:
    with pytest.raises(InvalidEdit):
        MoveBoundary("speech", S1, "middle", 1.0)


def test_move_boundary_description() -> None:
    edit = MoveBoundary("speech", S2, "end", 2.2)
    assert edit.description == "Move end boundary of speech segment 1.20–2.40 s"
    assert "Move end boundary" in repr(edit)


def test_no_edit_leaves_a_segment_shorter_than_ten_ms() -> None:
    assert_refused(MoveBoundary("speech", S1, "end", 0.000001), make(), "shorter than 10 ms")
    assert_refused(MoveBoundary("speech", S1, "start", 1.195), make(), "shorter than 10 ms")
    # the neighbour dragged along with Alt is kept visible too
    assert_refused(
        MoveBoundary("speech", S1, "end", 2.395, with_neighbour=True), make(), "shorter than 10 ms"
    )
    assert_refused(SplitSegment("speech", S2, 1.205), make(), "shorter than 10 ms")
    result = assert_undoable(MoveBoundary("speech", S1, "end", 0.01), make())
    assert result.lane("speech")[0] == human(0.0, 0.01, "speech")


def test_a_segment_already_that_short_may_still_grow() -> None:
    tiny = Segment(5.0, 5.004, "speech")
    annotation = make()
    annotation.lane("music").add(tiny)
    result = assert_undoable(MoveBoundary("music", tiny, "end", 5.006), annotation)
    assert human(5.0, 5.006, "speech") in result.lane("music").segments


# --- split / merge ------------------------------------------------------------------------
def test_split_segment() -> None:
    result = assert_undoable(SplitSegment("speech", S2, 1.8), make())
    assert result.lane("speech").segments == (
        S1,
        human(1.2, 1.8, "speech"),
        human(1.8, 2.4, "speech"),
        S3,
    )
    assert (
        SplitSegment("speech", S2, 1.8).description == "Split speech segment 1.20–2.40 s at 1.80 s"
    )


@pytest.mark.parametrize("at", [1.2, 2.4, 0.5, 3.0])
def test_split_outside_the_segment_is_refused(at: float) -> None:
    assert_refused(SplitSegment("speech", S2, at), make(), "not inside")


def test_merge_touching_segments() -> None:
    result = assert_undoable(MergeSegments("speech", S1, S2), make())
    assert result.lane("speech").segments == (human(0.0, 2.4, "speech"), S3)


def test_merge_across_a_gap_and_in_either_order() -> None:
    result = assert_undoable(MergeSegments("speech", S3, S2), make())
    assert result.lane("speech").segments == (S1, human(1.2, 6.0, "speech"))


def test_merge_refusals() -> None:
    assert_refused(MergeSegments("speech", S1, S3), make(), "not neighbours")
    assert_refused(MergeSegments("speech", S1, S1), make(), "itself")
    assert_refused(MergeSegments("speech", S1, M1), make(), "not in lane")


def test_merge_label_policy() -> None:
    assert merged_label("a", "a") == "a"
    assert merged_label("a", "") == "a"
    assert merged_label("", "b") == "b"
    assert merged_label("speech", "music") == "speech+music"
    annotation = Annotation([Lane("words", [Segment(0, 1, "hello"), Segment(1, 2, "world")])])
    MergeSegments("words", Segment(0, 1, "hello"), Segment(1, 2, "world")).apply(annotation)
    assert annotation.lane("words")[0].label == "hello+world"
    explicit = Annotation([Lane("words", [Segment(0, 1, "hello"), Segment(1, 2, "world")])])
    MergeSegments("words", Segment(0, 1, "hello"), Segment(1, 2, "world"), "hello world").apply(
        explicit
    )
    assert explicit.lane("words").segments == (human(0, 2, "hello world"),)


# --- relabel / change lane ----------------------------------------------------------------
def test_relabel_segment() -> None:
    result = assert_undoable(RelabelSegment("speech", S3, "laugh"), make())
    assert result.lane("speech")[-1] == human(4.0, 6.0, "laugh")
    assert (
        RelabelSegment("speech", S3, "x").description == "Relabel speech segment 4.00–6.00 s as 'x'"
    )


def test_relabelling_a_model_segment_to_its_own_label_confirms_it() -> None:
    result = assert_undoable(RelabelSegment("speech", S1, "speech"), make())
    assert result.lane("speech")[0] == human(0.0, 1.2, "speech")


def test_relabel_refusals() -> None:
    assert_refused(RelabelSegment("speech", S3, "speech"), make(), "already")
    assert_refused(RelabelSegment("speech", M1, "x"), make(), "not in lane")
    assert_refused(RelabelSegments([], "x"), make(), "no segments")
    assert_refused(RelabelSegment("speech", S3, 5), make(), "text")  # type: ignore[arg-type]


def test_relabel_many_across_lanes() -> None:
    edit = RelabelSegments([("speech", S1), ("music", M1), ("speech", S3)], "x")
    result = assert_undoable(edit, make())
    assert [s.label for _, s in result.segments()] == ["x", "speech", "x", "x"]
    assert edit.description == "Relabel 3 segments as 'x'"


def test_relabel_many_is_all_or_nothing() -> None:
    assert_refused(RelabelSegments([("speech", S1), ("speech", M1)], "x"), make(), "not in lane")
    assert_refused(RelabelSegments([("speech", S1), ("speech", S1)], "x"), make(), "twice")


def test_change_lane() -> None:
    result = assert_undoable(ChangeLane(M1, "music", "noise"), make())
    assert len(result.lane("music")) == 0
    assert result.lane("noise").segments == (human(2.0, 3.0, "music"),)
    relabelled = assert_undoable(ChangeLane(M1, "music", "noise", new_label="hum"), make())
    assert relabelled.lane("noise")[0].label == "hum"


def test_change_lane_refusals() -> None:
    assert_refused(ChangeLane(M1, "music", "speech"), make(), "overlap")
    assert_refused(ChangeLane(M1, "music", "music"), make(), "already")
    assert_refused(ChangeLane(M1, "music", "words"), make(), "no lane")
    assert_refused(ChangeLane(S1, "music", "noise"), make(), "not in lane")


# --- lanes ----------------------------------------------------------------------------------
def test_add_lane() -> None:
    result = assert_undoable(AddLane("words", position=0), make())
    assert result.lane_names[0] == "words"
    assert assert_undoable(AddLane("words"), make()).lane_names[-1] == "words"
    assert_refused(AddLane("speech"), make(), "exists")
    assert_refused(AddLane(""), make(), "name")
    assert_refused(AddLane("words", position=9), make(), "position")


def test_undoing_add_lane_refuses_to_drop_segments_added_behind_its_back() -> None:
    annotation = make()
    edit = AddLane("words")
    edit.apply(annotation)
    annotation.lane("words").add(Segment(0, 1))
    with pytest.raises(InvalidEdit, match="holds segments"):
        edit.undo(annotation)
    assert len(annotation.lane("words")) == 1


def test_remove_lane_restores_the_same_lane_object_in_place() -> None:
    annotation = make()
    speech = annotation.lane("speech")
    edit = RemoveLane("speech")
    assert_undoable(edit, annotation)
    edit.undo(annotation)
    assert annotation.lane("speech") is speech
    assert annotation.lane_position("speech") == 0
    assert_refused(RemoveLane("words"), make(), "no lane")


def test_rename_lane_keeps_position_and_object() -> None:
    annotation = make()
    music = annotation.lane("music")
    result = assert_undoable(RenameLane("music", "instruments"), annotation)
    assert result.lane_names == ("speech", "instruments", "noise", "overlap")
    assert annotation.lane("instruments") is music
    assert_refused(RenameLane("music", "speech"), make(), "exists")
    assert_refused(RenameLane("music", "music"), make(), "already")
    assert_refused(RenameLane("music", " "), make(), "name")
    assert_refused(RenameLane("words", "x"), make(), "no lane")


# --- groups and misuse ----------------------------------------------------------------------
def test_edit_group_is_one_step() -> None:
    group = EditGroup([RemoveSegment("speech", S1), ChangeLane(M1, "music", "noise")], "Tidy up")
    result = assert_undoable(group, make())
    assert S1 not in result.lane("speech") and len(result.lane("noise")) == 1
    assert group.description == "Tidy up"


def test_edit_group_is_all_or_nothing() -> None:
    group = EditGroup([RemoveSegment("speech", S1), RemoveSegment("speech", S1)], "Twice")
    assert_refused(group, make(), "not in lane")
    assert_refused(EditGroup([], "Nothing"), make(), "nothing")


def test_undo_before_apply_is_refused() -> None:
    with pytest.raises(InvalidEdit):
        RemoveSegment("speech", S1).undo(make())
    with pytest.raises(InvalidEdit):
        RemoveLane("speech").undo(make())


def test_redo_replays_the_same_change_and_checks_it() -> None:
    annotation = make()
    edit = SplitSegment("speech", S2, 1.8)
    edit.apply(annotation)
    edit.undo(annotation)
    annotation.lane("speech").remove(S2)  # someone changed the lane behind the history's back
    before = annotation.to_dict()
    with pytest.raises(InvalidEdit):
        edit.apply(annotation)
    assert annotation.to_dict() == before


def test_a_change_may_not_add_overlapping_segments_to_one_lane() -> None:
    annotation = make()
    before = annotation.to_dict()
    clashing = Change((), (("noise", Segment(0, 2)), ("noise", Segment(1, 3))))
    with pytest.raises(InvalidEdit, match="overlap"):
        commit_change(annotation, clashing)
    assert annotation.to_dict() == before
    commit_change(annotation, Change((), (("noise", Segment(0, 1)), ("music", Segment(0, 1)))))
    assert len(annotation.lane("noise")) == 1


def test_change_composition_cancels_out() -> None:
    a, b, c = Segment(0, 1), Segment(0, 2), Segment(0, 3)
    first = Change((("x", a),), (("x", b),))
    assert first.then(Change((("x", b),), (("x", c),))) == Change((("x", a),), (("x", c),))
    assert first.then(first.inverse()).is_empty
