"""Text made safe to print as one line: names from the file system escaped, not trusted.

A file name may hold a newline (a two-line error, the second line looking like another
message), a carriage return or an escape sequence (rewriting what the terminal shows), or, from
a name that is not valid UTF-8, lone surrogates that a strict stdout cannot encode. Messages
show such characters the way Python writes them in a string (``\\n``, ``\\x1b``; an undecodable
byte as ``\\xff``); everything else, accents and other scripts included, stays as it is.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: control characters, line and paragraph separators, lone surrogates
_ESCAPED = frozenset({"Cc", "Zl", "Zp", "Cs"})


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character escaped, so that it prints as one line."""
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _ESCAPED else c for c in text)
