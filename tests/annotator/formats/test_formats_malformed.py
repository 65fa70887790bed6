"""Malformed files: each must raise `FormatError` with one line naming the file and the problem."""

from __future__ import annotations

import codecs

import pytest

from annotator.formats import FormatError, read_annotation

GOOD_TEXTGRID = """File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 2
tiers? <exists>
size = 1
item []:
    item [1]:
        class = "IntervalTier"
        name = "speech"
        xmin = 0
        xmax = 2
        intervals: size = 2
        intervals [1]:
            xmin = 0
            xmax = 1
            text = "a"
        intervals [2]:
            xmin = 1
            xmax = 2
            text = ""
"""
GOOD_RTTM = "SPEAKER rec 1 0.000 1.000 <NA> <NA> alice <NA> <NA>\n"
GOOD_EAF = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-01-01T00:00:00+00:00" FORMAT="3.0" VERSION="3.0">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
    <TIME_ORDER>
        <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/>
        <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1000"/>
        <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1500"/>
        <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2000"/>
    </TIME_ORDER>
    <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="speech">
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
                <ANNOTATION_VALUE>a</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
                <ANNOTATION_VALUE>b</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
"""
#: A billion laughs: nine levels of ten entities each, 10^9 "lol"s once expanded.
EAF_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE ANNOTATION_DOCUMENT [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + "]>\n<ANNOTATION_DOCUMENT>&lol9;</ANNOTATION_DOCUMENT>\n"
)
GOOD_CSV = "onset,offset,lane,label\n0,1,speech,a\n"


def eaf(old: str, new: str) -> str:
    assert old in GOOD_EAF
    return GOOD_EAF.replace(old, new, 1)


def tg(old: str, new: str) -> str:
    assert old in GOOD_TEXTGRID
    return GOOD_TEXTGRID.replace(old, new, 1)


# (file name, content (str = UTF-8 text, bytes = raw), expected line or None, words in reason)
CASES = [
    ("empty.TextGrid", "", None, "empty"),
    ("blank.TextGrid", "   \n\n", None, "empty"),
    ("truncated.TextGrid", GOOD_TEXTGRID[: GOOD_TEXTGRID.index("intervals [2]")], 18, "ends early"),
    ("cut-in-text.TextGrid", GOOD_TEXTGRID[: GOOD_TEXTGRID.index('"a"') + 2], 18, "closing double quote"),
    ("header.TextGrid", tg('"ooTextFile"', '"ooTxtFile"'), 1, "not a Praat text file"),
    ("class.TextGrid", tg('"TextGrid"', '"Pitch"'), 2, "not a TextGrid"),
    ("xmin-gt-xmax.TextGrid", tg("xmin = 0\nxmax = 2", "xmin = 3\nxmax = 2"), 5, "starts after it ends"),
    ("interval-backwards.TextGrid", tg("xmin = 1\n            xmax = 2", "xmin = 1.5\n            xmax = 1.2"), 20, "starts after it ends"),
    ("overlap.TextGrid", tg("xmin = 1\n            xmax = 2", "xmin = 0.5\n            xmax = 2"), 20, "overlaps"),
    ("non-numeric.TextGrid", tg("xmax = 1\n", "xmax = one\n"), 17, "after"),
    ("bad-number.TextGrid", tg("xmax = 1\n", "xmax = 1.0.0\n"), 17, "not a valid number"),
    ("nan.TextGrid", tg("xmax = 1\n", "xmax = nan\n"), 17, "not a valid number"),
    ("tier-count-high.TextGrid", tg("size = 1", "size = 2"), 22, "ends early"),
    ("tier-count-low.TextGrid", tg("size = 1", "size = 0"), 10, "after the last tier"),
    ("tier-count-fraction.TextGrid", tg("size = 1", "size = 1.5"), 7, "whole number"),
    ("interval-count.TextGrid", tg("intervals: size = 2", "intervals: size = 3"), 22, "ends early"),
    ("tier-class.TextGrid", tg('"IntervalTier"', '"WordTier"'), 10, "unknown class"),
    ("outside.TextGrid", tg("xmax = 2\n            text", "xmax = 2.5\n            text"), 20, "outside"),
    ("negative.TextGrid", tg("xmin = 0\nxmax = 2\ntiers", "xmin = -1\nxmax = 2\ntiers").replace("        xmin = 0\n", "        xmin = -1\n", 1).replace("            xmin = 0\n", "            xmin = -1\n", 1), 10, "negative"),
    ("binary.TextGrid", b"ooBinaryFile\x08TextGrid\x00\x00\x01\x02", None, "binary"),
    ("garbage.TextGrid", bytes(range(256)) * 4, None, "text"),
    ("utf16-broken.TextGrid", codecs.BOM_UTF16_BE + GOOD_TEXTGRID.encode("utf-16-be")[:50] + b"\xd8\x00\x00A", 2, "UTF-16"),
    ("utf16-odd.TextGrid", codecs.BOM_UTF16_LE + GOOD_TEXTGRID.encode("utf-16-le") + b"\x00", 23, "UTF-16"),
    ("utf8-bom-broken.TextGrid", codecs.BOM_UTF8 + b'File type = "ooTextFile"\n\xff\xfe', 2, "UTF-8"),
    ("chronological.TextGrid", '"Praat chronological TextGrid text file"\n0 2\n', 1, "chronological"),
    ("fields.rttm", GOOD_RTTM + "SPEAKER rec 1 0.5 1.0 <NA> <NA> bob <NA>\n", 2, "10 fields"),
    ("onset.rttm", "SPEAKER rec 1 zero 1.000 <NA> <NA> a <NA> <NA>\n", 1, "onset is not a number"),
    ("negative-duration.rttm", GOOD_RTTM * 2 + "SPEAKER rec 1 0.5 -1.0 <NA> <NA> a <NA> <NA>\n", 3, "duration must be > 0"),
    ("zero-duration.rttm", "SPEAKER rec 1 0.5 0 <NA> <NA> a <NA> <NA>\n", 1, "duration must be > 0"),
    ("negative-onset.rttm", "SPEAKER rec 1 -0.5 1 <NA> <NA> a <NA> <NA>\n", 1, "onset must be >= 0"),
    ("nan.rttm", "SPEAKER rec 1 NaN 1 <NA> <NA> a <NA> <NA>\n", 1, "finite"),
    ("inf.rttm", "SPEAKER rec 1 0 inf <NA> <NA> a <NA> <NA>\n", 1, "finite"),
    ("huge.rttm", "SPEAKER rec 1 0 1e999 <NA> <NA> a <NA> <NA>\n", 1, "too large"),
    ("type.rttm", "SPEEKER rec 1 0 1 <NA> <NA> a <NA> <NA>\n", 1, "unknown RTTM type"),
    ("channel.rttm", "SPEAKER rec A 0 1 <NA> <NA> a <NA> <NA>\n", 1, "channel"),
    ("confidence.rttm", "SPEAKER rec 1 0 1 <NA> <NA> a 1.5 <NA>\n", 1, "confidence"),
    ("garbage.rttm", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "text"),
    ("latin1.rttm", "SPEAKER rec 1 0 1 <NA> <NA> caf\u00e9 <NA> <NA>\n".encode("latin-1"), 1, "UTF-8"),
    ("syntax.json", '{"format": "nmf-annotator",\n "version": 1,\n "lanes": [}', 3, "not valid JSON"),
    ("envelope.json", '{"lanes": []}', None, "missing field 'format'"),
    ("version.json", '{"format": "nmf-annotator", "version": 2, "lanes": []}', None, "newer"),
    ("type.json", '{"format": "nmf-annotator", "version": 1, "lanes": [{"name": "a", "segments": [{"start": "0", "end": 1}]}]}', None, "lanes[0].segments[0].start"),
    ("nan.json", '{"format": "nmf-annotator", "version": 1, "lanes": [{"name": "a", "segments": [{"start": NaN, "end": 1}]}]}', None, "NaN"),
    ("overlap.json", '{"format": "nmf-annotator", "version": 1, "lanes": [{"name": "a", "segments": [{"start": 0, "end": 2}, {"start": 1, "end": 3}]}]}', None, "overlap"),
    ("unknown-key.json", '{"format": "nmf-annotator", "version": 1, "lanes": [], "extra": 1}', None, "unknown field 'extra'"),
    ("fields.txt", "1.0\n", 1, "start<TAB>end<TAB>label"),
    ("number.txt", "0.5\t1,0x\thello\n", 1, "end time is not a number"),
    ("backwards.txt", "2\t1\thello\n", 1, "ends before it starts"),
    ("spectral-first.txt", "\\\t100\t200\n", 1, "spectral"),
    ("negative.txt", "0\t1\ta\n-1\t3\tb\n", 2, "must be a finite number >= 0"),
    ("empty.eaf", "", None, "empty file"),
    ("not-xml.eaf", "speech 0 1 hello\n", 1, "not well-formed XML"),
    ("truncated.eaf", GOOD_EAF[: GOOD_EAF.index("<ANNOTATION_VALUE>b")], 18, "ends before its elements are closed"),
    ("mismatched.eaf", eaf("</TIER>", "</TIRE>"), 21, "mismatched tag"),
    ("root.eaf", '<?xml version="1.0"?>\n<TextGrid xmin="0"/>\n', 2, "not an ELAN file"),
    ("format.eaf", eaf('FORMAT="3.0"', 'FORMAT="9.1"'), 2, "not supported"),
    ("no-time-order.eaf", GOOD_EAF[: GOOD_EAF.index("    <TIME_ORDER>")] + GOOD_EAF[GOOD_EAF.index("    <TIER"):], 2, "no TIME_ORDER"),
    ("units.eaf", eaf('TIME_UNITS="milliseconds"', 'TIME_UNITS="PAL-frames"'), 3, "TIME_UNITS"),
    ("negative-time.eaf", eaf('TIME_VALUE="1500"', 'TIME_VALUE="-40"'), 7, "negative TIME_VALUE"),
    ("time-text.eaf", eaf('TIME_VALUE="1500"', 'TIME_VALUE="1.5s"'), 7, "not a whole number of milliseconds"),
    ("slot-twice.eaf", eaf('TIME_SLOT_ID="ts4"', 'TIME_SLOT_ID="ts3"'), 8, "defined twice"),
    ("slot-ref.eaf", eaf('TIME_SLOT_REF2="ts4"', 'TIME_SLOT_REF2="ts9"'), 17, "which TIME_ORDER does not define"),
    ("backwards.eaf", eaf('TIME_VALUE="2000"', 'TIME_VALUE="1200"'), 17, "ends before it starts"),
    ("zero-length.eaf", eaf('TIME_VALUE="2000"', 'TIME_VALUE="1500"'), 17, "has no length"),
    ("overlap.eaf", eaf('TIME_VALUE="1500"', 'TIME_VALUE="800"'), 17, "overlaps annotation 'a1'"),
    ("id-twice.eaf", eaf('ANNOTATION_ID="a2"', 'ANNOTATION_ID="a1"'), 17, "used twice"),
    ("no-value.eaf", eaf("<ANNOTATION_VALUE>b</ANNOTATION_VALUE>", ""), 17, "no ANNOTATION_VALUE"),
    ("dangling-ref.eaf", eaf("    </TIER>\n", '    </TIER>\n    <TIER LINGUISTIC_TYPE_REF="t" PARENT_REF="speech" TIER_ID="tr"><ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a7"><ANNOTATION_VALUE/></REF_ANNOTATION></ANNOTATION></TIER>\n'), 22, "refers to annotation 'a7', which does not exist"),
    ("bomb.eaf", EAF_BOMB, None, "DTD"),
    ("binary.eaf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", 1, "NUL bytes"),
    ("empty.csv", "", None, "empty file"),
    ("columns.csv", "onset,offset,label\n0,1,a\n", 1, "missing column(s) lane"),
    ("unknown-column.csv", "onset,offset,lane,label,notes\n0,1,speech,a,x\n", 1, "unknown column 'notes'"),
    ("fields.csv", GOOD_CSV + "2,3,speech\n", 3, "expected 4 fields"),
    ("number.csv", GOOD_CSV + "2,three,speech,b\n", 3, "offset is not a number"),
    ("nan.csv", GOOD_CSV + "nan,3,speech,b\n", 3, "finite"),
    ("negative.csv", GOOD_CSV + "-2,3,speech,b\n", 3, "onset must be >= 0"),
    ("backwards.csv", GOOD_CSV + "3,2,speech,b\n", 3, "offset 2 is before onset 3"),
    ("zero-length.csv", GOOD_CSV + "3,3,speech,b\n", 3, "offset 3 equals onset 3"),
    ("overlap.csv", GOOD_CSV + "2,3,music,m\n0.5,2,speech,b\n", 4, "would overlap"),
    ("no-lane.csv", GOOD_CSV + "2,3, ,b\n", 3, "the lane is empty"),
    ("quote.csv", GOOD_CSV + '2,3,speech,"unclosed\n', 3, "not valid CSV"),
    ("latin1.csv", (GOOD_CSV + "2,3,speech,caf\u00e9\n").encode("latin-1"), 3, "UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"), CASES, ids=[case[0] for case in CASES]
)
def test_malformed_input_raises_one_line_format_error(tmp_path, name, content, line, reason):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(FormatError) as caught:
        read_annotation(path)
    error = caught.value
    assert type(error) is FormatError
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{path}:")
    assert reason.lower() in error.reason.lower(), message  # not just in the file name
    assert error.line == line, message
    assert error.reason and error.reason in message


def test_there_are_enough_malformed_cases():
    assert sum(name.endswith(".TextGrid") for name, *_ in CASES) >= 15
    assert sum(name.endswith(".rttm") for name, *_ in CASES) >= 10
    assert sum(name.endswith(".eaf") for name, *_ in CASES) >= 10
    assert sum(name.endswith(".csv") for name, *_ in CASES) >= 5
