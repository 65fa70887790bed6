"""`read_text`: the first block of a long file judges it, without misjudging good text."""

from __future__ import annotations

import codecs

import pytest

from annotator.formats._io import SNIFF_BYTES, decode_text, read_text
from annotator.formats.errors import FormatError


@pytest.mark.parametrize("cut", range(-3, 4))
def test_a_character_cut_by_the_first_block_is_not_broken(tmp_path, cut: int) -> None:
    """A 4-byte emoji and a 2-byte "é" land on every position around the block's end."""
    text = "a" * (SNIFF_BYTES + cut) + "😀é\n" * 10
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    assert read_text(path) == text


@pytest.mark.parametrize("cut", range(0, 4))
def test_utf16_with_a_bom_cut_anywhere_reads(tmp_path, cut: int) -> None:
    text = "x" * (SNIFF_BYTES // 2 + cut) + "😀\n"
    path = tmp_path / "long.TextGrid"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert read_text(path) == text


def test_legacy_text_longer_than_a_block_reads(tmp_path) -> None:
    data = b"caf\xe9 " * (SNIFF_BYTES // 4)
    path = tmp_path / "labels.txt"
    path.write_bytes(data)
    assert read_text(path, legacy="cp1252") == data.decode("cp1252")
    with pytest.raises(FormatError, match="broken UTF-8"):
        read_text(path)


@pytest.mark.parametrize(
    "data",
    [
        b"ok\n" * 30_000 + b"\0",  # NUL past the first block
        b"ok\n" * 3 + b"\0" + b"ok\n" * 30_000,  # NUL inside it
        b"ok\n" * 5 + b"\xc3(" + b"ok\n" * 30_000,  # a broken character inside it
        b"ok\n" * 30_000 + b"\xc3(",  # ... and past it
    ],
)
def test_refusals_say_what_the_whole_file_would(tmp_path, data: bytes) -> None:
    path = tmp_path / "x.rttm"
    path.write_bytes(data)
    with pytest.raises(FormatError) as whole:
        decode_text(path, data)
    with pytest.raises(FormatError) as sniffed:
        read_text(path)
    assert str(sniffed.value) == str(whole.value)


def test_a_signature_is_refused_in_its_own_words(tmp_path) -> None:
    path = tmp_path / "b.TextGrid"
    path.write_bytes(b"ooBinaryFile\0\0\0" + bytes(SNIFF_BYTES))
    with pytest.raises(FormatError, match="binary TextGrid"):
        read_text(path, refuse={b"ooBinaryFile": "binary TextGrid"})
