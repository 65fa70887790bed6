"""Sample rates outside 1 kHz - 768 kHz are refused in one line (issue 19, bug 2).

A 32 KB WAV whose header says 1 Hz used to be resampled x16000 (minutes of work, hours of audio)
and ``info`` called it a normal 16000-s file. ``label``, ``info``, the project scan and the
segmenter's decoder now refuse it alike, naming the file and the rate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator.core.scan import probe_audio
from segmenter import audio as segmenter_audio
from segmenter.errors import AudioError
from tests.robustness._checks import assert_one_error, run_cli, snapshot
from tests.robustness.catalogue import tiny_model

REFUSED = [1, 8, 999, 768_001, 1_000_000]
ACCEPTED = [1000, 768_000]


def wav(path: Path, rate: int, frames: int = 200) -> Path:
    rng = np.random.default_rng(0)
    sf.write(path, (0.1 * rng.standard_normal(frames)).astype(np.float32), rate)
    return path


@pytest.mark.parametrize("rate", REFUSED)
def test_info_refuses_the_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str], rate: int):
    path = wav(tmp_path / "odd.wav", rate)
    line = assert_one_error(run_cli(capsys, "info", path), path, "sample rate")
    assert f"{rate} Hz" in line


@pytest.mark.parametrize("rate", REFUSED)
def test_every_reader_refuses_the_rate(tmp_path: Path, rate: int) -> None:
    from annotator.core import audio_header

    path = wav(tmp_path / "odd.wav", rate)
    with pytest.raises(audio_header.AudioHeaderError, match=rf"odd\.wav: sample rate {rate} Hz"):
        audio_header.read_header(path)
    assert f"sample rate {rate} Hz" in (probe_audio(path).error or "")
    with pytest.raises(AudioError, match=rf"odd\.wav: sample rate {rate} Hz"):
        segmenter_audio.audio_info(path)
    with pytest.raises(AudioError, match=rf"odd\.wav: sample rate {rate} Hz"):
        segmenter_audio.load_audio(path)


@pytest.mark.parametrize("rate", ACCEPTED)
def test_the_bounds_themselves_are_accepted(tmp_path: Path, rate: int) -> None:
    from annotator.core import audio_header

    path = wav(tmp_path / "edge.wav", rate, frames=rate // 100)
    assert audio_header.read_header(path).sample_rate == rate
    assert probe_audio(path).error is None
    assert segmenter_audio.audio_info(path).sample_rate == rate


def test_annotator_and_segmenter_agree_on_the_bounds() -> None:
    """annotator.core may not import the segmenter, so the bounds are written twice."""
    from annotator.core import audio_header

    assert (audio_header.MIN_SAMPLE_RATE, audio_header.MAX_SAMPLE_RATE) == (
        segmenter_audio.MIN_SAMPLE_RATE,
        segmenter_audio.MAX_SAMPLE_RATE,
    )


def test_label_refuses_a_1_hz_file_before_the_model_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    odd = wav(corpus / "one-hz.wav", 1, frames=400)
    wav(corpus / "fine.wav", 16000, frames=8000)
    model = tiny_model(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    before = snapshot(corpus)
    outcome = run_cli(capsys, "label", corpus, "--out", out, "--model", model, "--quiet")
    line = assert_one_error(outcome, odd, "sample rate 1 Hz", code=1)
    assert "1000" in line and "768000" in line
    assert sorted(p.name for p in out.iterdir()) == ["fine.TextGrid"]
    assert snapshot(corpus) == before
