"""File-system and text-decoding helpers shared by the format modules.

They exist so that every reader fails the same way: a missing file, a folder, a permission
problem or undecodable bytes become a one-line `FormatError`, never an ``OSError`` or a
``UnicodeDecodeError`` traceback, and every writer replaces its target atomically. A reader
judges a file by its first 64 KiB before reading the rest, so that a huge binary file named
like an annotation costs a moment, not gigabytes.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from annotator.core.atomic import SaveError, atomic_write_bytes
from annotator.formats.errors import FormatError

#: How much of an annotation file decides whether it is text at all. A binary file (a 2 GB
#: file of NULs named ``.rttm``) is refused after this much, not after reading and decoding
#: all of it (seconds and gigabytes); text is never this far from its first NUL-free line.
SNIFF_BYTES = 64 * 1024


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn the usual OS failures of opening and reading ``path`` into `FormatError`."""
    try:
        yield
    except FileNotFoundError:
        raise FormatError(path, "no such file") from None
    except IsADirectoryError:
        raise FormatError(path, "is a folder, not a file") from None
    except PermissionError:
        raise FormatError(path, "permission denied") from None
    except OSError as exc:
        if path.is_dir():
            raise FormatError(path, "is a folder, not a file") from None
        raise FormatError(path, f"cannot read ({exc.strerror or exc})") from None


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, with the usual OS failures turned into `FormatError`."""
    path = Path(path)
    with _reading(path):
        return path.read_bytes()


def read_judged(path: str | Path, judge: Callable[[Path, bytes], None]) -> bytes:
    """The file's bytes, read whole only after ``judge(path, first_block)`` returned: a
    judge that raises (NUL bytes where text belongs) ends the read after 64 KiB."""
    path = Path(path)
    with _reading(path), open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        judge(path, head)
        if len(head) < SNIFF_BYTES:
            return head
        handle.seek(0)
        return handle.read()


def read_text(
    path: str | Path, *, legacy: str | None = None, refuse: Mapping[bytes, str] | None = None
) -> str:
    """The file decoded by `decode_text`'s rules, judged by its first block before the rest
    is read: undecodable bytes or NULs there refuse it at once, in the words (and line) the
    whole file would get. ``refuse`` maps a leading signature to its own reason (Praat's
    binary TextGrid), checked first."""
    path = Path(path)
    with _reading(path), open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        for signature, reason in (refuse or {}).items():
            if head.startswith(signature):
                raise FormatError(path, reason)
        if len(head) < SNIFF_BYTES:  # the whole file: no need to judge a part of it
            return decode_text(path, head, legacy=legacy)
        _decoded(path, head, legacy, final=False)
        handle.seek(0)  # one buffer of the whole file, not the head joined to the rest
        data = handle.read()
    return decode_text(path, data, legacy=legacy)


def _line_of_byte(data: bytes, offset: int, unit: int = 1) -> int:
    """1-based line number of a byte offset (``unit`` = 2 for UTF-16 code units)."""
    newline = b"\n" if unit == 1 else None
    if newline is not None:
        return data.count(newline, 0, offset) + 1
    # UTF-16: count newline code units in either byte order, aligned on 2 bytes
    chunk = data[:offset]
    return sum(1 for i in range(0, len(chunk) - 1, 2) if chunk[i : i + 2] in (b"\n\0", b"\0\n")) + 1


def decode_text(path: str | Path, data: bytes, *, legacy: str | None = None) -> str:
    """Decode a text file the way Praat does: BOM first, else UTF-8, else ``legacy`` (if given).

    UTF-16 is only recognised by its byte-order mark (Praat always writes one); a NUL byte in
    what should be text means a binary file, which we reject rather than parse as garbage.
    Newlines are normalised to ``\\n`` so line numbers agree with what an editor shows.
    """
    text = _decoded(path, data, legacy, final=True)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decoded(path: str | Path, data: bytes, legacy: str | None, *, final: bool) -> str:
    """`decode_text` before newlines are normalised. ``final=False`` judges the first block of
    a longer file: a character cut at its end is left for the rest, not called broken."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, body, unit = "utf-8", data[len(codecs.BOM_UTF8) :], 1
    elif data.startswith(codecs.BOM_UTF16_BE):
        encoding, body, unit = "utf-16-be", data[2:], 2
    elif data.startswith(codecs.BOM_UTF16_LE):
        encoding, body, unit = "utf-16-le", data[2:], 2
    else:
        encoding, body, unit = "utf-8", data, 1
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(body, final=final)
    except UnicodeDecodeError as exc:
        if unit == 1 and legacy is not None and not data.startswith(codecs.BOM_UTF8):
            try:
                text = body.decode(legacy)
            except UnicodeDecodeError:
                raise FormatError(path, "not a text file (undecodable bytes)") from None
        else:
            line = _line_of_byte(body, exc.start, unit)
            what = "UTF-16" if unit == 2 else "UTF-8"
            raise FormatError(path, f"broken {what} text (undecodable bytes)", line) from None
    if "\0" in text:
        if unit == 1 and _looks_like_utf16(body):
            raise FormatError(
                path,
                "UTF-16 text without a byte-order mark; save it as UTF-8 or as UTF-16 with one",
            )
        line = text.count("\n", 0, text.index("\0")) + 1
        raise FormatError(path, "not a text file (contains NUL bytes)", line)
    return text


def _looks_like_utf16(data: bytes) -> bool:
    """Every other byte NUL at the start: ASCII-range text in UTF-16 that lost its BOM."""
    head = data[:512]
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return any(
        half.count(0) >= 0.9 * len(half) and other.count(0) == 0
        for half, other in ((even, odd), (odd, even))
    )


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Atomically replace ``path`` with ``text``; failures become `FormatError`, no partial file."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise FormatError(path, f"text cannot be written as {encoding} ({exc.reason})") from None
    try:
        atomic_write_bytes(path, data)
    except SaveError as exc:
        message = str(exc)
        prefix = f"{path}: "
        raise FormatError(
            path, message[len(prefix) :] if message.startswith(prefix) else message
        ) from exc
