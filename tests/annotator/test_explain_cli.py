"""``annotator explain``: figures and summary from a real model run; one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.cli import main
from tests.tiny_models import tiny_model_file


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("explain")
    tiny_model_file(folder)
    t = np.arange(3 * 16000) / 16000
    x = 0.01 * np.random.default_rng(0).standard_normal(t.size)
    x[16000:32000] += 0.3 * np.sin(2 * np.pi * 220 * t[16000:32000])
    sf.write(folder / "tone.wav", x.astype(np.float32), 16000)
    return folder / "tone.wav", folder / "tiny.safetensors"


def test_explain_writes_figures_and_summary(setup, tmp_path, capsys) -> None:
    audio, model = setup
    out = tmp_path / "why"
    code = main(["explain", str(audio), "--out", str(out), "--model", str(model),
                 "--classes", "speech,mu", "--quiet"])  # fmt: skip
    assert code == 0
    doc = json.loads((out / "summary.json").read_text())
    assert set(doc["classes"]) == {"sp", "mu"}
    assert doc["logit_check"]["against"] == "logits" and doc["logit_check"]["ok"]
    assert doc["source"]["model"] == str(model)
    for entry in doc["classes"].values():
        assert entry["relevant"] and max(entry["relevance"]) == pytest.approx(1.0)
        assert all(e["relevance"] >= 0.5 for e in entry["relevant"])
        assert (out / entry["figure"]).is_file()
        for e in entry["relevant"]:
            assert (out / e["figure"]).read_bytes()[:4] == b"\x89PNG"
            assert e["description"]
    printed = capsys.readouterr().out
    assert "logit identity check" in printed and "(ok)" in printed


def test_explain_errors_are_one_line(setup, tmp_path) -> None:
    audio, model = setup
    run = [sys.executable, "-m", "annotator", "explain"]
    missing = subprocess.run(
        run + [str(tmp_path / "nope.wav"), "--out", str(tmp_path), "--model", str(model)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"annotator: {tmp_path / 'nope.wav'}: no such recording"
    ]
    bad_class = subprocess.run(
        run + [str(audio), "--out", str(tmp_path / "o"), "--model", str(model),
               "--classes", "laughter", "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad_class.returncode == 1 and len(bad_class.stderr.strip().splitlines()) == 1
    assert "unknown class 'laughter'" in bad_class.stderr
    not_model = tmp_path / "model.safetensors"
    not_model.write_text("hello")
    assert main(["explain", str(audio), "--out", str(tmp_path / "p"), "--model",
                 str(not_model), "--quiet"]) == 1  # fmt: skip
