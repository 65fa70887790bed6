"""TextGrid specifics: encodings, Praat's liberal syntax, praatio's traps, carried tiers."""

from __future__ import annotations

import codecs

import pytest
from praatio import textgrid as praatio_textgrid

from annotator.core import Annotation, Lane, RecordingInfo, Segment, Source
from annotator.formats import FormatError, read_textgrid, write_textgrid
from annotator.formats.textgrid import textgrid_dict, textgrid_from_text, textgrid_text

SHORT = 'File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n2\n<exists>\n1\n"IntervalTier"\n"w"\n0\n2\n2\n0\n1\n"{label}"\n1\n2\n""\n'


def lanes(annotation: Annotation) -> dict[str, list[Segment]]:
    return {lane.name: list(lane) for lane in annotation}


@pytest.mark.parametrize(
    ("encode", "label"),
    [
        (lambda t: t.encode("utf-8"), "ʃa"),
        (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "ʃa"),
        (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "ʃa"),
        (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "ʃa"),
        (lambda t: t.encode("cp1252"), "café"),  # Praat's fallback for old files
        (lambda t: t.replace("\n", "\r\n").encode("utf-8"), "crlf"),
    ],
    ids=["utf8", "utf8-bom", "utf16-be", "utf16-le", "cp1252", "crlf"],
)
def test_reads_every_encoding_praat_reads(tmp_path, encode, label):
    path = tmp_path / "x.TextGrid"
    path.write_bytes(encode(SHORT.format(label=label)))
    assert lanes(read_textgrid(path)) == {"w": [Segment(0, 1, label)]}


def test_utf16_output_is_big_endian_with_bom(tmp_path):
    annotation = Annotation([Lane("w", [Segment(0, 1, "ʃ")])], recording=RecordingInfo(duration=2))
    write_textgrid(annotation, tmp_path / "x.TextGrid", encoding="utf-16")
    assert (tmp_path / "x.TextGrid").read_bytes()[:2] == codecs.BOM_UTF16_BE
    assert read_textgrid(tmp_path / "x.TextGrid") == annotation


def test_reads_praats_liberal_syntax_comments_exponents_and_mixed_layout():
    text = (
        'File type = "ooTextFile"\nObject class = "TextGrid"\n! a comment\n'
        '0 2.5e0 <exists> 1 ! tier follows\n"IntervalTier" "w" 0 2.5 2\n'
        '0 1.25E-1 "a"\n1.25e-1 2.5 ""\n'
    )
    assert lanes(textgrid_from_text(text)) == {"w": [Segment(0, 0.125, "a")]}


def test_gapped_tier_from_other_tools_and_absent_tiers_are_accepted():
    gapped = SHORT.format(label="a").replace('2\n0\n1\n"a"\n1\n2\n""', '1\n0.5\n1\n"a"')
    assert lanes(textgrid_from_text(gapped)) == {"w": [Segment(0.5, 1, "a")]}
    absent = 'File type = "ooTextFile"\nObject class = "TextGrid"\n0\n3\n<absent>\n'
    annotation = textgrid_from_text(absent)
    assert len(annotation) == 0 and annotation.duration == 3


def test_float_noise_overlap_is_absorbed_but_real_overlap_is_not():
    noisy = SHORT.format(label="a").replace('1\n2\n""', '0.9999999999\n2\n"b"')
    assert lanes(textgrid_from_text(noisy))["w"][1] == Segment(1, 2, "b")
    with pytest.raises(FormatError, match="overlaps"):
        textgrid_from_text(SHORT.format(label="a").replace('1\n2\n""', '0.9\n2\n"b"'))


def test_labels_are_kept_byte_for_byte():
    strange = [
        "  two spaces  ",
        'say ""hi""',
        "line\nbreak",
        "IntervalTier",
        "item [1]:",
        "!bang",
        "é",
    ]
    annotation = Annotation(
        [Lane("w", [Segment(i, i + 1, label) for i, label in enumerate(strange)])],
        recording=RecordingInfo(duration=len(strange)),
    )
    for layout in ("long", "short"):
        assert textgrid_from_text(textgrid_text(annotation, format=layout)) == annotation


def test_tiny_intervals_survive_unlike_praatio_default():
    annotation = Annotation(
        [Lane("w", [Segment(1.0, 1.0 + 1e-9, "tiny"), Segment(1.5, 1.5 + 1e-12, "tinier")])],
        recording=RecordingInfo(duration=2),
    )
    assert textgrid_from_text(textgrid_text(annotation)) == annotation


def test_xmax_is_the_duration_when_known_else_the_last_end():
    lane = Lane("w", [Segment(0.5, 1.5, "a")])
    assert textgrid_dict(Annotation([lane], recording=RecordingInfo(duration=4)))["xmax"] == 4
    assert textgrid_dict(Annotation([lane.copy()]))["xmax"] == 1.5


def test_confidence_and_source_are_not_representable():
    model_made = Segment(0, 1, "a", confidence=0.7, source=Source.MODEL)
    annotation = Annotation([Lane("w", [model_made])], recording=RecordingInfo(duration=1))
    (segment,) = textgrid_from_text(textgrid_text(annotation)).lane("w")
    assert segment == Segment(0, 1, "a")  # confidence None, source HUMAN


def test_tiers_that_cannot_be_lanes_are_carried_in_place():
    text = (
        'File type = "ooTextFile"\nObject class = "TextGrid"\n0\n2\n<exists>\n4\n'
        '"IntervalTier"\n"w"\n0\n2\n1\n0\n2\n"a"\n'
        '"TextTier"\n"tones"\n0\n2\n1\n1\n"H*"\n'
        '"IntervalTier"\n"w"\n0\n2\n2\n0\n1\n""\n1\n2\n"dup"\n'
        '"IntervalTier"\n"  "\n0\n2\n1\n0\n2\n"blank name"\n'
    )
    annotation = textgrid_from_text(text)
    assert annotation.lane_names == ("w",)
    assert [(p["position"], p["class"], p["name"]) for p in annotation.passthrough] == [
        (1, "TextTier", "tones"),
        (2, "IntervalTier", "w"),
        (3, "IntervalTier", "  "),
    ]
    again = textgrid_from_text(textgrid_text(annotation, format="short"))
    assert again == annotation
    # New lanes go after the carried tiers' positions without displacing them.
    annotation.add_lane(Lane("speech", [Segment(0, 1, "s")]))
    names = [t["name"] for t in textgrid_dict(annotation)["tiers"]]
    assert names == ["w", "tones", "w", "  ", "speech"]


def test_other_formats_passthrough_is_not_written_as_a_tier():
    annotation = Annotation([Lane("w")], recording=RecordingInfo(duration=1))
    annotation.passthrough.append(
        {"format": "rttm", "line": "SPKR-INFO x 1 <NA> <NA> <NA> a b <NA> <NA>"}
    )
    assert [t["name"] for t in textgrid_dict(annotation)["tiers"]] == ["w"]


def test_praatio_reads_our_files_the_same(tmp_path):
    annotation = Annotation(
        [Lane("speech", [Segment(0, 1.5, 'say "hi"'), Segment(2, 2.5, "é")]), Lane("music")],
        recording=RecordingInfo(duration=3),
    )
    for layout in ("long", "short"):
        path = tmp_path / f"{layout}.TextGrid"
        write_textgrid(annotation, path, format=layout)
        tg = praatio_textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
        assert tg.tierNames == ("speech", "music")
        assert [tuple(e) for e in tg.getTier("speech").entries] == [
            (0, 1.5, 'say "hi"'),
            (2, 2.5, "é"),
        ]
        assert tg.maxTimestamp == 3


def test_negative_times_cannot_become_lanes():
    text = SHORT.format(label="a").replace("\n0\n2\n<exists>", "\n-1\n2\n<exists>")
    text = text.replace('"w"\n0\n2\n2\n0\n1', '"w"\n-1\n2\n2\n-1\n1')
    with pytest.raises(FormatError, match="negative|before 0") as caught:
        textgrid_from_text(text, "neg.TextGrid")
    assert str(caught.value).startswith("neg.TextGrid:")
