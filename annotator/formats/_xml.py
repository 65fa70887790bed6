"""Reading XML annotation files safely, with line numbers; writing them the way ELAN does.

Why defusedxml with DTDs forbidden: an annotation file comes from anywhere (a colleague, a
corpus download), and a document type declaration is the door to entity bombs ("billion
laughs": a few hundred bytes that expand to gigabytes) and to external entities that read
local files. No format we read needs a DTD (ELAN never writes one), so any file declaring one
is refused in one line before a single entity is expanded.

Why our own tree builder: ElementTree keeps no line numbers, and every error of ours names the
line, as a compiler does. defusedxml's parser is expat driven from Python, so the builder can
ask expat where each element starts. The same builder caps the nesting depth, so that a file of
a million nested elements is refused at once instead of exhausting the recursion of whatever
walks the tree next.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import ParseError as DefusedParseError

from annotator.formats._io import read_judged
from annotator.formats.errors import FormatError

#: Far more than any annotation format nests (EAF: 5 levels); deeper is not an annotation.
MAX_DEPTH = 64
#: Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BOMS = (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSI_KEY = "{" + XSI + "}"


class _LineBuilder(ET.TreeBuilder):
    """A tree builder that remembers the line each element starts on and caps the depth."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = path
        self.lines: dict[int, int] = {}  # id(element) -> line; the tree keeps elements alive
        self.parser: Any = None
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        line = self.parser.parser.CurrentLineNumber
        self.lines[id(element)] = line
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormatError(self.path, f"elements nested more than {MAX_DEPTH} deep", line)
        return element

    def end(self, tag: str) -> ET.Element:
        self.depth -= 1
        return super().end(tag)


class XmlTree:
    """A parsed document: its root and the line of each element (`line_of`)."""

    def __init__(self, root: ET.Element, lines: dict[int, int]) -> None:
        self.root = root
        self._lines = lines

    def line_of(self, element: ET.Element) -> int | None:
        return self._lines.get(id(element))


def read_xml(path: str | Path) -> XmlTree:
    """Parse the file at ``path``; every failure is a one-line `FormatError`.

    The first 64 KiB are judged before the rest is read: NUL bytes there (without a UTF-16
    byte-order mark) mean a binary file, refused at once however large it is.
    """
    return parse_xml(read_judged(path, _refuse_binary), path)


def _refuse_binary(path: Path, head: bytes) -> None:
    if not head.strip():
        raise FormatError(path, "empty file")
    if b"\0" in head and not head.startswith(_BOMS[1:]):
        line = head.count(b"\n", 0, head.index(b"\0")) + 1
        raise FormatError(path, "not a text file (contains NUL bytes)", line)


def parse_xml(data: bytes | str, path: str | Path = "<text>") -> XmlTree:
    """Parse XML text or bytes (the encoding declaration decides for bytes)."""
    builder = _LineBuilder(path)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except FormatError:
        raise
    except DefusedXmlException as exc:
        raise FormatError(path, _refusal(exc)) from None
    except (DefusedParseError, ET.ParseError, SyntaxError) as exc:
        position = getattr(exc, "position", None)  # ParseError's (line, column)
        line = position[0] if position else None
        message = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        if message == "no element found":  # expat's words for a file cut short
            message = "ends before its elements are closed"
        raise FormatError(path, f"not well-formed XML ({message})", line) from None
    except (UnicodeError, LookupError, ValueError) as exc:  # an unknown encoding declared
        raise FormatError(path, f"cannot decode the XML ({exc})") from None
    return XmlTree(root, builder.lines)


def _refusal(exc: DefusedXmlException) -> str:
    name = type(exc).__name__
    if name == "DTDForbidden":
        return "declares a DTD (<!DOCTYPE ...>), refused: entity expansion is not allowed"
    if name == "EntitiesForbidden":
        return "declares XML entities, refused: entity expansion is not allowed"
    return "refers to external resources, refused"


def xml_safe(text: str, what: str) -> str:
    """``text`` unchanged, or `ValueError` naming ``what`` when XML 1.0 cannot carry it."""
    bad = _NOT_XML.search(text)
    if bad:
        raise ValueError(
            f"{what} holds the character U+{ord(bad.group()):04X}, which XML cannot carry"
        )
    return text


def xml_text(root: ET.Element, *, indent: str = "    ") -> str:
    """The document as text: declaration, ``indent``-spaced elements, one final newline, in
    the spelling ELAN (Xerces) uses, so that a file we carry through differs from its source
    only where something changed.

    - ``xsi:`` attributes keep that prefix, declared on the root right before the first of
      them (ElementTree alone would invent ``ns0:`` and declare it first);
    - empty elements are closed as ``<X/>``, an empty ANNOTATION_VALUE as ``<X></X>``;
    - carriage returns in text are written as ``&#13;`` (a reader turns a raw one into a
      newline), so a label holding one reads back byte for byte.
    """
    for element in root.iter():
        if any(key.startswith(_XSI_KEY) for key in element.attrib):
            element.attrib = _with_xsi_prefix(element.attrib, declare=element is root)
    ET.indent(root, space=indent)
    body = ET.tostring(root, encoding="unicode")
    body = body.replace(" />", "/>").replace(
        "<ANNOTATION_VALUE/>", "<ANNOTATION_VALUE></ANNOTATION_VALUE>"
    )
    body = body.replace("\r", "&#13;")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _with_xsi_prefix(attributes: dict[str, str], *, declare: bool) -> dict[str, str]:
    spelled: dict[str, str] = {}
    for key, value in attributes.items():
        if key.startswith(_XSI_KEY):
            if declare and "xmlns:xsi" not in spelled:
                spelled["xmlns:xsi"] = XSI
            key = "xsi:" + key[len(_XSI_KEY) :]
        spelled[key] = value
    return spelled


def element_xml(element: ET.Element) -> str:
    """One element as text, without what follows it (its tail), to carry it verbatim."""
    tail, element.tail = element.tail, None
    try:
        return ET.tostring(element, encoding="unicode")
    finally:
        element.tail = tail


def element_from_xml(text: str, what: str) -> ET.Element:
    """An element carried as text, parsed back; `ValueError` when it is not XML any more
    (passthrough comes back from JSON files anyone can edit)."""
    try:
        return parse_xml(text, what).root
    except FormatError as exc:
        raise ValueError(f"the carried {what} is damaged: {exc.reason}") from None
