"""Write a Qt resource file (``.rcc``) by hand, byte by byte, for the rcc reader's tests.

Built from the format alone (header, names, data, then the tree, children of a folder in
consecutive nodes, breadth first as Qt's ``rcc`` lays them out), not with Qt, so the tests check
the reader against the layout rather than against itself.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from typing import Union

Tree = Mapping[str, Union[bytes, "Tree"]]

COMPRESSED = 0x01
DIRECTORY = 0x02


def rcc_bytes(tree: Tree, *, version: int = 3, compress: tuple[str, ...] = ()) -> bytes:
    """The bytes of a resource file holding ``tree`` (folder name -> subtree, file -> bytes).

    Files whose name is in ``compress`` are stored zlib-compressed behind their size, as
    ``qCompress`` does; the others as they are.
    """
    names = bytearray()
    data = bytearray()
    nodes: list[bytes] = [b""]
    queue: list[tuple[int, str, bytes | Tree]] = [(0, "", tree)]
    mtime = b"" if version == 1 else bytes(8)
    while queue:
        index, name, value = queue.pop(0)
        name_offset = len(names)
        if index:
            names += struct.pack(">HI", len(name), 0) + name.encode("utf-16-be")
        if isinstance(value, bytes):
            flags = COMPRESSED if name in compress else 0
            stored = value
            if flags:
                stored = struct.pack(">I", len(value)) + zlib.compress(value)
            offset = len(data)
            data += struct.pack(">I", len(stored)) + stored
            nodes[index] = struct.pack(">IHHHI", name_offset, flags, 0, 0, offset) + mtime
        else:
            first = len(nodes)
            children = sorted(value.items())
            nodes.extend(b"" for _ in children)
            queue.extend((first + k, n, v) for k, (n, v) in enumerate(children))
            nodes[index] = (
                struct.pack(">IHII", name_offset, DIRECTORY, len(children), first) + mtime
            )
    header = 24 if version >= 3 else 20
    names_at = header
    data_at = names_at + len(names)
    tree_at = data_at + len(data)
    head = b"qres" + struct.pack(">IIII", version, tree_at, data_at, names_at)
    if version >= 3:
        head += struct.pack(">I", 0)
    return head + bytes(names) + bytes(data) + b"".join(nodes)
