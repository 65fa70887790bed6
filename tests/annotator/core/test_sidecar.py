from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import sidecar as sc
from annotator.core.annotation import Annotation, Provenance, RecordingInfo
from annotator.core.atomic import SaveError
from annotator.core.lane import Lane
from annotator.core.segment import Segment, Source
from annotator.core.sidecar import (
    NewerVersionError,
    RecordingStatus,
    SidecarError,
    SidecarState,
    backup_path,
    load_sidecar,
    save_sidecar,
)


def make_annotation(n: int = 3, label: str = "a") -> Annotation:
    speech = Lane(
        "speech", (Segment(i, i + 0.5, f"{label}{i}", 0.9, Source.MODEL) for i in range(n))
    )
    return Annotation(
        [speech, Lane("music"), Lane("notes", [Segment(0.25, 0.75, "ünïcode ✓")])],
        recording=RecordingInfo("x/a.wav", 100.0, 16000, "sha256:abc"),
        provenance=[Provenance("nmf", ("speech",), "m1", {"threshold": 0.5}, "2024-01-01")],
        passthrough=[{"kind": "point", "name": "tones", "points": [[1.0, "H*"]]}],
    )


def write_doc(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def good_doc(**changes: object) -> dict:
    doc = {
        "format": sc.FORMAT,
        "schema_version": sc.SCHEMA_VERSION,
        "saved_at": "2024-05-01T10:00:00+00:00",
        "status": "done",
        "annotation": make_annotation().to_dict(),
    }
    doc.update(changes)
    return doc


def assert_one_line_naming(error: Exception, path: Path, *words: str) -> None:
    text = str(error)
    assert "\n" not in text
    assert str(path) in text
    for word in words:
        assert word in text


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "a.wav.annotation.json"
    state = SidecarState(make_annotation(), RecordingStatus.DONE, {"view": {"zoom": 2.5}})
    saved = save_sidecar(path, state)
    loaded = load_sidecar(path)
    assert loaded.annotation == state.annotation
    assert loaded.status is RecordingStatus.DONE
    assert loaded.extra == {"view": {"zoom": 2.5}}
    assert loaded.saved_at == saved.saved_at is not None
    assert loaded.recovered_from is None and loaded.warnings == []
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "nmf-annotator-sidecar" and doc["schema_version"] == 1


def test_file_has_one_segment_per_line(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sidecar(path, SidecarState(make_annotation(50)))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert sum('"start":' in line for line in lines) == 51  # 50 speech + 1 notes


def test_save_creates_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "s.json"
    save_sidecar(path, SidecarState(make_annotation()))
    assert load_sidecar(path).annotation == make_annotation()


def test_previous_version_is_kept_as_backup(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sidecar(path, SidecarState(make_annotation(2, "old"), RecordingStatus.PRELABELLED))
    assert not backup_path(path).exists()
    save_sidecar(path, SidecarState(make_annotation(4, "new"), RecordingStatus.IN_REVIEW))
    assert load_sidecar(path).annotation == make_annotation(4, "new")
    old = load_sidecar(backup_path(path))
    assert old.annotation == make_annotation(2, "old")
    assert old.status is RecordingStatus.PRELABELLED


def test_save_into_unwritable_place_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    target = blocker / "s.json"
    with pytest.raises(SaveError) as info:
        save_sidecar(target, SidecarState(make_annotation()))
    assert_one_line_naming(info.value, target)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ["empty"]),
        (b"   \n", ["empty"]),
        (b'{"format": "nmf-annotator-sidecar", "schema_ver', ["not valid JSON", "line 1"]),
        (b"\xff\xfe\x00garbage", ["not UTF-8"]),
        (b"[1, 2]", ["not a JSON object"]),
    ],
)
def test_damaged_file_is_refused(tmp_path: Path, content: bytes, words: list[str]) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    with pytest.raises(SidecarError) as info:
        load_sidecar(path)
    assert_one_line_naming(info.value, path, *words)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"format": "something-else"}, ["not an nmf-annotator sidecar", "something-else"]),
        ({"schema_version": "1"}, ["schema_version must be an integer"]),
        ({"schema_version": True}, ["schema_version must be an integer"]),
        ({"status": "finished"}, ["unknown status", "finished", "in_review"]),
        ({"annotation": []}, ["not an annotation object"]),
        ({"extra": [1]}, ["'extra' must be a JSON object"]),
    ],
)
def test_bad_fields_are_refused(tmp_path: Path, changes: dict, words: list[str]) -> None:
    path = write_doc(tmp_path / "s.json", good_doc(**changes))
    with pytest.raises(SidecarError) as info:
        load_sidecar(path)
    assert_one_line_naming(info.value, path, *words)


@pytest.mark.parametrize("field", ["format", "status", "annotation"])
def test_missing_field_is_named(tmp_path: Path, field: str) -> None:
    doc = good_doc()
    del doc[field]
    path = write_doc(tmp_path / "s.json", doc)
    with pytest.raises(SidecarError) as info:
        load_sidecar(path)
    assert_one_line_naming(info.value, path)
    assert field in str(info.value) or "not an nmf-annotator sidecar" in str(info.value)


def test_invalid_annotation_content_is_refused(tmp_path: Path) -> None:
    body = make_annotation().to_dict()
    segments = body["lanes"][0]["segments"]
    segments[1]["start"] = segments[0]["start"]  # overlaps its neighbour
    path = write_doc(tmp_path / "s.json", good_doc(annotation=body))
    with pytest.raises(SidecarError) as info:
        load_sidecar(path)
    assert_one_line_naming(info.value, path, "annotation is invalid", "overlap")

    del body["lanes"][0]["name"]
    write_doc(path, good_doc(annotation=body))
    with pytest.raises(SidecarError, match="annotation lacks field 'name'"):
        load_sidecar(path)


def test_newer_version_is_refused_even_with_a_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sidecar(path, SidecarState(make_annotation()))
    save_sidecar(path, SidecarState(make_annotation()))  # now a good .bak exists
    write_doc(path, good_doc(schema_version=sc.SCHEMA_VERSION + 1))
    for fallback in (False, True):
        with pytest.raises(NewerVersionError) as info:
            load_sidecar(path, fall_back_to_backup=fallback)
        assert_one_line_naming(info.value, path, "written by a newer version")


def test_older_version_is_migrated_step_by_step(tmp_path: Path, monkeypatch) -> None:
    """Pretend this program reads schema 3; a schema-1 file must pass through 1->2->3."""
    calls: list[int] = []

    def one_to_two(doc: dict) -> dict:
        calls.append(1)
        doc["state"] = doc.pop("status")  # v2 renamed the field
        return doc

    def two_to_three(doc: dict) -> dict:
        calls.append(2)
        doc["status"] = {"finished": "done"}.get(doc["state"], doc["state"])
        return doc

    path = write_doc(tmp_path / "s.json", good_doc(status="in_review"))
    monkeypatch.setattr(sc, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(sc, "MIGRATIONS", {1: one_to_two, 2: two_to_three})
    state = load_sidecar(path)
    assert calls == [1, 2]
    assert state.status is RecordingStatus.IN_REVIEW
    assert state.annotation == make_annotation()
    save_sidecar(path, state)
    assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == 3
    assert load_sidecar(path).status is RecordingStatus.IN_REVIEW and calls == [1, 2]


def test_missing_or_failing_migration_is_an_error(tmp_path: Path, monkeypatch) -> None:
    path = write_doc(tmp_path / "s.json", good_doc(schema_version=0))
    with pytest.raises(SidecarError, match="schema version 0 is not supported"):
        load_sidecar(path)

    def broken(doc: dict) -> dict:
        raise KeyError("status")

    write_doc(path, good_doc())
    monkeypatch.setattr(sc, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(sc, "MIGRATIONS", {1: broken})
    with pytest.raises(SidecarError) as info:
        load_sidecar(path)
    assert_one_line_naming(info.value, path, "cannot upgrade from schema 1")


def test_damaged_file_falls_back_to_backup_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sidecar(path, SidecarState(make_annotation(2, "old"), RecordingStatus.DONE))
    save_sidecar(path, SidecarState(make_annotation(3, "new")))
    path.write_bytes(path.read_bytes()[:100])  # torn by some other program
    with pytest.raises(SidecarError, match="not valid JSON"):
        load_sidecar(path)
    state = load_sidecar(path, fall_back_to_backup=True)
    assert state.recovered_from == backup_path(path)
    assert state.annotation == make_annotation(2, "old") and state.status is RecordingStatus.DONE
    (warning,) = state.warnings
    assert "not valid JSON" in warning and "recovered" in warning and str(path) in warning


def test_missing_main_file_falls_back_to_backup(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sidecar(path, SidecarState(make_annotation(2)))
    save_sidecar(path, SidecarState(make_annotation(3)))
    path.unlink()
    with pytest.raises(SidecarError, match="does not exist"):
        load_sidecar(path)
    assert load_sidecar(path, fall_back_to_backup=True).annotation == make_annotation(2)


def test_bad_backup_reports_the_main_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{broken")
    backup_path(path).write_text("[]")
    with pytest.raises(SidecarError) as info:
        load_sidecar(path, fall_back_to_backup=True)
    assert info.value.path == path and "not valid JSON" in str(info.value)


def test_error_message_is_always_one_line() -> None:
    error = SidecarError("/x/y.json", "first line\nsecond   line")
    assert str(error) == "/x/y.json: first line second line"


def test_saving_refuses_non_json_extra_before_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sidecar(path, SidecarState(make_annotation()))
    before = path.read_bytes()
    with pytest.raises(ValueError):
        save_sidecar(path, SidecarState(make_annotation(), extra={"x": float("nan")}))
    assert path.read_bytes() == before


labels = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=40, deadline=None)
@given(
    slots=st.sets(st.integers(0, 100_000), max_size=15),
    label=labels,
    extra=st.dictionaries(labels, st.one_of(st.none(), st.integers(), labels), max_size=3),
    status=st.sampled_from(RecordingStatus),
)
def test_round_trip_property(tmp_path_factory, slots, label, extra, status) -> None:
    segments = [Segment(k * 0.01, k * 0.01 + 0.005, label) for k in slots]
    annotation = Annotation([Lane("speech", segments), Lane("empty")])
    path = tmp_path_factory.mktemp("p") / "s.json"
    save_sidecar(path, SidecarState(annotation, status, extra))
    loaded = load_sidecar(path)
    assert (loaded.annotation, loaded.status, loaded.extra) == (annotation, status, extra)
