"""The same labels give the same bytes, whatever the thread count (issue 19, weak spot).

Posteriors computed with one worker or two differ in their last float bits; RTTM confidences
written at full precision made ``--jobs 1`` and ``--jobs 2`` outputs byte-different. They are
rounded to 3 decimals, like the times.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core import Annotation, Lane, Segment
from annotator.formats import read_json, read_rttm, write_json, write_rttm


def rttm_of(confidence: float, folder: Path, name: str) -> bytes:
    annotation = Annotation([Lane("speech", [Segment(0.5, 1.25, "speech", confidence)])])
    path = folder / f"{name}.rttm"
    write_rttm(annotation, path, uri="rec")
    return path.read_bytes()


def test_confidences_are_written_with_three_decimals(tmp_path: Path) -> None:
    line = rttm_of(0.123456789, tmp_path, "a").decode().split()
    assert line[8] == "0.123"
    assert rttm_of(0.9, tmp_path, "b").decode().split()[8] == "0.9"  # no trailing zeros added


def test_last_bit_differences_give_the_same_bytes(tmp_path: Path) -> None:
    one_worker, two_workers = 0.7310585786300049, 0.7310585786300052
    assert rttm_of(one_worker, tmp_path, "j1") == rttm_of(two_workers, tmp_path, "j2")


def test_rounded_confidences_read_back(tmp_path: Path) -> None:
    rttm_of(0.98765, tmp_path, "r")
    (annotation,) = read_rttm(tmp_path / "r.rttm").values()
    assert annotation.lane("speech")[0].confidence == 0.988


# --------------------------------------------------------------------------- JSON, the same way
def json_of(confidence: float, folder: Path, name: str, start: float = 0.5) -> bytes:
    annotation = Annotation([Lane("speech", [Segment(start, 1.25, "speech", confidence)])])
    path = folder / f"{name}.json"
    write_json(annotation, path)
    return path.read_bytes()


def test_json_confidences_are_written_with_three_decimals(tmp_path: Path) -> None:
    assert b'"confidence": 0.123,' in json_of(0.123456789, tmp_path, "a")
    assert b'"confidence": 0.9,' in json_of(0.9, tmp_path, "b")


def test_json_last_bit_differences_give_the_same_bytes(tmp_path: Path) -> None:
    one_worker, two_workers = 0.7310585786300049, 0.7310585786300052
    assert json_of(one_worker, tmp_path, "j1") == json_of(two_workers, tmp_path, "j2")


def test_json_keeps_what_people_type_exactly(tmp_path: Path) -> None:
    """Times and labels are not rounded: JSON stays lossless for them."""
    start = 0.123456789012345
    json_of(0.98765, tmp_path, "t", start=start)
    segment = read_json(tmp_path / "t.json").lane("speech")[0]
    assert (segment.start, segment.label, segment.confidence) == (start, "speech", 0.988)
