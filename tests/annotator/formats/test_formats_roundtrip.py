"""Property tests: file → model → file is lossless for what each format can represent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import Annotation, Provenance, RecordingInfo
from annotator.formats.audacity import audacity_from_text, audacity_text
from annotator.formats.jsonfile import json_from_text, json_text
from annotator.formats.rttm import rttm_from_text, rttm_lines, rttm_text
from annotator.formats.textgrid import textgrid_from_text, textgrid_text
from tests.annotator.formats._formats_strategies import annotations, labels, rttm_labels

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def with_point_tier(draw, annotation: Annotation) -> Annotation:
    """Add a Praat point tier to carry, at a random position among the lanes."""
    end = annotation.end_time
    times = draw(st.lists(st.integers(0, 1000), max_size=5, unique=True))
    points = [[end * t / 1000, draw(labels)] for t in sorted(times)]
    annotation.passthrough.append(
        {
            "format": "textgrid",
            "position": draw(st.integers(0, len(annotation))),
            "class": "TextTier",
            "name": draw(labels),
            "xmin": 0.0,
            "xmax": end,
            "entries": points,
        }
    )
    return annotation


@FAST
@given(data=st.data(), layout=st.sampled_from(["long", "short"]))
def test_textgrid_round_trip_is_lossless(data, layout):
    original = data.draw(annotations())
    if data.draw(st.booleans()):
        original = data.draw(with_point_tier(original))
    text = textgrid_text(original, format=layout)
    again = textgrid_from_text(text)
    assert again == original
    assert textgrid_text(again, format=layout) == text


@FAST
@given(data=st.data())
def test_rttm_round_trip_is_lossless(data):
    # RTTM's shape: one lane per label, times on the millisecond grid, confidence allowed.
    original = data.draw(
        annotations(per_second=1000, names=rttm_labels, label_is_lane=True, with_duration=False)
    )
    original = Annotation(
        [lane for lane in original if len(lane)], recording=RecordingInfo(path="rec.001")
    )
    text = rttm_text({"rec.001": original})
    parsed = rttm_from_text(text)
    if not len(original):
        assert parsed == {}
        return
    # Lines are sorted by time, so lanes come back in order of their first turn.
    (again,) = parsed.values()
    assert list(parsed) == ["rec.001"]
    assert again.recording == original.recording
    assert sorted(again.lanes, key=lambda lane: lane.name) == sorted(
        original.lanes, key=lambda lane: lane.name
    )
    assert rttm_text(parsed) == text


@FAST
@given(
    first=annotations(per_second=1000, names=rttm_labels, label_is_lane=True, with_duration=False),
    second=annotations(per_second=1000, names=rttm_labels, label_is_lane=True, with_duration=False),
)
def test_rttm_many_recordings_round_trip(first, second):
    items = {}
    for uri, annotation in (("a", first), ("b", second)):
        lanes = [lane for lane in annotation if len(lane)]
        if lanes:
            items[uri] = Annotation(lanes, recording=RecordingInfo(path=uri))
    parsed = rttm_from_text(rttm_text(items))
    assert list(parsed) == list(items)
    for uri, annotation in items.items():
        assert {lane.name: lane for lane in parsed[uri]} == {lane.name: lane for lane in annotation}
    assert all(
        line.split()[1] in items for line in rttm_lines(first, "a") + rttm_lines(second, "b")
    )


def confidences_rounded(annotation: Annotation) -> Annotation:
    """What JSON keeps of ``annotation``: everything, its confidences to 3 decimals."""
    data = annotation.to_dict()
    for lane in data["lanes"]:
        for segment in lane["segments"]:
            if segment["confidence"] is not None:
                segment["confidence"] = round(segment["confidence"], 3)
    return Annotation.from_dict(data)


@FAST
@given(data=st.data())
def test_json_round_trip_keeps_everything(data):
    """Times, labels, sources, provenance and carried tiers exactly; confidences (model
    posteriors) to 3 decimals, so that ``label --jobs 1`` and ``--jobs 2`` give the same bytes."""
    original = data.draw(
        annotations(rich=True, per_second=data.draw(st.sampled_from([1_000_000, 3])))
    )
    original.provenance.append(
        Provenance(tool="nmf", lanes=original.lane_names, parameters={"threshold": 0.5})
    )
    original.passthrough.append(
        {"format": "rttm", "line": "SPKR-INFO x 1 <NA> <NA> <NA> unknown é <NA> <NA>"}
    )
    assert json_from_text(json_text(original)) == confidences_rounded(original)


@FAST
@given(data=st.data())
def test_audacity_round_trip_is_lossless(data):
    no_breaks = labels.filter(lambda s: not any(c in s for c in "\t\n\r"))
    names = no_breaks.filter(lambda s: s.strip() and ":" not in s)
    original = data.draw(
        annotations(names=names, label_strategy=no_breaks | st.just(""), with_duration=False)
    )
    original = Annotation([lane for lane in original if len(lane)])
    again = audacity_from_text(audacity_text(original))
    assert again == original


@FAST
@given(original=annotations(min_lanes=1, max_lanes=1, with_duration=False))
def test_audacity_single_lane_export_has_bare_labels(original):
    lane = original.lanes[0]
    text = audacity_text(original, lane=lane.name)
    if any(c in s.label for s in lane for c in "\t\n\r"):
        return
    again = audacity_from_text(text, lane=lane.name)
    assert again.lanes == ((lane,) if len(lane) else ())
