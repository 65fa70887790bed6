"""Teach a new lane from this lane, in the editor: background job, cancel, then the lane is
pre-labelled with a posterior, a threshold and a "why" like the four classes (issue 20)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from annotator.core import Annotation, Lane, RecordingStatus, Segment, Source
from tests.annotator.gui.conftest import write_wav
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[3]
if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))


@pytest.fixture
def project_folder(tmp_path: Path) -> Path:
    from annotator.core.project import Project

    folder = tmp_path / "project"
    folder.mkdir()
    for i in range(4):
        write_wav(folder / f"r{i}.wav", 4.0, seed=20 + i)
    write_wav(folder / "todo.wav", 4.0, seed=30)  # not labelled yet: pre-label all reaches it
    project = Project.create(folder)
    for entry in project.recordings:
        if entry.rel_path == "todo.wav":
            continue
        lanes = [Lane(name) for name in ("speech", "music", "noise", "overlap")]
        lanes.append(Lane("tone", [Segment(0.0, 2.5, "tone", None, Source.HUMAN)]))
        project.save(entry, Annotation(lanes), RecordingStatus.DONE)
    project.close()
    return folder


def test_teach_a_lane_then_it_is_prelabelled_and_explained(
    make_window, qtbot, tmp_path: Path, project_folder: Path
) -> None:
    from annotator.review.why import why_label

    model = tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov"))
    w = make_window()
    assert w.open_folder(project_folder)
    w.settings.setValue("prelabel/nmf/model", str(model))
    w.controller.current_lane = "tone"
    w.actions["teach_lane"].trigger()
    dialog = w.explain.teach
    assert dialog.isVisible() and dialog.lane.currentText() == "tone"
    assert [dialog.lane.itemText(i) for i in range(dialog.lane.count())] == ["tone"]
    out = Path(dialog.output.text())
    assert out.parent == w.project.state_dir / "models"
    assert dialog.start()
    assert dialog.running and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5000)
    assert out.exists() and "taught from 4 recordings marked done" in dialog.status.text()
    assert dialog.use_button.isEnabled()
    dialog.use_button.click()
    assert w.settings.value("prelabel/nmf/model") == str(out)
    qtbot.waitUntil(lambda: not w.prelabel.running, timeout=60000)
    qtbot.wait(10)
    assert w.prelabel.job.outcome == "done", w.prelabel.job.outcome
    evidence = w.document.evidence
    assert evidence.lanes[-1] == "tone" and evidence.posteriors.shape[0] == 5
    assert "tone" in w.document.annotation.lane_names
    why = why_label(evidence, "tone", 0.0, 2.0)
    parts = math.fsum(c.contribution for c in why.components) + why.rest + why.bias
    assert parts == pytest.approx(why.logit, abs=1e-6)
    assert why.posterior_error < 1e-4
    # and on every recording not marked done, in the background
    assert dialog.use_all_button.isEnabled()
    dialog.use_all_button.click()
    qtbot.waitUntil(lambda: not w.prelabel.running, timeout=60000)
    qtbot.wait(10)
    todo = next(e for e in w.project.recordings if e.rel_path == "todo.wav")
    assert w.project.load(todo).lane_names[-1] == "tone"
    dialog.close()


def test_cancel_writes_nothing(make_window, qtbot, tmp_path: Path, project_folder: Path) -> None:
    model = tiny_model_file(tmp_path)
    w = make_window()
    assert w.open_folder(project_folder)
    w.settings.setValue("prelabel/nmf/model", str(model))
    dialog = w.explain.open_teach()
    assert dialog.start()
    # cancel from the job's first progress report: the job is surely under way then, and the
    # signal reaches the dialog on the GUI thread while the worker goes on
    dialog.job.progress.connect(lambda _f, _m: dialog.cancel())
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    # the job's end reaches the dialog as a queued signal, a moment after the worker stops
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Cancelled"), timeout=5000)
    assert dialog.result is None
    assert not Path(dialog.output.text()).exists()
    assert dialog.start_button.isEnabled() and not dialog.use_button.isEnabled()
    dialog.close()
