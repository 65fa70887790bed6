"""The editor's import and export of ELAN and CSV files: an ELAN file's other tiers, vocabulary
and media links come along on import and go back out on export."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from annotator.core import AddSegment, Segment
from annotator.formats import read_annotation
from annotator.gui import file_actions
from tests.annotator.formats._eaf_structure import problems

ELAN6 = Path(__file__).resolve().parents[1] / "formats" / "data" / "elan6_meeting.eaf"


def xml(element: ET.Element | None) -> bytes:
    assert element is not None
    element.tail = None  # what follows an element is not part of it
    return ET.tostring(element)


def carried(root: ET.Element) -> dict[str, list[bytes]]:
    """The parts of an ELAN file we never edit, as bytes, by kind."""
    return {
        "header": [xml(root.find("HEADER"))],
        "dependent tiers": [xml(t) for t in root.iter("TIER") if t.get("PARENT_REF")],
        "definitions": [xml(e) for e in root if e.tag not in ("HEADER", "TIME_ORDER", "TIER")],
    }


def test_eaf_and_csv_are_offered_for_import_and_export():
    assert {"eaf", "csv"} <= set(file_actions.EXPORT_FORMATS)
    assert "*.eaf" in file_actions.import_filter() and "*.csv" in file_actions.import_filter()
    assert file_actions.default_export_path(Path("/x/a.wav"), "eaf") == Path("/x/a.eaf")


def test_an_elan_file_imported_then_exported_keeps_its_other_tiers(window, tmp_path):
    assert window.import_labels(ELAN6)
    annotation = window.document.annotation
    assert [(s.start, s.end) for s in annotation.lane("MEE009")] == [(1.3, 4.0), (4.0, 5.125)]
    out = tmp_path / "back.eaf"
    assert window.export("eaf", out)
    text = out.read_text(encoding="utf-8")
    assert problems(text) == []
    original, exported = carried(ET.parse(ELAN6).getroot()), carried(ET.fromstring(text))
    assert exported["header"] == original["header"]  # media descriptors, linked file, URN
    assert exported["dependent tiers"] == original["dependent tiers"]
    kept = [part for part in exported["definitions"] if part in original["definitions"]]
    assert kept == original["definitions"]  # types, locales, languages, the vocabulary
    back = read_annotation(out)
    assert [(s.start, s.end, s.label) for s in back.lane("speech")] == [
        (0.0, 1.25, "speech"),
        (1.5, 3.02, "laughs, then talks"),
    ]
    window.undo()  # the import, carried layers included, is one undo step
    assert window.document.annotation.passthrough == []


def test_a_lane_renamed_on_import_keeps_its_dependent_tiers(window, tmp_path):
    assert window.controller.push(AddSegment("speech", Segment(6.0, 7.0, "speech")))
    assert window.import_labels(ELAN6)
    assert "speech (imported)" in window.document.annotation
    out = tmp_path / "renamed.eaf"
    assert window.export("eaf", out)
    root = ET.parse(out).getroot()
    parts = next(t for t in root.iter("TIER") if t.get("TIER_ID") == "speech-parts")
    assert parts.get("PARENT_REF") == "speech (imported)"
    assert problems(out.read_bytes()) == []


def test_csv_export_reads_back(window, tmp_path):
    assert window.controller.push(AddSegment("speech", Segment(1.0, 2.5, "speech")))
    out = tmp_path / "a.csv"
    assert window.export("csv", out)
    assert [(s.start, s.end) for s in read_annotation(out).lane("speech")] == [(1.0, 2.5)]
