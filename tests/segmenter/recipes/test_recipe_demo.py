"""The demo's label writers, and the shipped demo files agree with each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from praatio import textgrid

from segmenter.recipes.demo import build_demo, lane_segments, write_rttm, write_textgrid

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "resources" / "demo"
CACHE = ROOT / "cache"
LANES = ("speech", "music", "noise", "overlap")


def rttm_segments(path: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {lane: [] for lane in LANES}
    for line in path.read_text().splitlines():
        f = line.split()
        assert len(f) == 10 and f[0] == "SPEAKER" and f[1] == "demo"
        onset, dur = float(f[3]), float(f[4])
        out[f[7]].append((onset, round(onset + dur, 3)))
    return {lane: sorted(segs) for lane, segs in out.items()}


def grid_segments(path: Path) -> dict[str, list[tuple[float, float]]]:
    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=True)
    assert grid.tierNames == LANES
    out = {}
    for lane in LANES:
        tier = grid.getTier(lane)
        assert tier.entries[0].start == 0 and tier.entries[-1].end == grid.maxTimestamp
        assert all(a.end == b.start for a, b in zip(tier.entries, tier.entries[1:], strict=False))
        assert {e.label for e in tier.entries} <= {"", lane}
        out[lane] = [(e.start, e.end) for e in tier.entries if e.label]
    return out


def test_lane_segments_are_millisecond_runs() -> None:
    mask = np.zeros(16000, dtype=bool)
    mask[1600:3200] = True
    mask[3205:4000] = True  # 0.3 ms gap: merged once rounded to ms
    mask[8000:8001] = True
    segs = lane_segments(mask)
    assert segs[0] == (0.1, 0.25) and len(segs) == 1  # the 1-sample run rounds to nothing


def test_writers_round_trip(tmp_path) -> None:
    segs = {
        "speech": [(0.5, 1.25), (2.0, 3.0)],
        "music": [(0.0, 4.0)],
        "noise": [],
        "overlap": [(2.5, 2.75)],
    }
    write_rttm(tmp_path / "d.rttm", segs)
    write_textgrid(tmp_path / "d.TextGrid", segs, 4.0)
    assert rttm_segments(tmp_path / "d.rttm") == segs
    assert grid_segments(tmp_path / "d.TextGrid") == segs


@pytest.mark.skipif(not (DEMO / "demo.flac").exists(), reason="demo not built")
def test_shipped_demo_is_consistent() -> None:
    info = sf.info(DEMO / "demo.flac")
    assert info.samplerate == 16000 and info.channels == 1
    assert 80 <= info.duration <= 100
    from_rttm, from_grid = rttm_segments(DEMO / "demo.rttm"), grid_segments(DEMO / "demo.TextGrid")
    assert from_rttm == from_grid
    assert all(from_rttm[lane] for lane in LANES)
    speech = from_rttm["speech"]
    for a, b in from_rttm["overlap"]:  # overlap only inside speech
        assert any(s <= a and b <= e for s, e in speech)
    attribution = (DEMO / "ATTRIBUTION.md").read_text()
    assert "CC BY-SA 3.0" in attribution and "AMI" in attribution


@pytest.mark.slow
@pytest.mark.skipif(not (CACHE / "split.json").exists(), reason="recipe cache not fetched")
def test_demo_rebuild_is_reproducible(tmp_path) -> None:
    build_demo(CACHE, tmp_path)
    for name in ("demo.rttm", "demo.TextGrid", "ATTRIBUTION.md"):
        assert (tmp_path / name).read_text() == (DEMO / name).read_text()
    a, _ = sf.read(tmp_path / "demo.flac")
    b, _ = sf.read(DEMO / "demo.flac")
    assert np.array_equal(a, b)
