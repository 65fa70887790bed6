"""The learning-from-corrections benchmark: its project is corrected as the editor saves one,
and a run prints every figure of the table (on a tiny model and a tiny fake AMI folder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

bench = load_benchmark("finetune_from_corrections")
RATE = 16000


def fake_ami(folder: Path) -> Path:
    """Two train clips and one dev clip of 8 s, speaker turns overlapping in each."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split, uris in (("train", ("trn00", "trn01")), ("dev", ("dev00",))):
        lines = []
        for uri in uris:
            sf.write(folder / f"{uri}.flac", 0.1 * rng.standard_normal(8 * RATE), RATE)
            for speaker, (onset, duration) in (("A", (0.5, 3.0)), ("B", (3.0, 2.0))):
                lines.append(
                    f"SPEAKER {uri} 1 {onset:.3f} {duration:.3f} <NA> <NA> {speaker} <NA> <NA>"
                )
        (folder / f"{split}.rttm").write_text("\n".join(lines) + "\n")
        (folder / f"{split}.uem").write_text("".join(f"{u} 1 0.000 8.000\n" for u in uris))
    return folder


def test_the_project_is_corrected_as_the_editor_saves_it(tmp_path: Path) -> None:
    from annotator.core import RecordingStatus, Source, load_sidecar

    ami = fake_ami(tmp_path / "ami")
    train = bench.ami_set(ami, "train")
    project = bench.build_project(tmp_path / "p", train, done=("trn01",))
    status = {e.rel_path: e.status for e in project.recordings}
    assert status == {"trn00.flac": RecordingStatus.NEW, "trn01.flac": RecordingStatus.DONE}
    entry = project.entry("trn01.flac")
    annotation = load_sidecar(project.sidecar_path(entry)).annotation
    speech = [(s.start, s.end) for s in annotation.lane("speech")]
    assert speech == [(0.5, 5.0)]  # the union of the turns
    assert [(s.start, s.end) for s in annotation.lane("overlap")] == [(3.0, 3.5)]
    assert all(s.source is Source.HUMAN for s in annotation.lane("speech"))
    assert len(annotation.lane("music")) == len(annotation.lane("noise")) == 0


def test_a_run_gives_every_figure_of_the_table(tmp_path: Path) -> None:
    ami = fake_ami(tmp_path / "ami")
    model = tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov"))
    variant = bench.Variant("tiny", {"steps": 5, "held_out": 0.0, "allow_forgetting": True})
    rows = bench.run(model, ami, [variant])
    assert [r["model"] for r in rows] == ["starting model", "tiny"]
    for r in rows:
        assert 0.0 <= r["dev_sp"] <= 1.0 and 0.0 <= r["dev_ov"] <= 1.0
        assert r["dev_ov_true_s"] == 0.5 and set(r["demo"]) == {"sp", "mu", "no"}
    table = bench.format_table(rows)
    assert table.count("\n") == 3 and f"| {rows[1]['dev_sp']:.3f} |" in table
