"""A huge binary file named like an annotation is refused from its first block (issue 19, weak
spot).

A 2 GB RTTM of NUL bytes used to be read whole, decoded whole (4.2 GB of memory, 20 s) and only
then refused. Now the first 64 KiB decide: NUL bytes or undecodable text there end the read in
one line. The files are sparse (``truncate``), so they cost no disk.
"""

from __future__ import annotations

import codecs
import time
import tracemalloc
from pathlib import Path

import pytest

from tests.robustness._checks import assert_one_error, run_cli

SIZE = 2 * 1024**3
#: Far above the 64 KiB sniffed, far below the 2 GB a whole read takes.
MEMORY_LIMIT = 100 * 1024**2
TIME_LIMIT = 5.0


def sparse(path: Path, head: bytes = b"") -> Path:
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(SIZE)
    return path


CASES = [
    ("nul.rttm", b"", "not a text file (contains NUL bytes)"),
    ("nul.TextGrid", b"", "not a text file (contains NUL bytes)"),
    ("nul.json", b"", "not a text file (contains NUL bytes)"),
    ("nul.txt", b"", "not a text file (contains NUL bytes)"),
    ("text-then-nul.rttm", b"SPEAKER r 1 0 1 <NA> <NA> x <NA> <NA>\n" * 3, ":4: not a text file"),
    ("undecodable.rttm", b"\xc3( not text", "broken UTF-8 text (undecodable bytes)"),
    ("utf16-bom-nul.TextGrid", codecs.BOM_UTF16_LE + "File".encode("utf-16-le"), "NUL bytes"),
]


@pytest.mark.parametrize("name,head,reason", CASES, ids=[c[0] for c in CASES])
def test_a_2_gb_binary_annotation_file_is_refused_quickly_in_little_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, head: bytes, reason: str
) -> None:
    path = sparse(tmp_path / name, head)
    (tmp_path / "out").mkdir()
    tracemalloc.start()
    try:
        began = time.monotonic()
        info = run_cli(capsys, "info", path)
        converted = run_cli(capsys, "convert", path, tmp_path / "out" / "x.TextGrid")
        took = time.monotonic() - began
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_one_error(info, path, reason)
    assert_one_error(converted, path, reason)
    assert peak < MEMORY_LIMIT, f"{peak / 1024**2:.0f} MB traced"
    assert took < TIME_LIMIT, f"{took:.1f} s"
    assert not list((tmp_path / "out").iterdir())
