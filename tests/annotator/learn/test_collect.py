"""Which labels count as confirmed, and a held-out split that stays put."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from annotator.core import (
    Annotation,
    Lane,
    Project,
    RecordingInfo,
    RecordingStatus,
    Segment,
    Source,
)
from annotator.learn import collect_confirmed, split_held_out
from annotator.learn.collect import LabelledRecording


@pytest.fixture
def project(tmp_path) -> Project:
    for name in ("done", "review", "new"):
        sf.write(tmp_path / f"{name}.wav", np.zeros(16000 * 4, dtype=np.float32), 16000)
    project = Project.create(tmp_path)
    entries = {e.rel_path: e for e in project.recordings}
    info = RecordingInfo("x.wav", 4.0)
    done = Annotation([
        Lane("speech", [Segment(0, 1, "speech", 0.9, Source.MODEL)]),
        Lane("overlap", [Segment(2, 3, "overlap")]), Lane("music"),
    ], info)  # fmt: skip
    project.save(entries["done.wav"], done, RecordingStatus.DONE)
    review = Annotation([
        Lane("speech", [Segment(0, 1, "speech", 0.9, Source.MODEL), Segment(2, 3, "speech")]),
        Lane("noise", [Segment(3, 4, "noise", 0.7, Source.MODEL)]),
    ], info)  # fmt: skip
    project.save(entries["review.wav"], review, RecordingStatus.IN_REVIEW)
    return project


def test_done_recordings_are_known_everywhere(project) -> None:
    (rec,) = collect_confirmed(project).recordings
    assert rec.rel_path == "done.wav" and rec.confirmed
    assert rec.spans["sp"] == [(0, 1), (2, 3)]  # overlap implies speech
    assert rec.known["sp"] == rec.known["mu"] == rec.known["ov"] == [(0.0, 4.0)]
    assert rec.known["no"] == [] and rec.classes == ("sp", "mu", "ov")


def test_human_segments_of_other_files_are_positives_only(project) -> None:
    found = collect_confirmed(project, include="done+human").recordings
    review = next(r for r in found if r.rel_path == "review.wav")
    assert not review.confirmed
    assert review.spans["sp"] == review.known["sp"] == [(2, 3)]  # the model's 0–1 s is not
    assert review.known["no"] == []
    with pytest.raises(ValueError, match="include"):
        collect_confirmed(project, include="everything")


def test_split_is_deterministic_and_stable() -> None:
    def rec(name: str, confirmed: bool = True) -> LabelledRecording:
        return LabelledRecording(name, None, 1.0, {}, {}, confirmed)  # type: ignore[arg-type]

    recs = [rec(f"f{i:03d}.wav") for i in range(40)] + [rec("partial.wav", False)]
    train, held = split_held_out(recs, 0.25)
    assert 4 <= len(held) <= 16 and len(train) + len(held) == len(recs)
    assert all(r.confirmed for r in held)
    grown = recs + [rec(f"g{i:03d}.wav") for i in range(20)]
    _, held_grown = split_held_out(grown, 0.25)
    assert {r.rel_path for r in held} <= {r.rel_path for r in held_grown}
    two = [rec("a.wav"), rec("b.wav")]
    train2, held2 = split_held_out(two, 0.01)
    assert len(train2) == len(held2) == 1
    assert split_held_out(two, 0.0) == (two, [])
    for n in (3, 4, 5, 8):  # never more than ceil(fraction × n) held out (issue 21: 2 of 3 were)
        few = [rec(f"x{i}.wav") for i in range(n)]
        assert 1 <= len(split_held_out(few, 0.25)[1]) <= -(-n // 4)
        assert len(split_held_out(few, 0.9)[0]) >= 1
