"""`read_annotation` / `write_annotation`: format choice, OS failures, atomic replacement."""

from __future__ import annotations

import os

import pytest

import annotator.core.atomic as atomic
from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.formats import (
    FORMATS,
    FormatError,
    format_for,
    read_annotation,
    read_annotations,
    write_annotation,
)
from annotator.formats.rttm import write_rttm_many


def sample() -> Annotation:
    return Annotation(
        [
            Lane("speech", [Segment(0.0, 1.0, "speech")]),
            Lane("music", [Segment(0.5, 2.0, "music")]),
        ],
        recording=RecordingInfo(path="talk.wav", duration=2.0),
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.TextGrid", "textgrid"), ("a.textgrid", "textgrid"), ("a.RTTM", "rttm"),
     ("a.txt", "audacity"), ("a.json", "json"), ("a.eaf", "eaf"), ("a.EAF", "eaf"),
     ("a.csv", "csv")],
)  # fmt: skip
def test_format_is_chosen_by_extension(name, expected):
    assert format_for(name).name == expected


def test_formats_table_lists_reader_writer_and_extensions():
    for name, entry in FORMATS.items():
        assert entry.name == name and entry.extensions and callable(entry.reader)
        assert callable(entry.writer)


@pytest.mark.parametrize("name", ["a.TextGrid", "a.rttm", "a.txt", "a.json", "a.eaf", "a.csv"])
def test_every_format_round_trips_through_the_registry(tmp_path, name):
    path = tmp_path / name
    write_annotation(sample(), path)
    again = read_annotation(path)
    assert {lane.name: list(lane) for lane in again} == {lane.name: list(lane) for lane in sample()}


def test_explicit_format_overrides_extension_and_options_reach_the_writer(tmp_path):
    path = tmp_path / "labels.dat"
    write_annotation(sample(), path, "textgrid", options={"format": "short"})
    assert "intervals [" not in path.read_text()
    assert read_annotation(path, "textgrid").lane_names == ("speech", "music")
    with pytest.raises(FormatError, match="cannot tell the format"):
        read_annotation(path)
    with pytest.raises(FormatError, match="unknown format 'praat'"):
        read_annotation(path, "praat")
    with pytest.raises(FormatError, match="cannot write"):
        write_annotation(sample(), path, "json", options={"nonsense": 1})


def test_missing_file_folder_and_permission_are_format_errors(tmp_path, monkeypatch):
    with pytest.raises(FormatError, match="no such file") as caught:
        read_annotation(tmp_path / "missing.TextGrid")
    assert str(caught.value).startswith(str(tmp_path / "missing.TextGrid"))
    folder = tmp_path / "folder.rttm"
    folder.mkdir()
    with pytest.raises(FormatError, match="is a folder"):
        read_annotation(folder)
    locked = tmp_path / "locked.json"
    locked.write_text("{}")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # we run as root: chmod is no test; the readers open the file in annotator.formats._io
    monkeypatch.setattr("annotator.formats._io.open", refuse, raising=False)
    with pytest.raises(FormatError, match="permission denied"):
        read_annotation(locked)


def test_writing_into_a_missing_folder_is_a_format_error(tmp_path):
    with pytest.raises(FormatError, match="does not exist"):
        write_annotation(sample(), tmp_path / "nope" / "out.TextGrid")
    with pytest.raises(FormatError):
        write_annotation(sample(), tmp_path)  # a folder, no extension


@pytest.mark.parametrize(
    "name", ["out.TextGrid", "out.rttm", "out.txt", "out.json", "out.eaf", "out.csv"]
)
def test_failed_export_leaves_old_file_intact_and_no_partial_file(tmp_path, monkeypatch, name):
    path = tmp_path / name
    path.write_bytes(b"previous version")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(FormatError, match="No space left") as caught:
        write_annotation(sample(), path)
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == b"previous version"
    assert os.listdir(tmp_path) == [name]


def test_failed_export_to_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(
        atomic.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(5, "I/O error"))
    )
    with pytest.raises(FormatError, match="I/O error"):
        write_annotation(sample(), tmp_path / "new.TextGrid")
    assert os.listdir(tmp_path) == []


def test_unrepresentable_content_is_refused_before_touching_the_file(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("old")
    bad = Annotation([Lane("notes", [Segment(0, 1, "two\tcolumns")])])
    with pytest.raises(FormatError, match="tab"):
        write_annotation(bad, path)
    assert path.read_text() == "old"
    empty = Annotation([Lane("speech")])
    with pytest.raises(FormatError, match="positive duration"):
        write_annotation(empty, tmp_path / "empty.TextGrid")
    assert not (tmp_path / "empty.TextGrid").exists()


def test_read_annotations_gives_every_recording_of_a_file(tmp_path):
    many = tmp_path / "corpus.rttm"
    write_rttm_many({"one": sample(), "two": sample()}, many)
    assert list(read_annotations(many)) == ["one", "two"]
    with pytest.raises(FormatError, match="holds 2 recordings"):
        read_annotation(many)
    assert read_annotation(many, file_id="two").lane_names == ("speech", "music")
    single = tmp_path / "talk.TextGrid"
    write_annotation(sample(), single)
    assert list(read_annotations(single)) == ["talk"]
    empty = tmp_path / "silent.rttm"
    empty.write_text("")
    assert {k: len(v) for k, v in read_annotations(empty).items()} == {"silent": 0}
    with pytest.raises(FormatError, match="no such file"):
        read_annotations(tmp_path / "missing.rttm")
