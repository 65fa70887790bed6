"""JSON text that any UTF-8 file can hold, recording names included.

A lone surrogate is how Python holds a byte of a file name that is not valid UTF-8 (a
recording's path, ``os.fsdecode``). No UTF-8 file can hold it raw, so writing such a name with
``ensure_ascii=False`` failed at the encode, after the user's work was already prepared: a
sidecar could not be saved at all. JSON's ``\\udce9`` escape holds it, and ``json.loads`` reads
it back to the same name, so the file stays lossless and readable text elsewhere.
"""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_lone_surrogates(text: str) -> str:
    """``text`` (JSON) with every lone surrogate written as its ``\\uXXXX`` escape."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
