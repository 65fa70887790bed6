"""CSV segment tables: lossless round trip, what spreadsheets write, one-line errors."""

from __future__ import annotations

import codecs

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import Annotation, Lane, RecordingInfo, Segment, Source
from annotator.formats import read_annotation, write_annotation
from annotator.formats.csvfile import csv_from_text, csv_text
from tests.annotator.formats._formats_strategies import annotations

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lanes(annotation: Annotation) -> dict[str, list[Segment]]:
    return {lane.name: list(lane) for lane in annotation}


@FAST
@given(data=st.data())
def test_csv_round_trip_is_lossless_for_lanes_with_segments(data):
    original = data.draw(annotations(with_duration=False, label_strategy=st.just("") | st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters='",; \n'),
        max_size=12)))  # fmt: skip
    original = Annotation([lane for lane in original if len(lane)], recording=RecordingInfo())
    text = csv_text(original)
    again = csv_from_text(text)
    assert again == original
    assert csv_text(again) == text


def test_the_file_has_a_bom_for_excel_a_header_and_one_row_per_segment(tmp_path):
    annotation = Annotation(
        [
            Lane("speech", [Segment(0.5, 1.25, "speech", 0.8, Source.MODEL)]),
            Lane("notes", [Segment(0.1, 0.2, 'says "hi", twice')]),
            Lane("empty"),
        ]
    )
    path = tmp_path / "labels.csv"
    write_annotation(annotation, path)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode("utf-8").split("\r\n") == [
        "onset,offset,lane,label",
        "0.5,1.25,speech,speech",
        '0.1,0.2,notes,"says ""hi"", twice"',
        "",
    ]
    back = read_annotation(path)
    assert back.lane_names == ("speech", "notes")  # a lane without segments has no row
    assert back.lane("speech")[0] == Segment(0.5, 1.25, "speech")  # confidence is not kept


def test_what_spreadsheets_write_is_read(tmp_path):
    """Columns in another order, header in capitals, blank rows, semicolons with decimal
    commas (a German Excel), tabs, a BOM, CRLF."""
    texts = [
        "Label , Lane,Offset,ONSET\n a ,speech,1.5,0.25\n,,,\n",
        "onset;offset;lane;label\r\n0,25;1,5;speech; a \r\n;;;\r\n",
        "onset\toffset\tlane\tlabel\n0.25\t1.5\tspeech\t a \n",
    ]
    for i, text in enumerate(texts):
        path = tmp_path / f"sheet{i}.csv"
        path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
        assert lanes(read_annotation(path)) == {"speech": [Segment(0.25, 1.5, " a ")]}, text


def test_rows_of_lanes_may_come_in_any_order_and_lanes_overlap_each_other():
    text = "onset,offset,lane,label\n2,3,speech,b\n0,5,music,m\n0,1,speech,a\n"
    annotation = csv_from_text(text)
    assert annotation.lane_names == ("speech", "music")
    assert [s.label for s in annotation.lane("speech")] == ["a", "b"]
