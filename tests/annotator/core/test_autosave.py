from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.core.annotation import Annotation
from annotator.core.autosave import (
    Autosaver,
    AutosaveThread,
    autosave_path_for,
    discard_recovery,
    find_recoverable,
    load_recovery,
)
from annotator.core.lane import Lane
from annotator.core.project import Project
from annotator.core.segment import Segment
from annotator.core.sidecar import RecordingStatus, SidecarState, load_sidecar, save_sidecar


def annotation(n: int) -> Annotation:
    return Annotation([Lane("speech", (Segment(i, i + 0.5, "sp") for i in range(n)))])


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def test_autosave_path_sits_beside_the_sidecar(tmp_path: Path) -> None:
    assert autosave_path_for(tmp_path / "a.wav.annotation.json") == (
        tmp_path / "a.wav.annotation.json.autosave"
    )


def test_saves_only_when_due(tmp_path: Path) -> None:
    path = tmp_path / "s.json.autosave"
    saver = Autosaver(path, interval_s=30)
    assert not saver.maybe_save(now=1000.0)  # nothing changed
    edited = annotation(2)
    saver.notify_changed(edited, status=RecordingStatus.IN_REVIEW, extra={"k": 1}, now=0.0)
    saver.notify_changed(edited, now=20.0)  # later edits do not push the deadline back
    assert saver.dirty and not saver.maybe_save(now=29.9) and not path.exists()
    assert saver.maybe_save(now=30.0)
    state = load_sidecar(path)
    assert state.annotation == edited and state.extra == {"k": 1}
    assert state.status is RecordingStatus.IN_REVIEW
    assert not saver.dirty and not saver.maybe_save(now=1000.0) and saver.saves == 1


def test_serialises_the_latest_state_at_save_time(tmp_path: Path) -> None:
    path = tmp_path / "s.json.autosave"
    saver = Autosaver(path, interval_s=0)
    edited = annotation(1)
    saver.notify_changed(edited)
    edited.lane("speech").add(Segment(5, 6, "late"))
    assert saver.maybe_save()
    assert len(load_sidecar(path).annotation.lane("speech")) == 2


def test_uses_its_clock_when_no_time_is_given(tmp_path: Path) -> None:
    now = [100.0]
    saver = Autosaver(tmp_path / "s.autosave", interval_s=5, clock=lambda: now[0])
    saver.notify_changed(annotation(1))
    now[0] = 104.0
    assert not saver.due()
    now[0] = 105.0
    assert saver.due() and saver.maybe_save()


def test_flush_and_mark_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.json.autosave"
    saver = Autosaver(path, interval_s=3600)
    assert not saver.flush()
    saver.notify_changed(annotation(3))
    assert saver.flush() and path.exists()
    saver.notify_changed(annotation(4))
    saver.mark_saved()
    assert not path.exists() and not saver.dirty
    saver.mark_saved()  # idempotent


def test_failed_write_is_kept_and_retried(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.write_text("a file blocks the folder")
    saver = Autosaver(folder / "s.json.autosave", interval_s=0)
    saver.notify_changed(annotation(1))
    assert not saver.maybe_save()
    assert saver.dirty and "\n" not in saver.last_error and "s.json.autosave" in saver.last_error
    folder.unlink()
    assert saver.maybe_save() and saver.last_error is None and not saver.dirty


def test_negative_interval_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Autosaver(tmp_path / "x", interval_s=-1)


def test_thread_driver_saves_and_stops(tmp_path: Path) -> None:
    path = tmp_path / "s.json.autosave"
    saver = Autosaver(path, interval_s=0.05)
    driver = AutosaveThread(saver, poll_s=0.01).start()
    try:
        assert driver.running
        with saver.lock:  # edits from another thread are made under the autosaver's lock
            edited = annotation(2)
            saver.notify_changed(edited)
        assert wait_for(path.exists)
        assert load_sidecar(path).annotation == edited
    finally:
        driver.stop(flush=False)
    assert not driver.running
    saves = saver.saves
    saver.notify_changed(annotation(5))
    time.sleep(0.1)
    assert saver.saves == saves  # stopped means stopped


def test_thread_driver_flushes_on_stop_and_shares_a_stop_event(tmp_path: Path) -> None:
    path = tmp_path / "s.json.autosave"
    saver = Autosaver(path, interval_s=3600)
    stop = threading.Event()
    with AutosaveThread(saver, poll_s=0.01, stop_event=stop) as driver:
        saver.notify_changed(annotation(3))
        time.sleep(0.05)
        assert not path.exists()  # not due yet
    assert stop.is_set() and not driver.running
    assert len(load_sidecar(path).annotation.lane("speech")) == 3


@pytest.fixture
def project(tmp_path: Path) -> Project:
    for name in ("a.wav", "b.wav", "c.wav"):
        sf.write(tmp_path / name, np.zeros(16000 * 10, dtype=np.float32), 16000)
    return Project.create(tmp_path)


def test_recovery_lists_only_autosaves_newer_than_their_sidecar(project: Project) -> None:
    a, b, c = project.recordings
    project.save(a, annotation(1))
    project.save(b, annotation(1))
    # a: crashed after an autosave -> recoverable
    saver_a = Autosaver(project.autosave_path(a), interval_s=0)
    saver_a.notify_changed(annotation(5), status=RecordingStatus.DONE)
    assert saver_a.flush()
    # b: an autosave older than the sidecar (saved afterwards by something else) -> stale
    saver_b = Autosaver(project.autosave_path(b), interval_s=0)
    saver_b.notify_changed(annotation(7))
    saver_b.flush()
    save_sidecar(project.sidecar_path(b), SidecarState(annotation(2)))
    # c: never saved, only autosaved -> recoverable
    saver_c = Autosaver(project.autosave_path(c), interval_s=0)
    saver_c.notify_changed(annotation(3))
    saver_c.flush()

    found = {item.entry.rel_path: item for item in find_recoverable(Project.open(project.root))}
    assert sorted(found) == ["a.wav", "c.wav"]
    assert found["c.wav"].sidecar_saved_at is None and found["a.wav"].sidecar_saved_at
    assert found["a.wav"].autosaved_at > found["a.wav"].sidecar_saved_at
    state = load_recovery(found["a.wav"])
    assert state.annotation == annotation(5) and state.status is RecordingStatus.DONE

    project.save(a, state.annotation, state.status)  # accept the recovery
    discard_recovery(found["c.wav"])
    assert find_recoverable(project) == []
    assert project.entry("a.wav").status is RecordingStatus.DONE


def test_recovery_falls_back_to_file_times(project: Project) -> None:
    a = project.recordings[0]
    project.save(a, annotation(1))
    saver = Autosaver(project.autosave_path(a), interval_s=0)
    saver.notify_changed(annotation(2))
    saver.flush()
    sidecar = project.sidecar_path(a)
    text = sidecar.read_text().replace('"saved_at": "', '"saved_at": "not a date ')
    sidecar.write_text(text)
    past = time.time() - 60
    os.utime(sidecar, (past, past))
    assert [r.entry for r in find_recoverable(project)] == [a]


def test_damaged_autosave_is_listed_with_its_problem(project: Project) -> None:
    a = project.recordings[0]
    project.save(a, annotation(1))
    project.autosave_path(a).write_text("{torn")
    (item,) = find_recoverable(project)
    assert "not valid JSON" in item.error and item.autosaved_at is None
    discard_recovery(item)
    assert find_recoverable(project) == []
