"""Interoperability with pyannote: it reads our RTTM, we read its RTTM, with the same turns."""

from __future__ import annotations

import pytest

from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.formats import read_rttm, write_rttm, write_rttm_many

core = pytest.importorskip("pyannote.core")
database_util = pytest.importorskip("pyannote.database.util")


def turns_of(annotation: Annotation) -> list[tuple[float, float, str]]:
    return sorted((s.start, s.end, s.label) for lane in annotation for s in lane)


def pyannote_turns(annotation) -> list[tuple[float, float, str]]:
    return sorted(
        (round(seg.start, 6), round(seg.end, 6), str(label))
        for seg, _, label in annotation.itertracks(yield_label=True)
    )


def test_pyannote_reads_our_rttm(tmp_path):
    ours = Annotation(
        [
            Lane("alice", [Segment(0.0, 1.5, "alice"), Segment(1.5, 2.25, "alice")]),
            Lane("bob", [Segment(1.0, 3.0, "bob")]),  # overlaps alice: across lanes is fine
            Lane("speech", [Segment(0.25, 0.75)]),  # class lane: the label is the lane name
        ],
        recording=RecordingInfo(path="/corpus/meeting 01.wav"),
    )
    path = tmp_path / "ours.rttm"
    write_rttm(ours, path)
    loaded = database_util.load_rttm(str(path))
    assert list(loaded) == ["meeting_01"]
    expected = sorted(
        [(0.0, 1.5, "alice"), (1.5, 2.25, "alice"), (1.0, 3.0, "bob"), (0.25, 0.75, "speech")]
    )
    assert pyannote_turns(loaded["meeting_01"]) == expected


def test_we_read_rttm_written_by_pyannote(tmp_path):
    reference = core.Annotation(uri="rec1")
    reference[core.Segment(0.0, 1.25)] = "spk_A"
    reference[core.Segment(1.25, 2.5)] = "spk_B"
    reference[core.Segment(2.0, 4.125)] = "spk_A"
    reference[core.Segment(3.5, 3.75), "second"] = "spk_C"
    other = core.Annotation(uri="rec2")
    other[core.Segment(10.5, 11.0)] = "spk_A"
    path = tmp_path / "theirs.rttm"
    with open(path, "w") as handle:
        reference.write_rttm(handle)
        other.write_rttm(handle)

    ours = read_rttm(path)
    assert list(ours) == ["rec1", "rec2"]
    assert turns_of(ours["rec1"]) == pyannote_turns(reference)
    assert turns_of(ours["rec2"]) == pyannote_turns(other)
    assert [lane.name for lane in ours["rec1"]] == ["spk_A", "spk_B", "spk_C"]

    # ...and pyannote reads our rewrite of its file as it read its own.
    again = tmp_path / "again.rttm"
    write_rttm_many(ours, again)
    reloaded = database_util.load_rttm(str(again))
    assert pyannote_turns(reloaded["rec1"]) == pyannote_turns(reference)
    assert pyannote_turns(reloaded["rec2"]) == pyannote_turns(other)
