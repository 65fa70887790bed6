"""The Qt resource reader on resource files written by hand (no Qt, no real package)."""

from __future__ import annotations

import struct

import pytest

from segmenter.recipes.rcc import RccError, rcc_members
from tests.segmenter.recipes.tiny_rcc import rcc_bytes

TREE = {
    "gcompris": {
        "sounds": {"bark.ogg": b"OggS woof" * 20, "note.txt": b"plain"},
        "top.wav": b"RIFF",
    }
}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_members_are_listed_with_their_paths_and_bytes(version) -> None:
    data = rcc_bytes(TREE, version=version, compress=("bark.ogg",))
    members = {m.name: m for m in rcc_members(data)}
    assert set(members) == {
        "gcompris/sounds/bark.ogg",
        "gcompris/sounds/note.txt",
        "gcompris/top.wav",
    }
    bark = members["gcompris/sounds/bark.ogg"]
    assert bark.flags & 1 and bark.stored != b"OggS woof" * 20  # really stored compressed
    assert bark.size == 180 and bark.read() == b"OggS woof" * 20
    assert members["gcompris/sounds/note.txt"].read() == b"plain"
    assert members["gcompris/top.wav"].size == 4


def test_not_a_resource_file_is_one_error() -> None:
    with pytest.raises(RccError, match="qres"):
        rcc_members(b"PK\x03\x04 a zip")
    with pytest.raises(RccError, match="version 9"):
        rcc_members(b"qres" + struct.pack(">IIII", 9, 0, 0, 0))


def test_truncated_file_is_one_error_not_a_crash() -> None:
    data = rcc_bytes(TREE)
    for cut in (10, len(data) // 2, len(data) - 5):
        with pytest.raises(RccError):
            rcc_members(data[:cut])


def test_a_folder_listing_itself_cannot_loop_forever() -> None:
    data = bytearray(rcc_bytes({"a": {"b.ogg": b"x"}}))
    (tree,) = struct.unpack_from(">I", data, 8)
    struct.pack_into(">II", data, tree + 22 + 6, 1, 0)  # folder "a" lists the root as its child
    with pytest.raises(RccError, match="twice"):
        rcc_members(bytes(data))


def test_zstd_and_corrupt_zlib_members_are_refused_by_name() -> None:
    data = bytearray(rcc_bytes({"a.ogg": b"abc" * 50}, compress=("a.ogg",)))
    (tree,) = struct.unpack_from(">I", data, 8)
    struct.pack_into(">H", data, tree + 22 + 4, 4)  # zstd flag
    (member,) = rcc_members(bytes(data))
    with pytest.raises(RccError, match="a.ogg: zstd"):
        member.read()
    data = bytearray(rcc_bytes({"a.ogg": b"abc" * 50}, compress=("a.ogg",)))
    (payload,) = struct.unpack_from(">I", data, 12)
    data[payload + 12 : payload + 16] = b"\xff\xff\xff\xff"  # inside the zlib stream
    (member,) = rcc_members(bytes(data))
    with pytest.raises(RccError, match="a.ogg"):
        member.read()
