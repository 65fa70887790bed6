"""Praat's text serialisation of a TextGrid, parsed strictly into praatio's plain-data shape.

Why not ``praatio.textgrid.openTextgrid``: in praatio 6.2 it guesses the encoding by trying
BOM-less UTF-16 first (so some UTF-8 files decode as garbage), strips spaces around every label,
rejects numbers in exponent notation (``1e-05``, which Praat reads and praatio itself writes),
misreads a label containing ``item [`` (long format) or equal to ``IntervalTier`` (short
format), and reports problems without a line number. This module reads what Praat reads:

Praat ignores everything that is not a free-standing number, a text in double quotes (``""``
inside is one quote) or a flag in angle brackets; ``!`` starts a comment. So the long format
(``xmin = 0``), the short format (bare values) and hand-made mixtures are one token stream,
and the layout is: "ooTextFile", "TextGrid", xmin, xmax, <exists>, tier count, then per tier
class, name, xmin, xmax, entry count and the entries (xmin, xmax, text or time, mark).

The result is the dictionary praatio's own parser returns (``xmin``, ``xmax``, ``tiers`` with
``class``, ``name``, ``xmin``, ``xmax``, ``entries``), plus the 1-based ``line`` of each tier.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.formats.errors import FormatError

INTERVAL_TIER = "IntervalTier"
POINT_TIER = "TextTier"
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LOOKS_NUMERIC = re.compile(r"[+-]?\.?\d")
#: Overlaps this small between neighbouring intervals are float noise from other tools: the
#: later start is moved onto the earlier end instead of refusing the file.
OVERLAP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "text", "flag"
    value: Any
    line: int


def tokenize(text: str, path: str | Path) -> list[Token]:
    """Numbers, texts and flags with their line numbers; labels such as ``xmin =`` are dropped."""
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    expect_value_after: tuple[str, int] | None = None
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if c == "!":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        start_line = line
        if c == '"':
            parts, j = [], i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise FormatError(path, "text has no closing double quote", start_line)
                parts.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    parts.append('"')
                    j = k + 2
                    continue
                break
            value = "".join(parts)
            line += value.count("\n")
            tokens.append(Token("text", value, start_line))
            i = k + 1
            expect_value_after = None
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        word = text[i:j]
        i = j
        if word.startswith("<") and word.endswith(">") and len(word) > 2:
            tokens.append(Token("flag", word[1:-1], start_line))
            expect_value_after = None
        elif _NUMBER.fullmatch(word):
            tokens.append(Token("number", float(word), start_line))
            expect_value_after = None
        elif _LOOKS_NUMERIC.match(word) or word.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise FormatError(path, f"{word!r} is not a valid number", start_line)
        elif expect_value_after is not None:
            key, key_line = expect_value_after
            raise FormatError(
                path, f"expected a number or a text after {key!r}, found {word!r}", key_line
            )
        elif word.endswith("="):
            expect_value_after = (word, start_line)
    return tokens


class _Cursor:
    """Walks the tokens; every ``take`` names what it wanted so errors can say so."""

    def __init__(self, tokens: list[Token], path: str | Path) -> None:
        self.tokens = tokens
        self.path = path
        self.i = 0

    @property
    def line(self) -> int | None:
        if self.i < len(self.tokens):
            return self.tokens[self.i].line
        return self.tokens[-1].line if self.tokens else None

    def fail(self, reason: str, line: int | None = None) -> FormatError:
        return FormatError(self.path, reason, self.line if line is None else line)

    def take(self, kind: str, what: str) -> Token:
        if self.i >= len(self.tokens):
            raise self.fail(f"file ends early (truncated?): expected {what}")
        token = self.tokens[self.i]
        if token.kind != kind:
            found = {"number": "a number", "text": "a text", "flag": "a flag"}[token.kind]
            shown = f" {token.value!r}" if token.kind != "number" else f" {token.value:g}"
            raise self.fail(f"expected {what}, found {found}{shown}")
        self.i += 1
        return token

    def number(self, what: str) -> float:
        return float(self.take("number", what).value)

    def count(self, what: str) -> int:
        token = self.take("number", what)
        value = token.value
        if not math.isfinite(value) or value < 0 or value != int(value):  # 1e309 reads as inf
            raise self.fail(f"{what} must be a whole number >= 0, got {value:g}", token.line)
        return int(value)

    def text(self, what: str) -> str:
        return str(self.take("text", what).value)


def parse_textgrid(text: str, path: str | Path) -> dict[str, Any]:
    """Parse the text of a TextGrid into praatio's plain dictionary, validating as we go."""
    tokens = tokenize(text, path)
    cur = _Cursor(tokens, path)
    if not tokens:
        raise FormatError(path, "empty file, not a TextGrid")
    first = tokens[0]
    if first.kind == "text" and "chronological" in first.value:
        raise FormatError(
            path,
            "chronological TextGrid files are not supported; "
            "save it from Praat as a (short) text file",
            first.line,
        )
    if first.kind != "text" or first.value not in ("ooTextFile", "ooTextFile short"):
        raise FormatError(
            path, 'not a Praat text file (no File type = "ooTextFile" header)', first.line
        )
    cur.i = 1
    object_class = cur.text('the object class "TextGrid"')
    if object_class != "TextGrid":
        raise cur.fail(f"object class is {object_class!r}, not a TextGrid", tokens[1].line)
    xmin = cur.number("the TextGrid start time (xmin)")
    xmax = cur.number("the TextGrid end time (xmax)")
    if xmin > xmax:
        raise cur.fail(
            f"TextGrid starts after it ends (xmin {xmin:g} > xmax {xmax:g})", tokens[3].line
        )
    exists = cur.take("flag", "<exists> or <absent>")
    if exists.value not in ("exists", "absent"):
        raise cur.fail(f"expected <exists> or <absent>, found <{exists.value}>", exists.line)
    n_tiers = cur.count("the number of tiers") if exists.value == "exists" else 0
    tiers = [_parse_tier(cur, index + 1, n_tiers, xmin, xmax) for index in range(n_tiers)]
    if cur.i < len(tokens):
        raise cur.fail(
            f"unexpected content after the last tier (the file says it has {n_tiers} tiers)"
        )
    return {"xmin": xmin, "xmax": xmax, "tiers": tiers}


def _parse_tier(
    cur: _Cursor, number: int, total: int, tg_xmin: float, tg_xmax: float
) -> dict[str, Any]:
    where = f"tier {number} of {total}"
    class_token = cur.take("text", f"the class of {where}")
    tier_class = class_token.value
    if tier_class not in (INTERVAL_TIER, POINT_TIER):
        raise cur.fail(f"{where} has unknown class {tier_class!r}", class_token.line)
    name = cur.text(f"the name of {where}")
    where = f"tier {number} ({name!r})"
    xmin = cur.number(f"the start time of {where}")
    xmax = cur.number(f"the end time of {where}")
    if xmin > xmax:
        raise cur.fail(f"{where} starts after it ends ({xmin:g} > {xmax:g})", class_token.line)
    if xmin < tg_xmin - OVERLAP_TOLERANCE or xmax > tg_xmax + OVERLAP_TOLERANCE:
        raise cur.fail(f"{where} runs outside the TextGrid's time range", class_token.line)
    size = cur.count(f"the number of entries of {where}")
    entries: list[tuple[float, float, str]] | list[tuple[float, str]]
    if tier_class == INTERVAL_TIER:
        entries = _parse_intervals(cur, size, where, xmin, xmax)
    else:
        entries = _parse_points(cur, size, where, xmin, xmax)
    return {
        "class": tier_class,
        "name": name,
        "xmin": xmin,
        "xmax": xmax,
        "entries": entries,
        "line": class_token.line,
    }


def _parse_intervals(
    cur: _Cursor, size: int, where: str, xmin: float, xmax: float
) -> list[tuple[float, float, str]]:
    entries: list[tuple[float, float, str]] = []
    previous_end = -math.inf
    for k in range(1, size + 1):
        what = f"interval {k} of {size} in {where}"
        line = cur.line
        start = cur.number(f"the start time of {what}")
        end = cur.number(f"the end time of {what}")
        label = cur.text(f"the text of {what}")
        if start > end:
            raise cur.fail(f"{what} starts after it ends ({start:g} > {end:g})", line)
        if start < previous_end:
            if previous_end - start > OVERLAP_TOLERANCE:
                raise cur.fail(
                    f"{what} ({start:g}-{end:g} s) overlaps the previous interval, "
                    f"which ends at {previous_end:g} s",
                    line,
                )
            start = previous_end
        if start < xmin - OVERLAP_TOLERANCE or end > xmax + OVERLAP_TOLERANCE:
            raise cur.fail(f"{what} ({start:g}-{end:g} s) lies outside its tier", line)
        if end <= start:
            if label:
                raise cur.fail(f"{what} has zero length but a text ({label!r})", line)
            continue
        entries.append((start, end, label))
        previous_end = end
    return entries


def _parse_points(
    cur: _Cursor, size: int, where: str, xmin: float, xmax: float
) -> list[tuple[float, str]]:
    entries: list[tuple[float, str]] = []
    for k in range(1, size + 1):
        what = f"point {k} of {size} in {where}"
        line = cur.line
        time = cur.number(f"the time of {what}")
        mark = cur.text(f"the mark of {what}")
        if time < xmin - OVERLAP_TOLERANCE or time > xmax + OVERLAP_TOLERANCE:
            raise cur.fail(f"{what} ({time:g} s) lies outside its tier", line)
        entries.append((time, mark))
    return entries
