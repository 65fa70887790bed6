"""Fuzzing the readers: whatever the bytes, the outcome is an `Annotation` or a `FormatError`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.formats import FormatError, read_annotation, write_annotation

SEED = Annotation(
    [
        Lane("speech", [Segment(0, 1.5, 'a "b"'), Segment(2, 3, "é")]),
        Lane("music", [Segment(1, 2, "m")]),
    ],
    recording=RecordingInfo(path="r.wav", duration=3.5),
)
SEED.passthrough.append(
    {"format": "textgrid", "position": 1, "class": "TextTier", "name": "p",
     "xmin": 0.0, "xmax": 3.5, "entries": [[1.0, "x"]]}
)  # fmt: skip
KINDS = [".TextGrid", ".short.TextGrid", ".rttm", ".txt", ".json"]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """Valid files of every kind, written by us: the starting points of the mutations."""
    folder = tmp_path_factory.mktemp("fuzz")
    valid = {}
    for kind in KINDS:
        target = folder / f"seed{kind}"
        layout = {"format": "short"} if ".short" in kind else {}
        write_annotation(SEED, target, options=layout)
        valid[kind] = target.read_bytes()
    return folder, valid


@st.composite
def mutations(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "delete", "insert", "flip"]))
        at = draw(st.integers(0, len(data)))
        if kind == "cut":
            del data[at:]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(NASTY))
        elif data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
    return bytes(data)


NASTY = [b'"', b"\n", b"-", b"1e9", b"\x00", b"\xff", b"\t", b"<", b"nan", b" x ", b"=", b"!"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_readers_only_ever_raise_format_error(seeds, data):
    folder, valid = seeds
    kind = data.draw(st.sampled_from(KINDS))
    path = folder / f"fuzz{kind.replace('.short', '')}"
    path.write_bytes(data.draw(mutations(valid[kind])))
    try:
        result = read_annotation(path)
    except FormatError as error:
        assert "\n" not in str(error) and str(error).startswith(str(path))
    else:
        assert isinstance(result, Annotation)
