"""The real-meeting benchmark: quiet stretches, the room tone built from them, and its table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from segmenter.training.data import Recording
from tests.benchmarks import load_benchmark
from tests.tiny_models import tiny_model_file

bench = load_benchmark("real_meetings")


def _recording(turns, duration=10.0, audio=None) -> Recording:
    return Recording(
        uri="r", path=Path("r"), duration=duration, spans={"sp": turns},
        annotated=("sp", "ov"), audio=audio,
    )  # fmt: skip


def test_quiet_stretches_keep_clear_of_every_turn() -> None:
    quiet = bench.quiet_stretches(_recording([(2.0, 3.0), (3.2, 4.0), (8.5, 9.0)]))
    # 0–1.5 (before the first turn, less the margin), 4.5–8.0; 9.5–10 is under 1 s
    assert quiet == [(0.0, 1.5), (4.5, 8.0)]
    assert bench.quiet_stretches(_recording([(0.0, 10.0)])) == []


def test_room_tone_is_the_quiet_audio_only_and_as_long_as_asked() -> None:
    rate = bench.RATE
    audio = np.zeros(10 * rate, dtype=np.float32)
    audio[int(1.5 * rate) : int(4.5 * rate)] = 1.0  # "speech" around the turn 2–4 s
    audio[int(4.5 * rate) :] = 0.01
    tone = bench.room_tone([_recording([(2.0, 4.0)], audio=audio)], seconds=12.0)
    assert tone.size == 12 * rate
    assert np.max(np.abs(tone)) <= 0.01 + 1e-6  # the loud talk never gets in
    with pytest.raises(ValueError, match="no quiet stretch"):
        bench.room_tone([_recording([(0.0, 10.0)], audio=audio)])


def test_a_model_gets_every_figure_and_the_table_prints(tmp_path: Path) -> None:
    ami = Path(bench.DEFAULT_AMI)
    if not (ami / "dev.rttm").is_file():
        pytest.skip(f"{ami} not present")
    run = bench.model_system(tiny_model_file(tmp_path, threshold_classes=("sp", "mu", "no", "ov")))
    result = bench.check_model(run, ami)
    assert len(result["music_seconds"]) == 12
    assert all(0.0 <= s <= 30.0 for s in result["music_seconds"].values())
    assert set(result["room_tone_seconds"]) == {"sp", "mu", "no", "ov"}
    assert set(result["dev_room_tone_seconds"]) == {"sp", "mu", "no", "ov"}
    assert 0.0 <= result["dev"]["classes"]["sp"]["f1"] <= 1.0
    text = bench.format_results({"tiny": result})
    assert "tiny" in text and "room tone" in text and "/12" in text
