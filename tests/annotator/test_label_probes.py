"""``annotator label`` with taught lanes: a model with a probe head, and ``--probe`` files,
carry the new lanes into every output format (issue 20)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.cli import main
from annotator.formats import read_annotation
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))

FORMATS = "textgrid,rttm,eaf,csv,json,audacity"
EXTENSIONS = (".TextGrid", ".rttm", ".eaf", ".csv", ".json", ".txt")


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return tiny_model_file(tmp_path)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        sf.write(root / f"{name}.wav", (0.1 * rng.standard_normal(16000)).astype(np.float32), 16000)
    return root


def _probe(model_path: Path, classes: tuple[str, ...], level: str, bias: list[float]):
    from segmenter.checkpoint import load_model
    from segmenter.probe import LinearProbe
    from segmenter.probe.probe_file import base_description

    model, _ = load_model(model_path)
    K = model.config.n_components
    mode = "multilabel" if level == "frame" else "single"
    return LinearProbe(np.zeros((len(classes), K)), np.array(bias), classes, level=level,
                       mode=mode, base=base_description(model, model_path))  # fmt: skip


def _check_lane_everywhere(out: Path, lane: str, label: str) -> None:
    for ext in EXTENSIONS:
        path = out / f"a{ext}"
        assert path.is_file(), path
        if ext in (".rttm", ".txt"):  # one label column: the lane's segments carry its label
            assert label in path.read_text(encoding="utf-8-sig"), path
            continue
        annotation = read_annotation(path)
        assert lane in annotation.lane_names, (path, annotation.lane_names)
        segments = list(annotation.lane(lane))
        assert segments and segments[0].label == label, (path, segments)
        assert segments[-1].end == pytest.approx(1.0, abs=0.03)


def test_a_model_with_a_probe_head_labels_the_new_lane_in_every_format(
    model: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from segmenter.probe.head import save_with_probe

    head = tmp_path / "with-laugh.safetensors"
    save_with_probe(model, _probe(model, ("laugh",), "frame", [6.0]), head)
    out = tmp_path / "out"
    code = main(["label", str(corpus), "--out", str(out), "--model", str(head),
                 "--format", FORMATS, "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    _check_lane_everywhere(out, "laugh", "laugh")


def test_probe_files_add_frame_and_file_lanes(
    model: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from segmenter.probe.probe_file import save_probe

    frame = save_probe(_probe(model, ("laugh",), "frame", [6.0]), tmp_path / "laugh.probe")
    lang = _probe(model, ("en", "fr"), "file", [-3.0, 3.0])
    lang.training["lane"] = "language"
    language = save_probe(lang, tmp_path / "lang.probe")
    out = tmp_path / "out"
    code = main(["label", str(corpus), "--out", str(out), "--model", str(model),
                 "--probe", str(frame), "--probe", str(language),
                 "--format", FORMATS, "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    _check_lane_everywhere(out, "laugh", "laugh")
    _check_lane_everywhere(out, "language", "fr")
    grid = read_annotation(out / "b.TextGrid")
    assert grid.lane_names[:4] == ("speech", "music", "noise", "overlap")
    assert grid.lane_names[4:] == ("laugh", "language")


def test_a_probe_of_another_model_is_refused_in_one_line(
    model: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from segmenter.probe.probe_file import save_probe

    probe = _probe(model, ("laugh",), "frame", [6.0])
    probe.base["fingerprint"] = "0" * 64
    path = save_probe(probe, tmp_path / "laugh.probe")
    code = main(["label", str(corpus), "--out", str(tmp_path / "out"), "--model", str(model),
                 "--probe", str(path), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert "trained on base model 000000000000" in err and str(path) in err
    assert len(err.splitlines()) == 1
    assert not list((tmp_path / "out").glob("*.TextGrid"))


def test_explain_reads_a_model_with_a_probe_head(
    model: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from segmenter.probe.head import save_with_probe

    head = tmp_path / "with-laugh.safetensors"
    save_with_probe(model, _probe(model, ("laugh",), "frame", [6.0]), head)
    out = tmp_path / "why"
    code = main(["explain", str(corpus / "a.wav"), "--model", str(head), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["classes"])[-1] == "laugh"
    assert summary["logit_check"]["ok"] and summary["logit_check"]["max_abs_error"] < 1e-4


@pytest.mark.parametrize("suffix", [".probe", ".safetensors"])
def test_info_describes_a_probe_file(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    from segmenter.probe.probe_file import save_probe

    probe = _probe(model, ("en", "fr"), "file", [-3.0, 3.0])
    probe.metrics = {"accuracy": 0.75, "uar": 0.7, "n": 40}
    path = save_probe(probe, tmp_path / f"lang{suffix}")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "linear probe on H" in out and "classes      en, fr" in out
    assert f"activation fingerprint {probe.base['fingerprint']}" in out
    assert "accuracy 0.750, UAR 0.700 on 40 examples" in out
    (tmp_path / "bad.probe").write_bytes(b"not a probe")
    assert main(["info", str(tmp_path / "bad.probe")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.probe" in err
