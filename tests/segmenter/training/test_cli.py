"""The training CLI and the ``segmenter`` umbrella commands on the synthetic corpus."""

from __future__ import annotations

import json

from segmenter import cli
from segmenter.checkpoint import read_model_info
from segmenter.training import cli as train_cli


def test_train_resume_tune_evaluate_predict(tmp_path, corpus, capsys):
    out = tmp_path / "m.safetensors"
    common = [
        "--train-rttm", str(corpus["train_rttm"]), "--train-audio-dir", str(corpus["train_dir"]),
        "--dev-rttm", str(corpus["dev_rttm"]), "--dev-audio-dir", str(corpus["dev_dir"]),
        "--noise-dir", str(corpus["pools"]), "--out", str(out), "--batch-size", "16",
        "--chunks-per-epoch", "32", "--components", "16", "--n-fft", "512",
        "--win-length", "400", "--dict-iterations", "20",
    ]  # fmt: skip
    assert train_cli.main([*common, "--epochs", "1"]) == 0
    info = read_model_info(out)
    assert info.training["epochs"] == 1 and "summary_f1" in info.metrics["dev"]
    assert set(info.thresholds) == {"sp", "mu", "no", "ov"}
    log = out.with_suffix(".ckpt") / "metrics.jsonl"
    assert cli.main(["train", *common, "--epochs", "2", "--resume"]) == 0
    assert [json.loads(x)["epoch"] for x in log.read_text().splitlines()] == [1, 2]
    assert read_model_info(out).training["epochs"] == 2

    args = [str(out), "--rttm", str(corpus["dev_rttm"]), "--audio-dir", str(corpus["dev_dir"])]
    capsys.readouterr()
    assert cli.main(["tune", *args, "--write"]) == 0
    assert "thresholds written" in capsys.readouterr().out
    assert "tuned" in read_model_info(out).metrics
    assert read_model_info(out).metrics["tuned"]["objective"] == "f1"
    capsys.readouterr()
    assert cli.main(["tune", *args, "--objective", "edits", "--write"]) == 0
    printed = capsys.readouterr().out
    assert "edits/min" in printed and "min on" in printed
    info = read_model_info(out)
    assert info.metrics["tuned"]["objective"] == "edits"
    for cls, row in info.metrics["tuned"]["classes"].items():  # the file holds what was printed
        assert f"{cls}: onset {info.thresholds[cls].onset:.2f}" in printed
        assert f"edits/min {row['edits_per_min']:.2f}" in printed
    assert cli.main(["evaluate", *args]) == 0
    printed = capsys.readouterr().out
    assert "summary F1" in printed and "edits per minute to correct" in printed
    assert "(empty lanes" in printed
    audio = sorted(corpus["dev_dir"].glob("*.wav"))[0]
    assert cli.main(["predict", str(out), str(audio), "--out-dir", str(tmp_path / "pred")]) == 0
    lines = (tmp_path / "pred" / f"{audio.stem}.rttm").read_text().splitlines()
    assert lines and all(line.startswith(f"SPEAKER {audio.stem} 1 ") for line in lines)


def test_cli_errors_are_one_line(tmp_path, capsys):
    code = train_cli.main(
        ["--train-rttm", str(tmp_path / "missing.rttm"), "--train-audio-dir", str(tmp_path),
         "--out", str(tmp_path / "m.safetensors")]
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0 and "missing.rttm: file not found" in err
