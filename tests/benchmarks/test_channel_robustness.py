"""The channel-robustness benchmark's channels and scoring, on synthetic audio, offline."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from segmenter.checkpoint import load_model
from segmenter.recipes.codec import gsm_available
from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

ood = load_benchmark("out_of_domain")
bench = load_benchmark("channel_robustness")
RATE = 16000


def _voice(seconds: float = 2.0) -> np.ndarray:
    """A buzzy 140 Hz 'voice' with harmonics up to 3 kHz, switched on and off every 0.25 s."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * 140 * h * t) / h for h in range(1, 22))
    gate = (np.floor(t / 0.25) % 2 == 0).astype(float)
    return (0.1 * x * gate).astype(np.float32)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (setup.sh installs it)")
@pytest.mark.parametrize("codec", sorted(bench.FFMPEG_CODECS))
def test_ffmpeg_codecs_keep_length_and_the_voice_but_are_lossy(codec):
    voice = _voice()
    coded = bench.ffmpeg_roundtrip(voice, codec)
    assert coded.shape == voice.shape and coded.dtype == np.float32
    level_db = 10 * np.log10(np.mean(coded.astype(np.float64) ** 2) / np.mean(voice**2.0))
    assert -6.0 < level_db < 3.0, level_db
    assert not np.allclose(coded, voice, atol=1e-3)


def test_floors_sit_the_asked_level_under_the_speech():
    voice = _voice()
    for kind in ("hum", "pink"):
        for below in (30, 40):
            floor = bench.with_floor(voice, kind, below, seed=1).astype(np.float64) - voice
            loud = voice[np.abs(voice) > 0.1 * np.abs(voice).max()]
            measured = 10 * np.log10(np.mean(loud**2.0) / np.mean(floor**2))
            assert measured == pytest.approx(below, abs=0.5)


@pytest.mark.skipif(not gsm_available(), reason="needs libgsm1")
def test_channel_table_and_scores_are_recall_and_shares(tmp_path):
    model = tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov"))
    voice = _voice()
    clip = ood.Clip(ood.SOURCES[0], "x.g722", tmp_path / "x.flac", 2.0, [(0.0, 0.25), (0.5, 0.75)])
    channels = bench.channels()
    assert {"clean", "gsm", "g723", "hum-30dB", "pink-40dB"} <= set(channels)
    assert channels["clean"](voice, 0) is voice
    heard = channels["hum-40dB"](voice, 0)
    row = bench.score_channel(*load_model(model, device="cpu"), [clip], [heard])
    assert set(row) == {"sp_recall", "lab_sp", "lab_mu", "lab_no", "lab_ov"}
    assert all(0.0 <= v <= 1.0 + 1e-9 for v in row.values())
