"""Our JSON: envelope, strict schema, lossless for everything the model holds."""

from __future__ import annotations

import json

import pytest

from annotator.core import Annotation, Lane, Provenance, RecordingInfo, Segment, Source
from annotator.formats import FormatError, read_json, write_json
from annotator.formats.jsonfile import json_from_text, json_text


def full() -> Annotation:
    return Annotation(
        [Lane("speech", [Segment(0, 1 / 3, "é", 0.9, Source.MODEL)]), Lane("mine")],
        recording=RecordingInfo("a.wav", 2.5, 16000, "sha256:00"),
        provenance=[Provenance("nmf", ("speech",), "m1", {"k": [1, 2]}, "2026-01-01T00:00:00Z")],
        passthrough=[{"format": "textgrid", "position": 1, "name": "t"}],
    )


def test_envelope_and_lossless_round_trip(tmp_path):
    path = tmp_path / "a.json"
    write_json(full(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("nmf-annotator", 1)
    assert "é" in path.read_text(encoding="utf-8")
    assert read_json(path) == full()


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"version": 0}, "version"),
        ({"version": "1"}, "version"),
        ({"format": "praat"}, "format"),
        ({"recording": {"duration": "long"}}, "recording.duration"),
        ({"recording": {"sample_rate": 16000.5}}, "recording.sample_rate"),
        ({"lanes": {}}, "lanes"),
        (
            {"lanes": [{"name": "a", "segments": [{"start": 0, "end": 1, "source": "robot"}]}]},
            "source",
        ),
        (
            {"lanes": [{"name": "a", "segments": [{"start": 0, "end": 1, "confidence": 2}]}]},
            "confidence",
        ),
        ({"lanes": [{"name": "a"}, {"name": "a"}]}, "exists already"),
        ({"lanes": [{"name": " "}]}, "non-empty name"),
        ({"provenance": [{"tool": "x", "lanes": [1]}]}, "provenance[0].lanes[0]"),
        ({"passthrough": [3]}, "passthrough[0]"),
        ({"lanes": [{"name": "a", "segments": [{"start": 0, "end": 1e400}]}]}, "segments[0].end"),
    ],
)
def test_schema_errors_name_the_bad_value(patch, where):
    data = {"format": "nmf-annotator", "version": 1, "lanes": []}
    data.update(patch)
    text = json.dumps(data).replace("Infinity", "1e400")
    with pytest.raises(FormatError) as caught:
        json_from_text(text, "bad.json")
    assert where in caught.value.reason
    assert "\n" not in str(caught.value)


def test_top_level_must_be_an_object():
    with pytest.raises(FormatError, match="expected an object"):
        json_from_text("[]", "x.json")


def test_text_is_stable():
    assert json_text(json_from_text(json_text(full()))) == json_text(full())
