"""Teaching a new lane from a lane a person labelled on recordings marked done (issue 20)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.core import Annotation, Lane, Project, RecordingInfo, RecordingStatus, Segment
from annotator.teach import TeachError, default_output, teach_lane
from tests.tiny_models import tiny_model_file

RATE = 16000


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Six 3 s recordings of tone and hiss; a person's lane ``tone`` marks the tones. Five are
    done, one is still in review (its lane must not be learnt from)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    rng = np.random.default_rng(0)
    t = np.arange(RATE) / RATE
    for i in range(6):
        parts = [0.3 * np.sin(2 * np.pi * (300 + 30 * i) * t), 0.2 * rng.standard_normal(RATE),
                 0.3 * np.sin(2 * np.pi * (310 + 30 * i) * t)]  # fmt: skip
        sf.write(folder / f"rec{i}.wav", np.concatenate(parts).astype(np.float32), RATE)
    project = Project.create(folder)
    for entry in project.rescan():
        info = RecordingInfo(path=str(entry.path), duration=3.0, sample_rate=RATE)
        lanes = [Lane("tone", [Segment(0.0, 1.0, "tone"), Segment(2.0, 3.0, "tone")])]
        status = RecordingStatus.IN_REVIEW if entry.rel_path == "rec5.wav" else RecordingStatus.DONE
        project.save(entry, Annotation(lanes, info), status)
    return project


def test_teach_writes_a_model_whose_new_class_is_the_lane(project: Project, tmp_path: Path) -> None:
    from segmenter.checkpoint import load_model

    model = tiny_model_file(tmp_path)
    before = model.read_bytes()
    seen: list[float] = []
    out = default_output(project, model, "tone")
    result = teach_lane(project, model, "tone", out, progress=lambda f, m="": seen.append(f))
    assert model.read_bytes() == before
    assert out.parent == project.state_dir / "models"
    _, info = load_model(result.output)
    assert info.classes[-1] == "tone" and info.thresholds["tone"].min_on == pytest.approx(0.1)
    assert sorted(result.recordings) == [f"rec{i}.wav" for i in range(5)]  # not the one in review
    assert result.held_out and set(result.held_out) <= set(result.recordings)
    assert result.metrics["classes"]["tone"]["f1"] >= 0.0
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert "taught from 5 recordings marked done" in result.summary()
    assert list((project.state_dir / "activations").rglob("*.npy"))  # H cached for next time


def test_refusals_are_one_line(project: Project, tmp_path: Path) -> None:
    model = tiny_model_file(tmp_path)
    with pytest.raises(TeachError, match="class of the model already"):
        teach_lane(project, model, "speech", tmp_path / "o.safetensors")
    with pytest.raises(TeachError, match="one-word name"):
        teach_lane(project, model, "my lane", tmp_path / "o.safetensors")
    with pytest.raises(TeachError, match="needs recordings marked done"):
        teach_lane(project, model, "laughter", tmp_path / "o.safetensors")
    with pytest.raises(TeachError, match="is the model taught from"):
        teach_lane(project, model, "tone", model)


def test_cancel_stops_before_writing(project: Project, tmp_path: Path) -> None:
    from segmenter.errors import Cancelled

    cancel = threading.Event()
    cancel.set()
    out = tmp_path / "never.safetensors"
    with pytest.raises(Cancelled):
        teach_lane(project, tiny_model_file(tmp_path), "tone", out, cancel=cancel)
    assert not out.exists()


def test_annotator_teach_then_label_writes_the_lane(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.cli import main
    from annotator.formats import read_annotation

    model = tiny_model_file(tmp_path)
    out = tmp_path / "with-tone.safetensors"
    root = str(project.root)
    code = main(["teach", root, "--lane", "tone", "--model", str(model), "--out", str(out),
                 "--quiet"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "lane 'tone' taught from 5 recordings marked done" in printed.out
    code = main(["teach", root, "--lane", "tone", "--model", str(model), "--out", str(out)])
    assert code == 1 and "exists already" in capsys.readouterr().err
    code = main(["teach", root, "--lane", "noise", "--model", str(model), "--out",
                 str(tmp_path / "x.safetensors"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and "class of the model already" in err and len(err.splitlines()) == 1
    labels = tmp_path / "labels"
    code = main(["label", str(project.root / "rec5.wav"), "--out", str(labels), "--model",
                 str(out), "--format", "eaf", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert read_annotation(labels / "rec5.eaf").lane_names[-1] == "tone"


def test_annotator_teach_from_annotation_files_in_any_format(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Recordings outside a project, the lane in TextGrid, ELAN and JSON files beside them."""
    import shutil

    from annotator.cli import main
    from annotator.formats import write_annotation

    audio = tmp_path / "audio"
    labels = tmp_path / "labels"
    audio.mkdir()
    labels.mkdir()
    for i, ext in enumerate((".TextGrid", ".eaf", ".json", ".TextGrid", ".eaf")):
        shutil.copy(project.root / f"rec{i}.wav", audio / f"rec{i}.wav")
        info = RecordingInfo(path=str(audio / f"rec{i}.wav"), duration=3.0, sample_rate=RATE)
        lanes = [Lane("tone", [Segment(0.0, 1.0, "tone"), Segment(2.0, 3.0, "tone")])]
        write_annotation(Annotation(lanes, info), labels / f"rec{i}{ext}")
    shutil.copy(project.root / "rec5.wav", audio / "unlabelled.wav")
    out = tmp_path / "with-tone.safetensors"
    code = main(["teach", str(audio), "--labels", str(labels), "--lane", "tone", "--model",
                 str(tiny_model_file(tmp_path)), "--out", str(out), "--quiet"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "taught from 5 labelled recordings" in printed.out
    assert "1 recording(s) have no labels" in printed.err and "unlabelled" in printed.err
    assert out.is_file()
    bad = labels / "rec9.TextGrid"
    bad.write_text("not a TextGrid")
    code = main(["teach", str(audio), "--labels", str(labels), "--lane", "tone", "--model",
                 str(tiny_model_file(tmp_path)), "--out", str(tmp_path / "x.st"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and str(bad) in err[-1]
