"""A lane's confidence floor: hides only model segments under it, undoes exactly, persists,
keeps applying when the model re-decides, and never reaches an export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import (
    AddSegment,
    Annotation,
    History,
    InvalidEdit,
    Lane,
    RecordingInfo,
    RemoveLane,
    RenameLane,
    Segment,
    Source,
)
from annotator.core.confidence_floor import SetConfidenceFloor, hidden_summary, plan_floor
from annotator.core.merge import ReplaceModelSegments, plan_merge
from annotator.core.sidecar import SidecarState, load_sidecar, save_sidecar
from annotator.formats import read_annotation, write_annotation

H, M = Source.HUMAN, Source.MODEL


def model(a: float, b: float, conf: float | None, label: str = "music") -> Segment:
    return Segment(a, b, label, conf, M)


def human(a: float, b: float, label: str = "music", conf: float | None = None) -> Segment:
    return Segment(a, b, label, conf, H)


def make() -> Annotation:
    """A music lane with sure and unsure guesses, a guess without a score, and human segments
    (one imported with a low score: still a person's, so never hidden)."""
    music = Lane(
        "music",
        [
            model(0, 1, 0.9),
            model(2, 3, 0.4),
            human(4, 5),
            model(6, 7, 0.59),
            model(8, 9, None),
            model(10, 11, 0.6),
            human(12, 13, conf=0.2),
        ],
    )
    speech = Lane("speech", [model(0, 2, 0.1, "speech")])
    return Annotation([speech, music], recording=RecordingInfo("x.wav", 20.0, 16000))


def test_the_floor_hides_only_model_segments_under_it() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    lane = ann.lane("music")
    assert lane.segments == (
        model(0, 1, 0.9),
        human(4, 5),
        model(8, 9, None),
        model(10, 11, 0.6),
        human(12, 13, conf=0.2),
    )
    assert lane.hidden == (model(2, 3, 0.4), model(6, 7, 0.59))
    assert lane.confidence_floor == 0.6
    # other lanes are left alone
    assert ann.lane("speech").segments == (model(0, 2, 0.1, "speech"),)
    assert hidden_summary(lane) == "music: 2 model segments below 0.60 hidden"


def test_a_floor_of_one_leaves_human_work_and_unscored_guesses() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 1.0).apply(ann)
    assert ann.lane("music").segments == (human(4, 5), model(8, 9, None), human(12, 13, conf=0.2))


def test_undo_and_redo_restore_exactly() -> None:
    ann = make()
    history = History()
    before = ann.to_dict()
    history.do(SetConfidenceFloor(ann, "music", 0.6), ann)
    after = ann.to_dict()
    assert after != before
    history.undo()
    assert ann.to_dict() == before and ann == make()
    history.redo()
    assert ann.to_dict() == after


def test_lowering_the_floor_brings_back_what_it_hid() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.95).apply(ann)
    assert len(ann.lane("music").hidden) == 4
    SetConfidenceFloor(ann, "music", 0.5).apply(ann)
    assert ann.lane("music").hidden == (model(2, 3, 0.4),)
    SetConfidenceFloor(ann, "music", 0.0).apply(ann)
    assert ann == make()
    assert hidden_summary(ann.lane("music")) == "music: all model segments shown"


def test_a_drag_folds_into_one_step_and_a_drag_back_into_none() -> None:
    ann = make()
    history = History()
    before = ann.to_dict()
    for floor in (0.3, 0.5, 0.7, 0.95, 0.55):
        history.do(SetConfidenceFloor(ann, "music", floor), ann)
    assert len(history) == 1
    assert history.undo_text == "Hide music model segments below confidence 0.55"
    assert ann.lane("music").confidence_floor == 0.55
    assert ann.lane("music").hidden == (model(2, 3, 0.4),)
    history.undo()
    assert ann.to_dict() == before
    history.redo()
    history.close_merge()
    for floor in (0.8, 0.55):  # a second drag that comes back where it started
        history.do(SetConfidenceFloor(ann, "music", floor), ann)
    assert len(history) == 1


def test_the_same_floor_again_is_refused() -> None:
    ann = make()
    with pytest.raises(InvalidEdit, match="nothing would change"):
        SetConfidenceFloor(ann, "music", 0.0).apply(ann)
    for bad in (-0.1, 1.5, float("nan"), "0.5", True):
        with pytest.raises(InvalidEdit, match="confidence floor"):
            plan_floor(ann, "music", bad)  # type: ignore[arg-type]


def test_shown_again_around_what_a_person_drew_meanwhile() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    # the person draws their own music over part of one hidden guess and all of another
    AddSegment("music", human(2.5, 3.5)).apply(ann)
    AddSegment("music", human(5.9, 7.1)).apply(ann)
    edit = SetConfidenceFloor(ann, "music", 0.0)
    edit.apply(ann)
    lane = ann.lane("music")
    assert model(2, 2.5, 0.4) in lane  # clipped: human work wins
    assert not any(s.source is M and s.overlaps(human(5.9, 7.1)) for s in lane)
    assert lane.hidden == ()
    edit.undo(ann)
    assert lane.hidden == (model(2, 3, 0.4), model(6, 7, 0.59))


def test_the_floor_travels_with_its_lane() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    RenameLane("music", "tunes").apply(ann)
    assert ann.lane("tunes").confidence_floor == 0.6 and len(ann.lane("tunes").hidden) == 2
    remove = RemoveLane("tunes")
    remove.apply(ann)
    remove.undo(ann)
    assert len(ann.lane("tunes").hidden) == 2
    copy = ann.copy()
    assert copy == ann and copy.lane("tunes").hidden == ann.lane("tunes").hidden


def test_rerunning_the_model_keeps_applying_the_floor() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    proposal = Annotation(
        [Lane("music", [model(0, 1.5, 0.7), model(3, 3.8, 0.2), model(4.5, 6, 0.3)])],
        recording=ann.recording,
    )
    before = ann.to_dict()
    edit = ReplaceModelSegments(plan_merge(ann, proposal))
    edit.apply(ann)
    lane = ann.lane("music")
    assert [s for s in lane if s.source is M] == [model(0, 1.5, 0.7)]
    # the hidden guesses are the new run's, clipped around the human segment like shown ones
    assert lane.hidden == (model(3, 3.8, 0.2), model(5, 6, 0.3))
    assert lane.confidence_floor == 0.6 and human(4, 5) in lane
    assert "2 under a lane's confidence floor hidden" in edit.plan.summary()
    edit.undo(ann)
    assert ann.to_dict() == before


def test_threshold_drag_steps_fold_with_their_hidden_segments() -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    start = ann.to_dict()
    first = ReplaceModelSegments(plan_merge(ann, Annotation([Lane("music", [model(18, 19, 0.1)])])))
    first.apply(ann)
    second = ReplaceModelSegments(
        plan_merge(ann, Annotation([Lane("music", [model(14, 15, 0.2), model(16, 17, 0.8)])]))
    )
    second.apply(ann)
    end = ann.to_dict()
    folded = first.plan.then(second.plan)
    second.undo(ann)
    first.undo(ann)
    assert ann.to_dict() == start
    ReplaceModelSegments(folded).apply(ann)
    assert ann.to_dict() == end
    assert ann.lane("music").hidden == (model(14, 15, 0.2),)


def test_sidecar_round_trip_keeps_floor_and_hidden(tmp_path: Path) -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    path = tmp_path / "x.annotation.json"
    save_sidecar(path, SidecarState(ann))
    doc = json.loads(path.read_text(encoding="utf-8"))
    music = doc["annotation"]["lanes"][1]
    assert music["confidence_floor"] == 0.6
    # the lane's segments are what is shown; the hidden ones sit apart
    assert [s["start"] for s in music["segments"]] == [0, 4, 8, 10, 12]
    assert [s["start"] for s in music["hidden"]] == [2, 6]
    loaded = load_sidecar(path).annotation
    assert loaded == ann
    SetConfidenceFloor(loaded, "music", 0.0).apply(loaded)  # lowering after reopening
    assert loaded == make()


def test_files_without_a_floor_read_and_write_as_before(tmp_path: Path) -> None:
    ann = make()
    lanes = ann.to_dict()["lanes"]
    assert all(set(lane) == {"name", "segments"} for lane in lanes)
    path = tmp_path / "old.annotation.json"
    old = {"format": "nmf-annotator-sidecar", "schema_version": 1, "status": "new",
           "annotation": {"lanes": [{"name": "music", "segments": []}]}}  # fmt: skip
    path.write_text(json.dumps(old), encoding="utf-8")
    lane = load_sidecar(path).annotation.lane("music")
    assert lane.confidence_floor == 0.0 and lane.hidden == ()


@pytest.mark.parametrize("suffix", [".TextGrid", ".rttm", ".txt", ".json"])
def test_exports_hold_only_what_is_shown(tmp_path: Path, suffix: str) -> None:
    ann = make()
    SetConfidenceFloor(ann, "music", 0.6).apply(ann)
    path = tmp_path / f"out{suffix}"
    options = {"lane": "music"} if suffix == ".txt" else None
    write_annotation(ann, path, options=options)
    text = path.read_text(encoding="utf-8")
    assert "confidence_floor" not in text and "hidden" not in text
    back = read_annotation(path, **({"lane": "music"} if suffix == ".txt" else {}))
    music = next(lane for lane in back if "music" in lane.name)
    spans = {(s.start, s.end) for s in music}
    assert (0.0, 1.0) in spans and (10.0, 11.0) in spans
    assert (2.0, 3.0) not in spans and (6.0, 7.0) not in spans


@st.composite
def lanes(draw) -> list[Segment]:
    cuts = sorted(set(draw(st.lists(st.integers(0, 80), max_size=14))))
    out = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if draw(st.booleans()):
            out.append(human(a / 4, b / 4, conf=draw(st.sampled_from([None, 0.1]))))
        else:
            out.append(model(a / 4, b / 4, draw(st.sampled_from([None, 0.1, 0.3, 0.5, 0.9]))))
    return out


@settings(max_examples=120, deadline=None)
@given(segments=lanes(), floors=st.lists(st.sampled_from([0.0, 0.2, 0.4, 0.6, 1.0]), max_size=5))
def test_any_floor_sequence_keeps_humans_and_undoes_exactly(
    segments: list[Segment], floors: list[float]
) -> None:
    ann = Annotation([Lane("music", segments)])
    original = ann.to_dict()
    people = [s for s in segments if s.source is H]
    history = History()
    for floor in floors:
        try:
            history.do(SetConfidenceFloor(ann, "music", floor), ann)
        except InvalidEdit:
            assert floor == ann.lane("music").confidence_floor
        history.close_merge()
        lane = ann.lane("music")
        assert [s for s in lane if s.source is H] == people
        shown = [s for s in lane if s.source is M and s.confidence is not None]
        assert all(s.confidence >= floor for s in shown)
        assert all(s.confidence is not None and s.confidence < floor for s in lane.hidden)
    while history.undo():
        pass
    assert ann.to_dict() == original
    # any sequence of floors, ended at 0, gives back every guess when nobody drew in between
    for floor in [*floors, 0.0]:
        if floor != ann.lane("music").confidence_floor:
            SetConfidenceFloor(ann, "music", floor).apply(ann)
    assert ann.to_dict() == original
