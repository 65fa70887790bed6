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
