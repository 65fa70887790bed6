"""The keyboard planner on made-up pre-labels: whatever a model draws, the plan reaches the
reference within its tolerance, with the window's own keys only (issue 17)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.core import Annotation, Segment, Source
from annotator.formats.textgrid import read_textgrid
from annotator.gui.shortcuts import BINDINGS
from tests.benchmarks import load_benchmark

kp = load_benchmark("keyboard_plan")
DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
REFERENCE = read_textgrid(DEMO / "demo.TextGrid")


def noisy_prelabel(seed: int, off: float = 0.6) -> Annotation:
    """The reference as a poor model might draw it: boundaries up to ``off`` seconds wrong,
    segments missed, split in two or joined with the next, spurious ones added."""
    rng = random.Random(seed)
    out = Annotation.with_class_lanes()
    for lane in REFERENCE:
        drawn: list[tuple[float, float]] = []
        for s in lane:
            roll = rng.random()
            if roll < 0.15:
                continue  # missed
            a = max(0.0, s.start + rng.uniform(-off, off))
            b = min(92.0, s.end + rng.uniform(-off, off))
            if roll < 0.3 and b - a > 0.4:  # split
                m = (a + b) / 2
                drawn += [(a, m - 0.1), (m + 0.05, b)]
            else:
                drawn.append((a, b))
        for _ in range(rng.randint(0, 4)):
            a = rng.uniform(0, 90)
            drawn.append((a, a + rng.uniform(0.05, 2.0)))  # spurious
        placed: list[tuple[float, float]] = []
        for a, b in sorted(drawn):
            if placed and a < placed[-1][1] + 0.02:  # overlaps: joined with the one before
                placed[-1] = (placed[-1][0], max(b, placed[-1][1]))
            elif b - a > 0.02:
                placed.append((a, b))
        for a, b in placed:
            out.lane(lane.name).add(Segment(a, b, lane.name, 0.5, Source.MODEL))
    return out


def check(plan, tolerance: float) -> None:
    allowed = {k for b in BINDINGS for k in b.keys} - {"Shift+C", "D", "Shift+D"}
    assert set(plan.keys) <= allowed
    for lane in REFERENCE:
        errors = kp.boundary_errors(list(plan.result.lane(lane.name)), list(lane))
        assert max(errors) <= tolerance + 1e-9, lane.name


@pytest.mark.parametrize("seed", range(6))
def test_any_prelabel_is_corrected_within_the_tolerance(seed: int) -> None:
    tolerance = (0.05, 0.02, 0.01)[seed % 3]
    plan = kp.plan(noisy_prelabel(seed), REFERENCE, duration=92.0, lane_pixels=1000.0,
                   tolerance=tolerance, search=False)  # fmt: skip
    check(plan, tolerance)
    assert plan.max_error <= tolerance + 1e-9
    assert sum(s.keys for s in plan.lanes) == len(plan.keys) == len(plan.cursors)


def test_the_search_saves_presses_and_a_fair_prelabel_beats_empty_lanes() -> None:
    """With boundaries within 0.15 s (the shipped model's are mostly closer) keeping model
    segments pays; with the 0.6 s of the test above it does not (a kept segment costs about
    what drawing it does), so that case is not asserted."""
    prelabel = noisy_prelabel(11, off=0.15)
    plain = kp.plan(prelabel, REFERENCE, duration=92.0, tolerance=0.05, search=False)
    searched = kp.plan(prelabel, REFERENCE, duration=92.0, tolerance=0.05)
    empty = kp.plan(Annotation.with_class_lanes(), REFERENCE, duration=92.0, tolerance=0.05)
    check(searched, 0.05)
    check(empty, 0.05)
    assert len(searched.keys) <= len(plain.keys)
    assert len(searched.keys) < len(empty.keys)
    assert all(s.kept == 0 and s.drawn == len(REFERENCE.lane(s.lane)) for s in empty.lanes)


def test_the_planner_refuses_the_reference_keys() -> None:
    editor = kp.Editor(Annotation.with_class_lanes(), 92.0, 0.0, 92.0, "speech", 1000.0)
    for key in ("Shift+C", "D"):
        with pytest.raises(kp.PlanError):
            editor.press(key)
