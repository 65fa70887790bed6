"""Acceptance against the real Praat binary: it reads what we write, we read what it writes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.formats import read_textgrid, write_textgrid

PRAAT = shutil.which("praat")
DATA = Path(__file__).parent / "data"
pytestmark = [
    pytest.mark.praat,
    pytest.mark.skipif(PRAAT is None, reason="Praat is not installed (no `praat` on PATH)"),
]


def run_praat(script: str, *args: str) -> str:
    # `--run` executes a script without the GUI; `--no-pref-files` keeps it from reading or
    # writing the user's preferences, so the test does not depend on (or change) them.
    done = subprocess.run(
        [PRAAT, "--run", "--no-pref-files", str(DATA / script), *args],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8")


def praat_view(path: Path) -> dict:
    """Praat's reading of a TextGrid: domain and, per tier, class, name and entries."""
    tiers: list[dict] = []
    domain = None
    for line in run_praat("dump_textgrid.praat", str(path)).splitlines():
        kind, *fields = line.split("\t")
        if kind == "tiers":
            domain = (float(fields[1]), float(fields[2]))
        elif kind == "tier":
            tiers.append(
                {"class": fields[0], "name": fields[1], "count": int(fields[2]), "entries": []}
            )
        elif kind == "interval":
            tiers[-1]["entries"].append((float(fields[0]), float(fields[1]), fields[2]))
        elif kind == "point":
            tiers[-1]["entries"].append((float(fields[0]), fields[1]))
    return {"domain": domain, "tiers": tiers}


def sample() -> Annotation:
    annotation = Annotation(
        [
            Lane(
                "speech",
                [
                    Segment(0.0, 0.5, "a"),
                    Segment(0.5, 1.25, 'say "hi"'),
                    Segment(2.0, 3.0, "é ʃ中"),
                ],
            ),
            Lane("music", [Segment(1.0, 3.0, "song")]),
            Lane("noise"),
            Lane("overlap", [Segment(2.999, 3.0, " x ")]),
        ],
        recording=RecordingInfo(path="rec.wav", duration=3.0),
    )
    annotation.passthrough.append(
        {"format": "textgrid", "position": 1, "class": "TextTier", "name": "tones",
         "xmin": 0.0, "xmax": 3.0, "entries": [[0.25, "H*"], [2.5, "L%"]]}
    )  # fmt: skip
    return annotation


@pytest.mark.parametrize("layout", ["long", "short"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_praat_reads_what_we_write(tmp_path, layout, encoding):
    annotation = sample()
    path = tmp_path / "ours.TextGrid"
    write_textgrid(annotation, path, format=layout, encoding=encoding)
    seen = praat_view(path)

    assert seen["domain"] == pytest.approx((0.0, 3.0), abs=1e-9)
    names = [(t["class"], t["name"]) for t in seen["tiers"]]
    assert names == [
        ("IntervalTier", "speech"), ("TextTier", "tones"), ("IntervalTier", "music"),
        ("IntervalTier", "noise"), ("IntervalTier", "overlap"),
    ]  # fmt: skip
    for tier in seen["tiers"]:
        assert tier["count"] == len(tier["entries"])
        if tier["class"] == "TextTier":
            assert [(pytest.approx(t, abs=1e-6), m) for t, m in tier["entries"]] == [
                (0.25, "H*"),
                (2.5, "L%"),
            ]
            continue
        # Praat sees a tiling of [0, 3] whose labelled intervals are exactly our segments.
        entries = tier["entries"]
        assert entries[0][0] == pytest.approx(0.0, abs=1e-6)
        assert entries[-1][1] == pytest.approx(3.0, abs=1e-6)
        for left, right in zip(entries, entries[1:], strict=False):
            assert left[1] == pytest.approx(right[0], abs=1e-9)
        labelled = [(a, b, text) for a, b, text in entries if text]
        lane = annotation.lane(tier["name"])
        assert len(labelled) == len(lane)
        for (a, b, text), segment in zip(labelled, lane, strict=True):
            assert a == pytest.approx(segment.start, abs=1e-6)
            assert b == pytest.approx(segment.end, abs=1e-6)
            assert text == segment.label


def test_we_read_what_praat_writes(tmp_path):
    long_path, short_path = tmp_path / "long.TextGrid", tmp_path / "short.TextGrid"
    run_praat("make_textgrid.praat", str(long_path), str(short_path))
    # Non-ASCII text makes Praat write UTF-16 (big-endian, with BOM): the case we must read.
    assert long_path.read_bytes()[:2] == b"\xfe\xff"
    expected_words = [
        Segment(0.0, 0.7, "  spaced  "),
        Segment(0.7, 1.3, 'naïve "quoted" ʃ'),
        Segment(2.1, 2.5, "end"),
    ]
    for path in (long_path, short_path):
        annotation = read_textgrid(path)
        assert annotation.lane_names == ("words",)
        assert annotation.duration == 2.5
        assert list(annotation.lane("words")) == expected_words
        (tones,) = annotation.passthrough
        assert tones["name"] == "tones" and tones["position"] == 1
        assert tones["entries"] == [[1.0, "H*"], [2.25, "L%"]]
        # ...and what we write back, Praat reads as it wrote it.
        again = tmp_path / f"again-{path.name}"
        write_textgrid(annotation, again)
        assert praat_view(again) == praat_view(path)
