"""A structural check of EAF 3.0 files, standing in for the schema.

The EAF 3.0 XSD (``EAFv3.0.xsd``, published by the MPI for ELAN) ships in no package we can
install here: not in pympi-ling, speach, elan-data, bela or xmlschema, and the machine reaches
no other site. So this checks what the schema says about the elements we write and carry:
the order of the root's children, the required attributes, the ID/IDREF pairs (time slots,
annotations, tiers, linguistic types, vocabularies and entries, languages) and the value types
(unsignedInt times, dateTime DATE). `problems` lists what is wrong, empty for a valid file.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

ROOT_ORDER = ("LICENSE", "HEADER", "TIME_ORDER", "TIER", "LINGUISTIC_TYPE", "LOCALE",
              "LANGUAGE", "CONSTRAINT", "CONTROLLED_VOCABULARY", "LEXICON_REF", "REF_LINK_SET",
              "EXTERNAL_REF")  # fmt: skip
HEADER_ORDER = ("MEDIA_DESCRIPTOR", "LINKED_FILE_DESCRIPTOR", "PROPERTY")
REQUIRED = {
    "ANNOTATION_DOCUMENT": ("DATE", "AUTHOR", "VERSION"),
    "MEDIA_DESCRIPTOR": ("MEDIA_URL", "MIME_TYPE"),
    "LINKED_FILE_DESCRIPTOR": ("LINK_URL", "MIME_TYPE"),
    "TIME_SLOT": ("TIME_SLOT_ID",),
    "TIER": ("TIER_ID", "LINGUISTIC_TYPE_REF"),
    "ALIGNABLE_ANNOTATION": ("ANNOTATION_ID", "TIME_SLOT_REF1", "TIME_SLOT_REF2"),
    "REF_ANNOTATION": ("ANNOTATION_ID", "ANNOTATION_REF"),
    "LINGUISTIC_TYPE": ("LINGUISTIC_TYPE_ID",),
    "LOCALE": ("LANGUAGE_CODE",),
    "LANGUAGE": ("LANG_ID",),
    "CONSTRAINT": ("STEREOTYPE",),
    "CONTROLLED_VOCABULARY": ("CV_ID",),
    "CV_ENTRY_ML": ("CVE_ID",),
    "CVE_VALUE": ("LANG_REF",),
}
DATE_TIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
NC_NAME = re.compile(r"[A-Za-z_][\w.\-]*")


def _in_order(children: list[ET.Element], order: tuple[str, ...], where: str) -> list[str]:
    ranks = [order.index(c.tag) if c.tag in order else -1 for c in children]
    found = [
        f"{where}: unexpected <{c.tag}>" for c, r in zip(children, ranks, strict=True) if r < 0
    ]
    if any(b < a for a, b in zip(ranks, ranks[1:], strict=False)):
        found.append(f"{where}: children out of order: {[c.tag for c in children]}")
    return found


def problems(text: str | bytes) -> list[str]:
    root = ET.fromstring(text)
    found: list[str] = []
    if root.tag != "ANNOTATION_DOCUMENT":
        return [f"root is <{root.tag}>"]
    children = list(root)
    found += _in_order(children, ROOT_ORDER, "ANNOTATION_DOCUMENT")
    if [c.tag for c in children].count("HEADER") != 1:
        found.append("not exactly one HEADER")
    if [c.tag for c in children].count("TIME_ORDER") != 1:
        found.append("not exactly one TIME_ORDER")
    if not DATE_TIME.fullmatch(root.get("DATE", "")):
        found.append(f"DATE {root.get('DATE')!r} is not an xsd:dateTime")
    for element in root.iter():
        for attribute in REQUIRED.get(element.tag, ()):
            if element.get(attribute) is None:
                found.append(f"<{element.tag}> without {attribute}")
    header = root.find("HEADER")
    if header is not None:
        found += _in_order(list(header), HEADER_ORDER, "HEADER")
    ids: dict[str, str] = {}  # xsd:ID values share one space
    for element in root.iter():
        for attribute in ("TIME_SLOT_ID", "ANNOTATION_ID"):
            value = element.get(attribute)
            if value is None:
                continue
            if not NC_NAME.fullmatch(value):
                found.append(f"{attribute} {value!r} is not an NCName")
            if value in ids:
                found.append(f"ID {value!r} used twice")
            ids[value] = element.tag
    slots = {e.get("TIME_SLOT_ID"): e.get("TIME_VALUE") for e in root.iter("TIME_SLOT")}
    for value in slots.values():
        if value is not None and not re.fullmatch(r"\d+", value):
            found.append(f"TIME_VALUE {value!r} is not an unsignedInt")
    tiers = {t.get("TIER_ID") for t in root.iter("TIER")}
    types = {t.get("LINGUISTIC_TYPE_ID"): t for t in root.iter("LINGUISTIC_TYPE")}
    vocabularies = {v.get("CV_ID") for v in root.iter("CONTROLLED_VOCABULARY")}
    entries = {e.get("CVE_ID") for e in root.iter("CV_ENTRY_ML")}
    languages = {e.get("LANG_ID") for e in root.iter("LANGUAGE")}
    stereotypes = {e.get("STEREOTYPE") for e in root.iter("CONSTRAINT")}
    annotations = {e.get("ANNOTATION_ID") for e in root.iter() if e.tag.endswith("_ANNOTATION")}
    for tier in root.iter("TIER"):
        if tier.get("LINGUISTIC_TYPE_REF") not in types:
            found.append(f"tier {tier.get('TIER_ID')!r}: undeclared linguistic type")
        if tier.get("PARENT_REF") is not None and tier.get("PARENT_REF") not in tiers:
            found.append(f"tier {tier.get('TIER_ID')!r}: no parent tier {tier.get('PARENT_REF')!r}")
        for wrapper in tier:
            inner = list(wrapper)
            if wrapper.tag != "ANNOTATION" or len(inner) != 1:
                found.append(f"tier {tier.get('TIER_ID')!r}: malformed <{wrapper.tag}>")
                continue
            values = [v for v in inner[0] if v.tag == "ANNOTATION_VALUE"]
            if len(values) != 1:
                found.append(f"annotation {inner[0].get('ANNOTATION_ID')!r}: no ANNOTATION_VALUE")
    for element in root.iter():
        refs = (("TIME_SLOT_REF1", slots), ("TIME_SLOT_REF2", slots),
                ("ANNOTATION_REF", annotations), ("PREVIOUS_ANNOTATION", annotations),
                ("CVE_REF", entries), ("LANG_REF", languages),
                ("CONTROLLED_VOCABULARY_REF", vocabularies), ("CONSTRAINTS", stereotypes))  # fmt: skip
        for attribute, known in refs:
            value = element.get(attribute)
            if value is not None and value not in known:
                found.append(f"<{element.tag}> {attribute}={value!r} refers to nothing")
    for entry in root.iter("CV_ENTRY_ML"):
        if not list(entry.iter("CVE_VALUE")):
            found.append(f"CV entry {entry.get('CVE_ID')!r} without a CVE_VALUE")
    return found
