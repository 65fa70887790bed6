"""The energy detector that labels clean prompts: pauses are not speech, short gaps are bridged."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.recipes.activity import SPEECH, ActivityParams, activity, frame_activity, runs

RATE = 16000


def prompt(spans: list[tuple[float, float]], seconds: float, seed: int = 0) -> np.ndarray:
    """Noise bursts (a stand-in for words) over a faint floor, at the given spans."""
    rng = np.random.default_rng(seed)
    x = 1e-5 * rng.standard_normal(int(seconds * RATE))
    for a, b in spans:
        i, j = int(a * RATE), int(b * RATE)
        x[i:j] += 0.2 * rng.standard_normal(j - i)
    return x.astype(np.float32)


def seconds(mask: np.ndarray) -> list[tuple[float, float]]:
    return [(a / RATE, b / RATE) for a, b in runs(mask)]


def test_pauses_inside_a_prompt_are_not_speech() -> None:
    spans = [(0.30, 0.80), (1.10, 1.70), (2.00, 2.40)]
    found = seconds(activity(prompt(spans, 2.7)))
    assert len(found) == 3
    for (a, b), (fa, fb) in zip(spans, found, strict=True):
        assert fa == pytest.approx(a, abs=0.021) and fb == pytest.approx(b, abs=0.021)


def test_short_gaps_are_bridged_and_lone_clicks_dropped() -> None:
    x = prompt([(0.2, 0.6), (0.66, 1.0), (1.5, 1.52)], 2.0)  # 60 ms closure, 20 ms click
    found = seconds(activity(x, SPEECH))
    assert len(found) == 1
    assert found[0][0] == pytest.approx(0.2, abs=0.021)
    assert found[0][1] == pytest.approx(1.0, abs=0.021)


def test_hysteresis_keeps_a_fading_tail() -> None:
    x = prompt([(0.2, 0.6)], 1.5)
    tail = np.arange(int(0.6 * RATE), int(0.8 * RATE))
    x[tail] += 0.2 * 10 ** (-35 / 20) * np.random.default_rng(1).standard_normal(tail.size)
    # 35 dB down: below the switch-on level (30 dB down) but above switch-off (40 dB down)
    found = seconds(activity(x))
    assert found[0][1] == pytest.approx(0.8, abs=0.021)
    strict = ActivityParams(on_below_ref_db=30, off_below_ref_db=30)
    assert seconds(activity(x, strict))[0][1] == pytest.approx(0.6, abs=0.021)


def test_silence_and_empty_input_are_inactive() -> None:
    assert not activity(np.zeros(RATE, dtype=np.float32)).any()
    assert frame_activity(np.zeros(0, dtype=np.float32)).size == 0


def test_mask_has_the_length_of_the_audio() -> None:
    x = prompt([(0.1, 0.3)], 0.517)
    assert activity(x).shape == x.shape
