"""Read the files inside a Qt resource file (``.rcc``) without Qt.

gcompris-qt-data ships its sound effects only inside compiled Qt resources, so the recipe has to
read that format itself (neither Qt's ``rcc`` nor PyQt is a dependency). The layout, as written
by Qt's ``rcc`` (big-endian throughout)::

    header   "qres", version, tree offset, data offset, names offset (+ flags when version >= 3)
    tree     nodes of 14 bytes (version 1) or 22 (version >= 2: + 8-byte modification time):
             name offset (4), flags (2), then a folder: child count (4), first child index (4)
             or a file: territory (2), language (2), data offset (4); node 0 is the root folder
    names    length in UTF-16 units (2), hash (4), the name in UTF-16-BE
    data     length (4), bytes; a zlib-compressed file (flag 1) starts with its size (4)

Only zlib is read: a zstd-compressed member (flag 4) is refused by name, since Debian's
gcompris-qt-data uses none and decoding it would need another module. Every offset is checked,
so a truncated or hostile file is one :class:`RccError`, never a crash or an endless walk.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from segmenter.errors import SegmenterError

__all__ = ["RccError", "RccMember", "rcc_members"]

MAGIC = b"qres"
_COMPRESSED = 0x01
_DIRECTORY = 0x02
_ZSTD = 0x04


class RccError(SegmenterError, ValueError):
    """The bytes are not a resource file this reader understands."""


@dataclass(frozen=True)
class RccMember:
    """One file of the resource: its path and its stored bytes (still compressed if flagged)."""

    name: str
    flags: int
    stored: bytes

    @property
    def size(self) -> int:
        """Uncompressed size (read from the zlib prefix, so listing never inflates anything)."""
        if self.flags & _COMPRESSED:
            if len(self.stored) < 4:
                raise RccError(f"{self.name}: compressed member shorter than its size prefix")
            return int.from_bytes(self.stored[:4], "big")
        return len(self.stored)

    def read(self) -> bytes:
        """The file's bytes, inflated when the member is zlib-compressed."""
        if self.flags & _ZSTD:
            raise RccError(f"{self.name}: zstd-compressed member (only zlib is supported)")
        if not self.flags & _COMPRESSED:
            return self.stored
        try:
            data = zlib.decompress(self.stored[4:])
        except zlib.error as error:
            raise RccError(f"{self.name}: bad zlib data ({error})") from error
        if len(data) != self.size:
            raise RccError(f"{self.name}: inflates to {len(data)} bytes, expected {self.size}")
        return data


def _unpack(data: bytes, fmt: str, offset: int) -> tuple[int, ...]:
    if offset < 0 or offset + struct.calcsize(fmt) > len(data):
        raise RccError(f"offset {offset} outside the file ({len(data)} bytes)")
    return struct.unpack_from(fmt, data, offset)


def rcc_members(data: bytes) -> list[RccMember]:
    """Every file of a resource file's bytes, as ``folder/.../name`` paths in tree order."""
    if data[:4] != MAGIC:
        raise RccError("not a Qt resource file (no 'qres' magic)")
    version, tree, payload, names = _unpack(data, ">IIII", 4)
    if version not in (1, 2, 3):
        raise RccError(f"unknown resource format version {version}")
    node_size = 14 if version == 1 else 22
    nodes = max(0, len(data) - tree) // node_size

    def name_at(offset: int) -> str:
        (length,) = _unpack(data, ">H", names + offset)
        start = names + offset + 6
        if start + 2 * length > len(data):
            raise RccError(f"name at {offset} runs past the end of the file")
        return data[start : start + 2 * length].decode("utf-16-be", errors="replace")

    members: list[RccMember] = []
    seen: set[int] = set()
    todo: list[tuple[int, str]] = [(0, "")]
    while todo:
        index, prefix = todo.pop()
        if index in seen:  # a child pointing back up would loop forever
            raise RccError(f"tree node {index} reached twice")
        seen.add(index)
        if index >= nodes:
            raise RccError(f"tree node {index} outside the file")
        at = tree + index * node_size
        name_offset, flags = _unpack(data, ">IH", at)
        path = f"{prefix}/{name_at(name_offset)}" if index else ""
        path = path.lstrip("/")
        if flags & _DIRECTORY:
            count, first = _unpack(data, ">II", at + 6)
            if first + count > nodes:
                raise RccError(f"folder {path or '/'} lists children outside the tree")
            todo.extend((child, path) for child in reversed(range(first, first + count)))
        else:
            (offset,) = _unpack(data, ">I", at + 10)
            (length,) = _unpack(data, ">I", payload + offset)
            start = payload + offset + 4
            if start + length > len(data):
                raise RccError(f"{path}: data runs past the end of the file")
            members.append(RccMember(path, flags, data[start : start + length]))
    return members
