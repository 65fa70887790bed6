from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.core import project as project_module
from annotator.core.annotation import CLASS_LANES, Annotation
from annotator.core.atomic import SaveError, atomic_write_text
from annotator.core.project import Project
from annotator.core.project_file import STATE_DIR_NAME, ProjectError, remove_stale_temp_files
from annotator.core.scan import ScanCache, audio_extensions, file_stamp
from annotator.core.segment import Segment
from annotator.core.sidecar import RecordingStatus, SidecarError, backup_path, load_sidecar


def tone(seconds: float, rate: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.1 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub" / "deeper").mkdir(parents=True)
    sf.write(root / "a.wav", tone(1.0, 16000), 16000)
    sf.write(root / "sub" / "b.flac", tone(0.5, 8000), 8000)
    sf.write(root / "sub" / "deeper" / "C.WAV", tone(0.25, 22050), 22050)
    (root / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    (root / "notes.txt").write_text("not audio")
    (root / "a.TextGrid").write_text("not audio either")
    sf.write(root / ".hidden.wav", tone(0.1, 8000), 8000)
    (root / ".git").mkdir()
    sf.write(root / ".git" / "x.wav", tone(0.1, 8000), 8000)
    return root


def labelled(project: Project, rel: str, n: int) -> Annotation:
    annotation = Annotation.with_class_lanes(project.recording_info(project.entry(rel)))
    for i in range(n):
        annotation.lane("speech").add(Segment(i * 0.1, i * 0.1 + 0.05, "sp"))
    return annotation


def test_supported_extensions_follow_libsndfile() -> None:
    extensions = audio_extensions()
    assert {".wav", ".flac", ".ogg", ".aiff", ".aif"} <= extensions
    assert ".txt" not in extensions and ".m4a" not in extensions


def test_scan_lists_audio_with_facts_and_survives_broken_files(corpus: Path) -> None:
    project = Project.create(corpus)
    rels = [e.rel_path for e in project.recordings]
    assert rels == ["a.wav", "broken.wav", "sub/b.flac", "sub/deeper/C.WAV"]
    a, broken, b, c = project.recordings
    assert (a.duration, a.sample_rate, a.status, a.n_segments) == (
        1.0,
        16000,
        RecordingStatus.NEW,
        0,
    )
    assert (b.duration, b.sample_rate) == (0.5, 8000)
    assert c.sample_rate == 22050 and c.duration == pytest.approx(0.25, abs=1e-4)
    assert a.error is None and a.path == corpus / "a.wav"
    assert broken.duration is None and broken.status is RecordingStatus.NEW
    assert broken.error.startswith("cannot read audio") and "\n" not in broken.error


def test_create_open_and_refusals(corpus: Path, tmp_path: Path) -> None:
    Project.create(corpus, settings={"lanes": ["speech"]})
    assert (corpus / STATE_DIR_NAME / "project.json").is_file()
    with pytest.raises(ProjectError, match="a project exists here already"):
        Project.create(corpus)
    reopened = Project.open(corpus)
    assert reopened.settings == {"lanes": ["speech"]}
    assert Project.open(corpus / STATE_DIR_NAME).root == corpus.resolve()
    assert Project.open_or_create(corpus).root == corpus.resolve()

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ProjectError, match="no nmf-annotator project"):
        Project.open(empty)
    assert Project.open_or_create(empty).recordings == []
    with pytest.raises(ProjectError, match="not a folder"):
        Project.create(tmp_path / "nope")


def test_foreign_project_json_in_a_corpus_is_not_ours(corpus: Path) -> None:
    (corpus / "project.json").write_text('{"name": "someone else\'s metadata"}')
    with pytest.raises(ProjectError, match="no nmf-annotator project"):
        Project.open(corpus)
    project = Project.open_or_create(corpus)
    assert project.state_dir == corpus.resolve() / STATE_DIR_NAME


def test_settings_persist(corpus: Path) -> None:
    project = Project.create(corpus)
    project.settings["interval"] = 30
    project.save_settings()
    assert Project.open(corpus).settings == {"interval": 30}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{oops", "not valid JSON"),
        ('{"format": "other"}', "not an nmf-annotator project"),
        ('{"format": "nmf-annotator-project", "schema_version": 99}', "written by a newer version"),
        ('{"format": "nmf-annotator-project", "schema_version": 1, "settings": 3}', "settings"),
    ],
)
def test_bad_project_file_is_one_line_error(corpus: Path, content: str, words: str) -> None:
    Project.create(corpus)
    path = corpus / STATE_DIR_NAME / "project.json"
    path.write_text(content)
    with pytest.raises(ProjectError) as info:
        Project.open(corpus)
    assert words in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_fresh_load_has_class_lanes_and_recording_info(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("sub/b.flac")
    annotation = project.load(entry)
    assert annotation.lane_names == CLASS_LANES
    assert all(len(lane) == 0 for lane in annotation)
    info = annotation.recording
    assert (info.path, info.duration, info.sample_rate) == ("sub/b.flac", 0.5, 8000)
    assert info.checksum.startswith("sha256:")
    assert not project.sidecar_path(entry).exists()  # loading writes nothing


def test_save_and_reload_persist_labels_status_and_counts(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("sub/b.flac")
    annotation = labelled(project, "sub/b.flac", 3)
    project.save(entry, annotation)
    assert entry.status is RecordingStatus.IN_REVIEW  # a NEW recording someone worked on
    assert entry.n_segments == 3
    assert project.sidecar_path(entry) == corpus / STATE_DIR_NAME / "sub" / "b.flac.annotation.json"
    assert not (corpus / "sub" / "b.flac.annotation.json").exists()  # corpus folder untouched

    reopened = Project.open(corpus)
    again = reopened.entry("sub/b.flac")
    assert (again.status, again.n_segments) == (RecordingStatus.IN_REVIEW, 3)
    assert reopened.load(again) == annotation
    assert again.warning is None


def test_status_transitions_are_persisted(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    project.save(entry, labelled(project, "a.wav", 2), RecordingStatus.PRELABELLED)
    path = "a.wav"
    for status in (
        RecordingStatus.IN_REVIEW,
        RecordingStatus.DONE,
        RecordingStatus.IN_REVIEW,
        "done",
        RecordingStatus.NEW,
    ):
        project.set_status(project.entry(path), status)
        reopened = Project.open(corpus)
        assert reopened.entry(path).status is RecordingStatus(status)
        assert reopened.entry(path).n_segments == 2  # labels kept through status changes
        assert len(reopened.load(reopened.entry(path)).lane("speech")) == 2
        project = reopened
    # a save without a status keeps the one it has (even DONE)
    project.set_status(project.entry(path), RecordingStatus.DONE)
    project.save(project.entry(path), project.load(project.entry(path)))
    assert Project.open(corpus).entry(path).status is RecordingStatus.DONE


def test_set_status_without_sidecar_creates_one(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    project.set_status(entry, RecordingStatus.DONE)
    assert load_sidecar(project.sidecar_path(entry)).status is RecordingStatus.DONE


def test_extra_survives_saves_that_do_not_mention_it(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    project.save(entry, project.load(entry), extra={"view": [0, 1]})
    reopened = Project.open(corpus)
    e = reopened.entry("a.wav")
    reopened.save(e, reopened.load(e))
    assert load_sidecar(reopened.sidecar_path(e)).extra == {"view": [0, 1]}


def test_changed_recording_warns_but_keeps_labels(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    annotation = labelled(project, "a.wav", 4)
    project.save(entry, annotation)
    sf.write(corpus / "a.wav", tone(1.0, 16000, freq=220.0), 16000)  # same length, new audio
    reopened = Project.open(corpus)
    again = reopened.entry("a.wav")
    assert reopened.load(again) == annotation
    assert "recording has changed" in again.warning and str(again.path) in again.warning
    # accepting the new recording: take its info, save, and the warning is gone
    fixed = reopened.load(again)
    fixed.recording = reopened.recording_info(again)
    reopened.save(again, fixed)
    reopened.load(again)
    assert again.warning is None


def test_damaged_sidecar_is_reported_and_recoverable_from_backup(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    first = labelled(project, "a.wav", 1)
    project.save(entry, first, RecordingStatus.DONE)
    project.save(entry, labelled(project, "a.wav", 2))
    project.sidecar_path(entry).write_text("{ damaged")

    reopened = Project.open(corpus)  # opening never fails on one bad sidecar
    bad = reopened.entry("a.wav")
    assert "not valid JSON" in bad.error and bad.status is RecordingStatus.NEW
    with pytest.raises(SidecarError):
        reopened.load(bad)
    recovered = reopened.load(bad, fall_back_to_backup=True)
    assert recovered == first  # .bak holds the version before the last save
    assert bad.status is RecordingStatus.DONE
    assert "recovered" in bad.warning and bad.error is None


def test_scan_cache_avoids_rereading_headers(corpus: Path, monkeypatch) -> None:
    project = Project.create(corpus)
    project.save(project.entry("a.wav"), labelled(project, "a.wav", 2))
    project.close()  # the cache is written on close, not on every save
    calls: list[Path] = []
    real_probe, real_load = project_module.probe_audio, project_module.load_sidecar
    monkeypatch.setattr(project_module, "probe_audio", lambda p: calls.append(p) or real_probe(p))
    monkeypatch.setattr(
        project_module, "load_sidecar", lambda p, **k: calls.append(p) or real_load(p, **k)
    )
    reopened = Project.open(corpus)
    assert calls == []
    assert reopened.entry("a.wav").n_segments == 2 and reopened.entry("sub/b.flac").duration == 0.5

    sf.write(corpus / "sub" / "b.flac", tone(0.75, 8000), 8000)  # changed file: read again
    reopened = Project.open(corpus)
    assert calls == [corpus / "sub" / "b.flac"]
    assert reopened.entry("sub/b.flac").duration == 0.75


def test_damaged_cache_is_rebuilt(corpus: Path) -> None:
    Project.create(corpus)
    (corpus / STATE_DIR_NAME / "index.json").write_text("garbage")
    assert Project.open(corpus).entry("a.wav").duration == 1.0
    doc = json.loads((corpus / STATE_DIR_NAME / "index.json").read_text())
    assert doc["format"] == "nmf-annotator-index"


def test_rescan_sees_new_and_removed_files(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    sf.write(corpus / "new.ogg", tone(0.2, 16000), 16000)
    (corpus / "sub" / "b.flac").unlink()
    project.rescan()
    assert [e.rel_path for e in project.recordings] == [
        "a.wav",
        "broken.wav",
        "new.ogg",
        "sub/deeper/C.WAV",
    ]
    assert project.entry("a.wav") is entry  # the GUI's references stay valid
    with pytest.raises(ProjectError, match="not a recording"):
        project.entry("sub/b.flac")


def test_orphan_sidecars_are_listed(corpus: Path) -> None:
    project = Project.create(corpus)
    project.save(project.entry("sub/b.flac"), labelled(project, "sub/b.flac", 1))
    (corpus / "sub" / "b.flac").rename(corpus / "sub" / "moved.flac")
    project.rescan()
    assert project.orphan_sidecars() == [corpus / STATE_DIR_NAME / "sub" / "b.flac.annotation.json"]


def test_project_folder_outside_a_read_only_corpus(corpus: Path, tmp_path: Path) -> None:
    state = tmp_path / "work"
    project = Project.create(corpus, state_dir=state)
    assert not (corpus / STATE_DIR_NAME).exists()
    project.save(project.entry("a.wav"), labelled(project, "a.wav", 1), RecordingStatus.DONE)
    assert (state / "a.wav.annotation.json").is_file()
    reopened = Project.open(state)
    assert reopened.root == corpus.resolve()
    assert reopened.entry("a.wav").status is RecordingStatus.DONE
    with pytest.raises(ProjectError, match="no nmf-annotator project"):
        Project.open(corpus)
    # a project folder inside the corpus is not scanned for recordings
    inner = Project.create(corpus / "sub", state_dir=corpus / "sub" / "deeper")
    assert [e.rel_path for e in inner.recordings] == ["b.flac"]


def test_unwritable_project_folder_is_one_line_error(corpus: Path) -> None:
    (corpus / STATE_DIR_NAME).write_text("a file where the project folder should go")
    with pytest.raises(ProjectError) as info:
        Project.create(corpus)
    assert "\n" not in str(info.value) and STATE_DIR_NAME in str(info.value)


def test_save_into_blocked_folder_raises_and_keeps_state(corpus: Path) -> None:
    project = Project.create(corpus)
    (corpus / STATE_DIR_NAME / "sub").write_text("blocks the sidecar folder")
    entry = project.entry("sub/b.flac")
    with pytest.raises(SaveError) as info:
        project.save(entry, labelled(project, "sub/b.flac", 1), RecordingStatus.DONE)
    assert "\n" not in str(info.value) and "b.flac.annotation.json" in str(info.value)
    assert entry.status is RecordingStatus.NEW and entry.n_segments == 0


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores chmod")
def test_read_only_project_folder(corpus: Path) -> None:
    project = Project.create(corpus)
    state = corpus / STATE_DIR_NAME
    state.chmod(0o555)
    try:
        with pytest.raises(SaveError):
            project.save(project.entry("a.wav"), labelled(project, "a.wav", 1))
        assert Project.open(corpus).entry("a.wav").status is RecordingStatus.NEW
    finally:
        state.chmod(0o755)


def test_stale_temp_files_are_cleaned_young_ones_kept(corpus: Path) -> None:
    project = Project.create(corpus)
    state = project.state_dir
    old = state / ".a.wav.annotation.json.x1.tmp"
    young = state / ".a.wav.annotation.json.x2.tmp"
    old.write_text("{partial")
    young.write_text("{partial")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    Project.open(corpus)
    assert not old.exists() and young.exists()
    assert remove_stale_temp_files(state, max_age_s=0) == [young]


def test_save_removes_autosave_and_keeps_backup(corpus: Path) -> None:
    project = Project.create(corpus)
    entry = project.entry("a.wav")
    project.save(entry, labelled(project, "a.wav", 1))
    project.autosave_path(entry).write_text("{}")
    project.save(entry, labelled(project, "a.wav", 2))
    assert not project.autosave_path(entry).exists()
    assert (
        len(load_sidecar(backup_path(project.sidecar_path(entry))).annotation.lane("speech")) == 1
    )


def test_cache_notices_a_same_size_rewrite_within_one_timestamp_tick(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    atomic_write_text(target, '{"status": "done"}')
    cache = ScanCache(tmp_path / "index.json")
    cache.put("s", "sidecar", file_stamp(target), status="done")
    assert cache.get("s", "sidecar", file_stamp(target)) == {
        "stamp": list(file_stamp(target)),
        "status": "done",
    }
    mtime = target.stat().st_mtime_ns
    atomic_write_text(target, '{"status": "news"}')  # same size
    os.utime(target, ns=(mtime, mtime))  # and same time, as on a coarse filesystem
    assert cache.get("s", "sidecar", file_stamp(target)) is None
