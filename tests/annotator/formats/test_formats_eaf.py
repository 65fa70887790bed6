"""ELAN EAF: an ELAN 6 file carried through untouched, our lanes lossless, edits kept valid.

``data/elan6_meeting.eaf`` is written by hand the way ELAN 6 saves a file: a header with two
media descriptors (audio, and the video it was extracted from), a linked file and the URN and
lastUsedAnnotationId properties; a time order with an unaligned slot; two top-level tiers (one
with a controlled vocabulary, annotations with CVE_REF), a symbolic-association tier of
REF_ANNOTATIONs under one, a time-subdivision tier under the other; linguistic types,
two locales of one language, languages, ELAN's constraints, and a multilingual vocabulary.
No EAF schema could be installed (see ``_eaf_structure``), so written files are checked by the
structural rules there.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import (
    CLASS_LANES,
    Annotation,
    Lane,
    Provenance,
    RecordingInfo,
    Segment,
    Source,
)
from annotator.formats import FormatError, read_annotation, read_json, write_annotation, write_json
from annotator.formats.eaf import eaf_from_text, eaf_text, path_of_url, read_eaf, url_of_path
from tests.annotator.formats._eaf_structure import problems
from tests.annotator.formats._formats_strategies import annotations

ELAN6 = Path(__file__).parent / "data" / "elan6_meeting.eaf"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lanes(annotation: Annotation) -> dict[str, list[tuple[float, float, str]]]:
    return {lane.name: [(s.start, s.end, s.label) for s in lane] for lane in annotation}


def tree(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def element(root: ET.Element, tag: str, **attributes: str) -> ET.Element:
    for candidate in root.iter(tag):
        if all(candidate.get(k) == v for k, v in attributes.items()):
            return candidate
    raise AssertionError(f"no <{tag}> with {attributes}")


def carried_parts(root: ET.Element) -> list[bytes]:
    """What we never edit: header, dependent tiers, types, locales, languages, vocabularies."""
    parts = [root.find("HEADER")]
    parts += [t for t in root.iter("TIER") if t.get("PARENT_REF")]
    parts += [e for e in root if e.tag not in ("HEADER", "TIME_ORDER", "TIER")]
    for part in parts:
        if part is not None:
            part.tail = None  # what follows an element is not part of it
    return [ET.tostring(p) for p in parts if p is not None]


# --- the ELAN 6 file ------------------------------------------------------------------------
def test_an_elan_file_reads_as_lanes_with_the_rest_carried():
    annotation = read_eaf(ELAN6)
    assert lanes(annotation) == {
        "speech": [(0.0, 1.25, "speech"), (1.5, 3.02, "laughs, then talks")],
        "MEE009": [(1.3, 4.0, "okay so let's start"), (4.0, 5.125, "<laugh> & then  two spaces ")],
    }
    assert all(s.source is Source.HUMAN and s.confidence is None for _, s in annotation.segments())
    assert annotation.recording.path == "/corpus/meeting/ES2002a.Mix-Headset.wav"
    assert annotation.recording.duration is None
    kinds = [(p["kind"], p.get("name")) for p in annotation.passthrough]
    assert kinds == [("document", None), ("tier", "MEE009-translation"), ("tier", "speech-parts")]
    assert all(p["format"] == "eaf" for p in annotation.passthrough)
    assert problems(ELAN6.read_bytes()) == []


def test_an_unedited_elan_file_is_written_back_byte_for_byte(tmp_path):
    out = tmp_path / "again.eaf"
    write_annotation(read_annotation(ELAN6), out)
    assert out.read_bytes() == ELAN6.read_bytes()


def test_the_carried_parts_survive_a_trip_through_our_json(tmp_path):
    """What the editor saves (a sidecar is JSON) keeps the ELAN parts for the next export."""
    write_json(read_eaf(ELAN6), tmp_path / "work.json")
    write_annotation(read_json(tmp_path / "work.json"), tmp_path / "out.eaf")
    assert (tmp_path / "out.eaf").read_bytes() == ELAN6.read_bytes()


def test_edits_keep_the_carried_parts_and_the_file_valid():
    annotation = read_eaf(ELAN6)
    speech = annotation.lane("speech")
    moved = speech[1]
    speech.remove(moved)
    speech.add(moved.with_(start=1.6, label="speech"))  # boundary moved, relabelled
    speech.add(Segment(4.5, 5.0, "music"))
    text = eaf_text(annotation)
    assert problems(text) == []
    root, original = tree(text), ET.parse(ELAN6).getroot()
    assert carried_parts(root)[1:] == carried_parts(original)[1:]  # all but the header
    kept = element(root, "ALIGNABLE_ANNOTATION", ANNOTATION_ID="a2")  # same id: dependents hold
    assert kept.get("CVE_REF") == "cveid_5f0c2b1e-speech"  # the new value's vocabulary entry
    # the moved boundary moved its slot, so the subdivision child sharing it follows
    assert kept.get("TIME_SLOT_REF1") == "ts4"
    assert element(root, "TIME_SLOT", TIME_SLOT_ID="ts4").get("TIME_VALUE") == "1600"
    assert element(root, "ALIGNABLE_ANNOTATION", ANNOTATION_ID="a7").get("TIME_SLOT_REF1") == "ts4"
    new = element(root, "ALIGNABLE_ANNOTATION", ANNOTATION_ID="a9")  # after the file's highest
    assert new.get("CVE_REF") == "cveid_0b1e4d2f-music"
    assert element(root, "PROPERTY", NAME="lastUsedAnnotationId").text == "9"
    assert lanes(eaf_from_text(text))["speech"][1:] == [(1.6, 3.02, "speech"), (4.5, 5.0, "music")]


def test_a_deleted_segment_takes_its_dependents_along():
    annotation = read_eaf(ELAN6)
    turns = annotation.lane("MEE009")
    turns.remove(turns[0])
    speech = annotation.lane("speech")
    speech.remove(speech[1])  # the parent of the subdivision a7, a8
    text = eaf_text(annotation)
    assert problems(text) == []
    root = tree(text)
    ids = {e.get("ANNOTATION_ID") for e in root.iter() if e.get("ANNOTATION_ID")}
    assert ids == {"a1", "a4", "a6"}  # a3 gone with its translation a5; a2 with a7 and a8
    slots = {e.get("TIME_SLOT_ID") for e in root.iter("TIME_SLOT")}
    assert slots == {"ts1", "ts2", "ts8", "ts9"}  # slots nothing refers to are dropped


def test_a_removed_or_renamed_lane_drops_the_tiers_under_it():
    annotation = read_eaf(ELAN6)
    annotation.remove_lane("MEE009")
    root = tree(eaf_text(annotation))
    assert [t.get("TIER_ID") for t in root.iter("TIER")] == ["speech", "speech-parts"]
    assert problems(ET.tostring(root)) == []


def test_a_segment_whose_boundary_moved_keeps_its_id_and_its_translation():
    annotation = read_eaf(ELAN6)
    turns = annotation.lane("MEE009")
    first = turns[0]
    turns.remove(first)
    turns.add(first.with_(start=1.0, end=3.9))
    root = tree(eaf_text(annotation))
    assert element(root, "REF_ANNOTATION", ANNOTATION_ID="a5").get("ANNOTATION_REF") == "a3"
    assert element(root, "ALIGNABLE_ANNOTATION", ANNOTATION_ID="a3") is not None


# --- fresh files ----------------------------------------------------------------------------
def fresh() -> Annotation:
    return Annotation(
        [
            Lane("speech", [Segment(0.0, 1.5, "speech", 0.9, Source.MODEL), Segment(1.5, 2.0, "")]),
            Lane("music", [Segment(0.25, 1.0, "music")]),
            Lane("words", [Segment(0.1, 0.2, 'hi "there" é\r\n<&>')]),
        ],
        recording=RecordingInfo(path="/data/rec one.wav", duration=3.0),
        provenance=[Provenance("nmf", ("speech",), created="2024-05-06T07:08:09+00:00")],
    )


def test_a_fresh_file_has_elans_frame_and_a_vocabulary_for_the_class_lanes(tmp_path):
    path = tmp_path / "out" / "rec.eaf"
    path.parent.mkdir()
    write_annotation(fresh(), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT ')
    assert problems(text) == []
    root = tree(text)
    assert root.get("FORMAT") == root.get("VERSION") == "3.0"
    assert root.get("DATE") == "2024-05-06T07:08:09+00:00"
    media = element(root, "MEDIA_DESCRIPTOR")
    assert media.get("MEDIA_URL") == "file:///data/rec%20one.wav"
    assert media.get("MIME_TYPE") == "audio/x-wav"
    relative = media.get("RELATIVE_MEDIA_URL", "")
    assert relative.startswith("../") and relative.endswith("/data/rec%20one.wav")
    assert element(root, "TIER", TIER_ID="speech").get("LINGUISTIC_TYPE_REF") == "nmf-class"
    assert element(root, "TIER", TIER_ID="words").get("LINGUISTIC_TYPE_REF") == "default-lt"
    kind = element(root, "LINGUISTIC_TYPE", LINGUISTIC_TYPE_ID="nmf-class")
    vocabulary = element(root, "CONTROLLED_VOCABULARY", CV_ID=kind.get("CONTROLLED_VOCABULARY_REF"))
    assert [v.text for v in vocabulary.iter("CVE_VALUE")] == list(CLASS_LANES)
    first = element(root, "ALIGNABLE_ANNOTATION", ANNOTATION_ID="a1")
    assert first.get("CVE_REF") == "cveid_speech"
    assert element(root, "ALIGNABLE_ANNOTATION", ANNOTATION_ID="a2").get("CVE_REF") is None
    stereotypes = [c.get("STEREOTYPE") for c in root.iter("CONSTRAINT")]
    assert stereotypes == ["Time_Subdivision", "Symbolic_Subdivision", "Symbolic_Association",
                           "Included_In"]  # fmt: skip
    again = read_annotation(path)
    assert lanes(again) == lanes(fresh())  # labels byte for byte: quotes, CR LF, <&>
    assert again.recording.path == "/data/rec one.wav"


def test_the_relative_media_url_lets_elan_find_the_audio_beside_the_file(tmp_path):
    audio = tmp_path / "corpus" / "a b.wav"
    annotation = Annotation([Lane("speech")], recording=RecordingInfo(path=str(audio)))
    beside, below = tmp_path / "corpus" / "a.eaf", tmp_path / "out" / "a.eaf"
    below.parent.mkdir()
    for target in (beside, below):
        target.parent.mkdir(exist_ok=True)
        write_annotation(annotation, target)
    assert element(tree(beside.read_text()), "MEDIA_DESCRIPTOR").get("RELATIVE_MEDIA_URL") == (
        "./a%20b.wav"
    )
    assert element(tree(below.read_text()), "MEDIA_DESCRIPTOR").get("RELATIVE_MEDIA_URL") == (
        "../corpus/a%20b.wav"
    )


def test_urls_and_paths_convert_both_ways_undecodable_bytes_included():
    for path in ("/data/rec one.wav", "/data/caf\udce9.wav", "rel/a#b.wav", "/x/100%.wav"):
        assert path_of_url(url_of_path(path)) == path
    assert path_of_url("https://example.org/a.wav") == "https://example.org/a.wav"


def test_a_second_export_of_our_own_file_adds_no_second_vocabulary():
    once = eaf_text(fresh())
    twice = eaf_text(eaf_from_text(once))
    assert twice == once


def test_what_eaf_cannot_hold_is_refused_in_one_line(tmp_path):
    tiny = Annotation([Lane("speech", [Segment(1.0, 1.0004)])])
    with pytest.raises(FormatError, match="shorter than 1 ms") as caught:
        write_annotation(tiny, tmp_path / "tiny.eaf")
    assert "\n" not in str(caught.value)
    control = Annotation([Lane("speech", [Segment(0, 1, "bell\x07")])])
    with pytest.raises(FormatError, match="U\\+0007"):
        write_annotation(control, tmp_path / "control.eaf")
    assert not list(tmp_path.iterdir())


# --- lossless for our lanes -----------------------------------------------------------------
XML_LABELS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters='"é ʃ中<&>'),
    max_size=12,
)
XML_NAMES = st.one_of(st.sampled_from(CLASS_LANES), XML_LABELS.filter(lambda s: s.strip()))


@FAST
@given(data=st.data())
def test_model_to_eaf_to_model_is_lossless_on_the_millisecond_grid(data):
    original = data.draw(
        annotations(
            per_second=1000, names=XML_NAMES, label_strategy=XML_LABELS, with_duration=False
        )  # fmt: skip
    )
    text = eaf_text(original)
    again = eaf_from_text(text)
    assert lanes(again) == lanes(original)
    assert again.lane_names == original.lane_names
    assert eaf_text(again) == text  # and EAF -> model -> EAF gives the same bytes
    assert problems(text) == []


# --- refusing safely ------------------------------------------------------------------------
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<ANNOTATION_DOCUMENT>&lol9;</ANNOTATION_DOCUMENT>\n"
)


def test_an_entity_bomb_is_refused_at_once(tmp_path):
    path = tmp_path / "bomb.eaf"
    path.write_text(BOMB)
    began = time.monotonic()
    with pytest.raises(FormatError, match="DTD") as caught:
        read_annotation(path)
    assert time.monotonic() - began < 1.0
    assert str(caught.value).startswith(f"{path}: ")


def test_an_external_entity_cannot_read_local_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    path = tmp_path / "xxe.eaf"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        "<ANNOTATION_DOCUMENT>&x;</ANNOTATION_DOCUMENT>"
    )
    with pytest.raises(FormatError, match="DTD") as caught:
        read_annotation(path)
    assert "password" not in str(caught.value)


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    path = tmp_path / "deep.eaf"
    path.write_text(
        "<ANNOTATION_DOCUMENT>" + "<a>" * 100_000 + "</a>" * 100_000 + "</ANNOTATION_DOCUMENT>"
    )
    with pytest.raises(FormatError, match="nested more than"):
        read_annotation(path)


def test_mangled_elan_files_give_only_one_line_errors(tmp_path):
    """Random byte edits of the ELAN file: the reader either reads it or says one line, and
    what it reads is written back no less valid than it came."""
    rng = random.Random(19)
    data = ELAN6.read_bytes()
    path = tmp_path / "mangled.eaf"
    outcomes = {"read": 0, "refused": 0}
    for _ in range(300):
        mangled = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(mangled))
            choice = rng.random()
            if choice < 0.4:
                mangled[at] = rng.randrange(256)
            elif choice < 0.7:
                del mangled[at : at + rng.randint(1, 40)]
            else:
                mangled[at:at] = rng.choice([b"-", b"x", b'"', b"<", b"99", b"ts1", b"a1"])
        path.write_bytes(bytes(mangled))
        try:
            annotation = read_annotation(path)
            outcomes["read"] += 1
            write_annotation(annotation, tmp_path / "back.eaf")  # what was read can be written
            assert problems((tmp_path / "back.eaf").read_bytes()) == problems(bytes(mangled))
        except FormatError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(str(path))
            outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"]


def test_the_structure_check_notices_a_broken_file():
    broken = ELAN6.read_text().replace('ANNOTATION_REF="a3"', 'ANNOTATION_REF="a99"')
    broken = broken.replace('TIME_VALUE="1250"', 'TIME_VALUE="-1"')
    found = problems(broken)
    assert any("a99" in p for p in found) and any("unsignedInt" in p for p in found)
