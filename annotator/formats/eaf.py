"""ELAN EAF ↔ `Annotation`: top-level time-aligned tiers are lanes, the rest is carried.

Why our own module and not pympi-ling (``pympi.Elan``, the usual Python library for EAF):
tried on a file written as ELAN 6 writes it, pympi-ling 1.71 drops the ``CVE_REF`` (link to a
controlled-vocabulary entry) and ``LANG_REF`` of annotations, keeps one ``LOCALE`` per language
code (a file with en-GB and en-US loses one), rewrites the schema location of a FORMAT 3.0 file
to ``EAFv2.8.xsd``, parses with plain ElementTree (a DTD and its entities are accepted), and
reports a bad file as a bare ``KeyError``/``IndexError`` or "Unable to parse eaf" without
naming the file or line. Carrying what we do not edit untouched is the point of this module, so
we read and write the XML ourselves: defusedxml to parse (DTDs refused, see `_xml`), ElementTree
to write, and nothing of ELAN's model beyond what the mapping needs.

Reading (strict: every problem is one line naming the file, the line and the element):
- The root must be ``ANNOTATION_DOCUMENT`` of FORMAT 2.x or 3.0 with a HEADER (TIME_UNITS
  milliseconds, the only unit ELAN writes) and a TIME_ORDER. Time slots need unique ids; a
  TIME_VALUE, when present, is a whole number of milliseconds >= 0. Every annotation needs a
  unique ANNOTATION_ID and an ANNOTATION_VALUE; time slot and annotation references must exist.
- A tier becomes a lane when it has no parent (PARENT_REF), its linguistic type is
  time-alignable without a constraint, and it holds only alignable annotations. Its annotations
  are the segments (value = label, kept byte for byte, an empty value included); they must have
  times on both slots, end after they start and not overlap: ELAN's own rules for such tiers.
- Everything else is kept in ``annotation.passthrough`` (entries tagged ``"format": "eaf"``)
  as the XML it was: dependent and symbolic tiers (one entry each, ``"kind": "tier"``, with its
  position), and in one ``"kind": "document"`` entry the root attributes, the HEADER (media
  descriptors, linked files, properties), the time slots, the linguistic types, locales,
  languages, constraints, controlled vocabularies and whatever else follows the tiers, and per
  lane its tier attributes and its annotations' ids, slots and other attributes (CVE_REF...).
- The recording is the first audio MEDIA_DESCRIPTOR's MEDIA_URL (a ``file:`` URL as a path).
  EAF holds no duration: it stays unknown.

Writing:
- With a carried document, all of it comes back as it was; our lanes are written where they
  were, carried tiers at their positions. A segment keeps the annotation id (and CVE_REF etc.)
  of the annotation it was read as: same times, else the one it overlaps most, so dependents
  (a translation tier) stay attached through moved boundaries and relabels. How time slots are
  kept and numbered: `_eaf_time_order`; which dependents a deleted segment takes along:
  `_eaf_dependents`. New annotations get ids after the highest of the file, and the header's
  ``lastUsedAnnotationId`` is raised to match (ELAN numbers its next annotation from it).
- Without one (a fresh file): FORMAT and VERSION 3.0, a MEDIA_DESCRIPTOR for the recording
  (absolute ``file:`` URL, and a RELATIVE_MEDIA_URL from the EAF's folder so that ELAN finds
  the audio after both moved), DATE from the latest provenance (else now), ELAN's four
  constraints and a ``default-lt`` type.
- Class lanes (speech, music, noise, overlap) not read from an EAF get the linguistic type
  ``nmf-class``, tied to the controlled vocabulary ``nmf-classes`` (one CV_ENTRY_ML per class,
  language ``und`` as ELAN's default), so ELAN offers the classes as a menu; an annotation whose
  value is an entry of its tier's vocabulary gets that entry's CVE_REF.
- Times are whole milliseconds: rounded, so touching segments stay touching; a segment shorter
  than 1 ms after rounding is refused rather than written empty. Model → EAF → model is
  lossless for times on the millisecond grid, EAF → model → EAF is lossless.
- Not representable, hence lost: confidence and source (imported segments are
  ``Source.HUMAN``), the recording duration, provenance, lanes' confidence floors.
- A lane renamed or removed in the editor takes the carried tiers under it along (there is no
  parent left for them); labels and names XML cannot hold (control characters) are refused.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit
from xml.etree import ElementTree as ET

from annotator.core.annotation import CLASS_LANES, Annotation, RecordingInfo
from annotator.core.errors import AnnotationError
from annotator.core.lane import Lane
from annotator.core.segment import Segment
from annotator.formats._eaf_dependents import annotation_of, prune_dependents, surviving_tiers
from annotator.formats._eaf_time_order import SlotKey, TimeOrder, highest_number
from annotator.formats._io import write_text
from annotator.formats._xml import (
    XSI,
    XmlTree,
    element_from_xml,
    element_xml,
    parse_xml,
    read_xml,
    xml_safe,
    xml_text,
)
from annotator.formats.errors import FormatError

PASSTHROUGH_FORMAT = "eaf"
SCHEMA_LOCATION = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
DEFAULT_TYPE = "default-lt"
CLASS_TYPE = "nmf-class"
CLASS_VOCABULARY = "nmf-classes"
VOCABULARY_LANGUAGE = ("und", "http://cdb.iso.org/lg/CDB-00130975-001", "undetermined (und)")
CLASS_DESCRIPTIONS = {
    "speech": "someone speaks",
    "music": "music, sung or played",
    "noise": "sound that is neither speech nor music",
    "overlap": "two or more people speak at once",
}
#: What ELAN writes into every new document.
CONSTRAINTS = (
    ("Time_Subdivision", "Time subdivision of parent annotation's time interval, no time gaps "
                         "allowed within this interval"),
    ("Symbolic_Subdivision", "Symbolic subdivision of a parent annotation. Annotations refering "
                             "to the same parent are ordered"),
    ("Symbolic_Association", "1-1 association with a parent annotation"),
    ("Included_In", "Time alignable annotations within the parent annotation's time interval, "
                    "gaps are allowed"),
)  # fmt: skip
#: The order EAF 3.0 puts the elements after the tiers in.
AFTER_TIERS = ("LINGUISTIC_TYPE", "LOCALE", "LANGUAGE", "CONSTRAINT", "CONTROLLED_VOCABULARY",
               "LEXICON_REF", "REF_LINK_SET", "EXTERNAL_REF")  # fmt: skip
MIME_TYPES = {".wav": "audio/x-wav", ".mp3": "audio/mpeg", ".mp4": "video/mp4",
              ".mpg": "video/mpeg", ".mpeg": "video/mpeg"}  # fmt: skip
_ALIGNED_REFS = ("ANNOTATION_ID", "TIME_SLOT_REF1", "TIME_SLOT_REF2")
_MS = re.compile(r"\d{1,15}")


# --- reading --------------------------------------------------------------------------------
def read_eaf(path: str | Path) -> Annotation:
    """Read an ELAN annotation file (rules in the module docstring)."""
    return annotation_from_tree(read_xml(path), path)


def eaf_from_text(text: str | bytes, path: str | Path = "<text>") -> Annotation:
    """Parse EAF text; ``path`` only names the source in error messages."""
    return annotation_from_tree(parse_xml(text, path), path)


class _Reader:
    """One file being read: its tree, and `fail` that names the element's line."""

    def __init__(self, tree: XmlTree, path: str | Path) -> None:
        self.tree, self.path = tree, path

    def fail(self, element: ET.Element | None, reason: str) -> FormatError:
        line = self.tree.line_of(element) if element is not None else None
        return FormatError(self.path, reason, line)


def annotation_from_tree(tree: XmlTree, path: str | Path = "<text>") -> Annotation:
    """A parsed EAF document → `Annotation` (see the module docstring)."""
    r = _Reader(tree, path)
    root = tree.root
    if root.tag != "ANNOTATION_DOCUMENT":
        raise r.fail(root, f"not an ELAN file: the root element is <{root.tag}>, "
                           "not <ANNOTATION_DOCUMENT>")  # fmt: skip
    version = root.get("FORMAT", "3.0")
    if not re.fullmatch(r"[23](\.\d+)*", version):
        raise r.fail(root, f"EAF format {version!r} is not supported (2.x and 3.0 are)")
    header, time_order, tiers, before, after = _parts(r, root)
    units = header.get("TIME_UNITS", "milliseconds")
    if units != "milliseconds":
        raise r.fail(header, f"TIME_UNITS {units!r} is not supported (ELAN writes milliseconds)")
    slots = _time_slots(r, time_order)
    values = dict(slots)
    _check_annotations(r, tiers, values)
    types = {lt.get("LINGUISTIC_TYPE_ID"): lt for lt in after if lt.tag == "LINGUISTIC_TYPE"}
    annotation = Annotation(recording=RecordingInfo(path=_media_path(header)))
    lanes_meta: dict[str, Any] = {}
    carried: list[dict[str, Any]] = []
    for position, tier in enumerate(tiers):
        name = tier.get("TIER_ID", "")
        if not _is_lane(tier, types):
            carried.append({"format": PASSTHROUGH_FORMAT, "kind": "tier", "position": position,
                            "name": name, "xml": element_xml(tier)})  # fmt: skip
            continue
        lane, meta = _lane(r, tier, values)
        annotation.add_lane(lane)
        lanes_meta[name] = {**meta, "position": position}
    annotation.passthrough.append(
        {
            "format": PASSTHROUGH_FORMAT,
            "kind": "document",
            "attributes": dict(root.attrib),
            "before": [element_xml(e) for e in before],
            "header": element_xml(header),
            "time_slots": [[sid, value] for sid, value in slots],
            "lanes": lanes_meta,
            "after": [element_xml(e) for e in after],
        }
    )
    annotation.passthrough += carried
    return annotation


def _parts(r: _Reader, root: ET.Element) -> tuple[Any, ...]:
    header = time_order = None
    tiers: list[ET.Element] = []
    before: list[ET.Element] = []
    after: list[ET.Element] = []
    for child in root:
        if child.tag in ("HEADER", "TIME_ORDER"):
            if (header if child.tag == "HEADER" else time_order) is not None:
                raise r.fail(child, f"a second {child.tag} element")
            if child.tag == "HEADER":
                header = child
            else:
                time_order = child
        elif child.tag == "TIER":
            tiers.append(child)
        else:
            (before if header is None else after).append(child)
    if header is None:
        raise r.fail(root, "no HEADER element (every EAF file has one)")
    if time_order is None:
        raise r.fail(root, "no TIME_ORDER element (every EAF file has one, even when empty)")
    return header, time_order, tiers, before, after


def _time_slots(r: _Reader, time_order: ET.Element) -> list[tuple[str, int | None]]:
    slots: list[tuple[str, int | None]] = []
    seen: set[str] = set()
    for slot in time_order:
        if slot.tag != "TIME_SLOT":
            raise r.fail(slot, f"unexpected <{slot.tag}> in TIME_ORDER")
        sid = slot.get("TIME_SLOT_ID")
        if not sid:
            raise r.fail(slot, "a TIME_SLOT without TIME_SLOT_ID")
        if sid in seen:
            raise r.fail(slot, f"time slot {sid!r} is defined twice")
        seen.add(sid)
        raw = slot.get("TIME_VALUE")
        value = None
        if raw is not None:
            text = raw.strip()
            if text.startswith("-") and _MS.fullmatch(text[1:]):
                raise r.fail(slot, f"time slot {sid!r} has a negative TIME_VALUE ({raw})")
            if not _MS.fullmatch(text):
                raise r.fail(
                    slot, f"time slot {sid!r} has TIME_VALUE {raw!r}, not a whole number of "
                          "milliseconds"
                )  # fmt: skip
            value = int(text)
        slots.append((sid, value))
    return slots


def _check_annotations(
    r: _Reader, tiers: list[ET.Element], slots: dict[str, int | None]
) -> dict[str, ET.Element]:
    """Every annotation by id, after checking ids, values and references."""
    names: set[str] = set()
    found: dict[str, ET.Element] = {}
    for tier in tiers:
        name = tier.get("TIER_ID")
        if name is None:
            raise r.fail(tier, "a TIER without TIER_ID")
        if name in names:
            raise r.fail(tier, f"two tiers are named {name!r}")
        names.add(name)
        for wrapper in tier:
            if wrapper.tag != "ANNOTATION":
                continue
            annotation = annotation_of(wrapper)
            if annotation is None:
                raise r.fail(wrapper, f"an ANNOTATION of tier {name!r} holds no "
                                      "ALIGNABLE_ANNOTATION or REF_ANNOTATION")  # fmt: skip
            aid = annotation.get("ANNOTATION_ID")
            if not aid:
                raise r.fail(annotation, f"an annotation of tier {name!r} has no ANNOTATION_ID")
            if aid in found:
                raise r.fail(annotation, f"annotation id {aid!r} is used twice")
            if annotation.find("ANNOTATION_VALUE") is None:
                raise r.fail(annotation, f"annotation {aid!r} has no ANNOTATION_VALUE")
            if annotation.tag == "ALIGNABLE_ANNOTATION":
                for ref in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"):
                    sid = annotation.get(ref)
                    if sid is None:
                        raise r.fail(annotation, f"annotation {aid!r} has no {ref}")
                    if sid not in slots:
                        raise r.fail(annotation, f"annotation {aid!r} refers to time slot "
                                                 f"{sid!r}, which TIME_ORDER does not define")  # fmt: skip
            found[aid] = annotation
    for aid, annotation in found.items():
        target = annotation.get("ANNOTATION_REF")
        if annotation.tag == "REF_ANNOTATION" and target not in found:
            raise r.fail(annotation, f"annotation {aid!r} refers to annotation {target!r}, "
                                     "which does not exist")  # fmt: skip
    return found


def _is_lane(tier: ET.Element, types: dict[Any, ET.Element]) -> bool:
    name = tier.get("TIER_ID", "")
    if tier.get("PARENT_REF") is not None or not name.strip():
        return False
    kind = types.get(tier.get("LINGUISTIC_TYPE_REF"))
    if kind is not None and (kind.get("TIME_ALIGNABLE") == "false" or kind.get("CONSTRAINTS")):
        return False
    return all(
        w.tag == "ANNOTATION" and (a := annotation_of(w)) is not None
        and a.tag == "ALIGNABLE_ANNOTATION"
        for w in tier
    )  # fmt: skip


def _lane(
    r: _Reader, tier: ET.Element, slots: dict[str, int | None]
) -> tuple[Lane, dict[str, Any]]:
    name = tier.get("TIER_ID", "")
    rows: list[tuple[int, int, str, ET.Element]] = []
    for wrapper in tier:
        annotation = annotation_of(wrapper)
        assert annotation is not None  # _is_lane saw to it
        aid = annotation.get("ANNOTATION_ID", "")
        times = []
        for ref in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"):
            value = slots[annotation.get(ref, "")]
            if value is None:
                raise r.fail(annotation, f"annotation {aid!r} of tier {name!r} has no time at "
                                         f"{annotation.get(ref)!r}; a top-level tier needs times")  # fmt: skip
            times.append(value)
        start, end = times
        if end < start:
            raise r.fail(annotation, f"annotation {aid!r} of tier {name!r} ends before it "
                                     f"starts ({start} ms > {end} ms)")  # fmt: skip
        if end == start:
            raise r.fail(annotation, f"annotation {aid!r} of tier {name!r} has no length "
                                     f"(starts and ends at {start} ms)")  # fmt: skip
        value_element = annotation.find("ANNOTATION_VALUE")
        label = (value_element.text if value_element is not None else None) or ""
        rows.append((start, end, label, annotation))
    rows.sort(key=lambda row: (row[0], row[1]))
    for (_, end_a, _, first), (start_b, end_b, _, second) in zip(rows, rows[1:], strict=False):
        if start_b < end_a:
            raise r.fail(second, f"annotation {second.get('ANNOTATION_ID')!r} "
                                 f"({start_b}-{end_b} ms) overlaps annotation "
                                 f"{first.get('ANNOTATION_ID')!r} in tier {name!r}; "
                                 "annotations of one tier cannot overlap")  # fmt: skip
    try:
        lane = Lane(name, [Segment(s / 1000, e / 1000, label) for s, e, label, _ in rows])
    except AnnotationError as exc:
        raise r.fail(tier, f"tier {name!r} cannot be a lane: {exc}") from None
    meta = {
        "attributes": dict(tier.attrib),
        "annotations": [
            [a.get("ANNOTATION_ID"), a.get("TIME_SLOT_REF1"), a.get("TIME_SLOT_REF2"), s, e,
             label, {k: v for k, v in a.attrib.items() if k not in _ALIGNED_REFS}]
            for s, e, label, a in rows
        ],
    }  # fmt: skip
    return lane, meta


def _media_path(header: ET.Element) -> str:
    """The recording a HEADER links: the first audio MEDIA_DESCRIPTOR, else the first one."""
    media = [m for m in header if m.tag == "MEDIA_DESCRIPTOR" and m.get("MEDIA_URL")]
    audio = [m for m in media if (m.get("MIME_TYPE") or "").startswith("audio")]
    chosen = audio or media
    return path_of_url(chosen[0].get("MEDIA_URL", "")) if chosen else ""


def path_of_url(url: str) -> str:
    """A ``file:`` URL (or a relative one) as a file system path; other URLs as they are."""
    parts = urlsplit(url)
    if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # C:/... is a Windows path
        path = url if len(parts.scheme) == 1 else parts.path
        return os.fsdecode(unquote_to_bytes(path))
    return url


def url_of_path(path: str) -> str:
    """A path as a URL: ``file:`` and absolute when it is absolute (bytes that are not UTF-8
    percent-encoded as they are), else relative."""
    encoded = quote(os.fsencode(path.replace(os.sep, "/")), safe="/:")
    return (
        f"file://{'' if encoded.startswith('/') else '/'}{encoded}"
        if os.path.isabs(path)
        else encoded
    )


# --- writing --------------------------------------------------------------------------------
def _carried(annotation: Annotation) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    mine = [p for p in annotation.passthrough if p.get("format") == PASSTHROUGH_FORMAT]
    document = next((p for p in mine if p.get("kind") == "document"), None)
    tiers = sorted((p for p in mine if p.get("kind") == "tier"), key=lambda p: p.get("position", 0))
    return document, tiers


class _Planned:
    """One lane annotation to write: its id (or None: new), times, label, the one it was."""

    def __init__(self, segment: Segment, start: int, end: int, was: list[Any] | None) -> None:
        self.segment, self.start, self.end, self.was = segment, start, end, was
        self.id: str | None = was[0] if was else None
        self.slots: tuple[SlotKey, SlotKey] = ("", "")


def _ms(lane: Lane, segment: Segment) -> tuple[int, int]:
    start, end = round(segment.start * 1000), round(segment.end * 1000)
    if end <= start:
        raise ValueError(
            f"segment {segment.start:g}-{segment.end:g} s of lane {lane.name!r} is shorter than "
            "1 ms, the unit of EAF times"
        )
    return start, end


def _plan_lane(lane: Lane, originals: list[list[Any]]) -> list[_Planned]:
    """Pair segments with the annotations they were read as: same times first, then most
    overlap; the rest are new. The originals of a lane do not overlap, so sorted by start
    they are sorted by end too, and the overlapping ones of a segment are found by bisection
    (a lane of thousands of moved boundaries costs no quadratic search)."""
    plans = [_Planned(s, *_ms(lane, s), None) for s in lane]
    ordered = sorted(originals, key=lambda o: (o[3], o[4]))
    ends = [o[4] for o in ordered]
    exact = {(o[3], o[4]): i for i, o in enumerate(ordered)}
    taken: set[int] = set()
    for plan in plans:
        i = exact.get((plan.start, plan.end))
        if i is not None and i not in taken:
            plan.was = ordered[i]
            taken.add(i)
    for plan in plans:
        if plan.was is not None:
            continue
        best, most = None, 0
        i = bisect.bisect_right(ends, plan.start)
        while i < len(ordered) and ordered[i][3] < plan.end:
            overlap = min(ordered[i][4], plan.end) - max(ordered[i][3], plan.start)
            if i not in taken and overlap > most:
                best, most = i, overlap
            i += 1
        if best is not None:
            plan.was = ordered[best]
            taken.add(best)
    for plan in plans:
        plan.id = plan.was[0] if plan.was else None
    return plans


def eaf_text(annotation: Annotation, path: str | Path = "") -> str:
    """The EAF document as text (what `write_eaf` puts in ``path``; rules in the docstring)."""
    document, carried_entries = _carried(annotation)
    meta: dict[str, Any] = dict(document.get("lanes", {})) if document else {}
    carried = [
        element_from_xml(str(p["xml"]), f"tier {p.get('name', '')!r}") for p in carried_entries
    ]
    after = [element_from_xml(str(x), "element") for x in (document or {}).get("after", [])]
    slots = [(str(s), v) for s, v in (document or {}).get("time_slots", [])]

    for lane in annotation:
        xml_safe(lane.name, f"lane name {lane.name!r}")
        for segment in lane:
            xml_safe(segment.label, f"a label of lane {lane.name!r}")
    plans = {lane.name: _plan_lane(lane, meta.get(lane.name, {}).get("annotations", []))
             for lane in annotation}  # fmt: skip
    written_ids = {p.id for ps in plans.values() for p in ps if p.id}
    dead = {o[0] for name, m in meta.items() for o in m.get("annotations", [])} - written_ids
    _follow_renamed_lanes(carried, meta, annotation)
    alive = surviving_tiers(carried, annotation.lane_names)
    carried_kept = [(e, t) for e, t in zip(carried_entries, carried, strict=True)
                    if t.get("TIER_ID", "") in alive]  # fmt: skip
    lane_spans = {name: [(o[0], o[3], o[4]) for o in m.get("annotations", [])]
                  for name, m in meta.items()}  # fmt: skip
    prune_dependents([t for _, t in carried_kept], lane_spans, dead, slots)

    # ids: kept ones stay; new ones count on from the highest of the file
    existing = {o[0] for m in meta.values() for o in m.get("annotations", [])}
    existing |= {a.get("ANNOTATION_ID", "") for _, t in carried_kept for a in t.iter()
                 if a.get("ANNOTATION_ID")}  # fmt: skip
    header = (element_from_xml(str(document["header"]), "HEADER") if document
              else _fresh_header(annotation, path))  # fmt: skip
    counter = max(highest_number(existing), _last_used(header))
    order = TimeOrder(slots)
    for lane in annotation:
        for plan in plans[lane.name]:
            if plan.id is None:
                counter += 1
                plan.id = f"a{counter}"
            was = plan.was
            plan.slots = (order.claim(was[1] if was else None, plan.start),
                          order.claim(was[2] if was else None, plan.end))  # fmt: skip
    for _, tier in carried_kept:
        for element in tier.iter("ALIGNABLE_ANNOTATION"):
            order.keep(element.get("TIME_SLOT_REF1", ""))
            order.keep(element.get("TIME_SLOT_REF2", ""))
    _set_last_used(header, counter)

    root = ET.Element("ANNOTATION_DOCUMENT", _root_attributes(annotation, document))
    root.extend(element_from_xml(str(x), "element") for x in (document or {}).get("before", []))
    root.append(header)
    time_order = ET.SubElement(root, "TIME_ORDER")
    for sid, value in order.finish():
        slot = ET.SubElement(time_order, "TIME_SLOT", TIME_SLOT_ID=sid)
        if value is not None:
            slot.set("TIME_VALUE", str(value))
    definitions = _definitions(annotation, meta, after, document is None)
    vocabularies = _vocabularies(definitions)
    tiers: list[ET.Element] = [
        _lane_tier(lane, meta.get(lane.name), plans[lane.name], order, vocabularies)
        for lane in annotation
    ]
    for entry, tier in carried_kept:
        tiers.insert(min(int(entry.get("position", len(tiers))), len(tiers)), tier)
    root.extend(tiers)
    root.extend(definitions)
    return xml_text(root)


def _follow_renamed_lanes(
    carried: list[ET.Element], meta: dict[str, Any], annotation: Annotation
) -> None:
    """Point dependents at their parent's new name when a lane was renamed on import (the
    editor's import renames a lane whose name is taken; its settings follow it)."""
    renamed = {
        str(m.get("attributes", {}).get("TIER_ID", name)): name
        for name, m in meta.items()
        if name in annotation
    }
    for tier in carried:
        parent = tier.get("PARENT_REF")
        if parent is not None and renamed.get(parent, parent) != parent:
            tier.set("PARENT_REF", renamed[parent])


def _root_attributes(annotation: Annotation, document: dict[str, Any] | None) -> dict[str, str]:
    if document is not None:
        return {str(k): str(v) for k, v in document.get("attributes", {}).items()}
    dates = [p.created for p in annotation.provenance if p.created]
    date = max(dates) if dates else datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {"AUTHOR": "", "DATE": date, "FORMAT": "3.0", "VERSION": "3.0",
            f"{{{XSI}}}noNamespaceSchemaLocation": SCHEMA_LOCATION}  # fmt: skip


def _fresh_header(annotation: Annotation, path: str | Path) -> ET.Element:
    header = ET.Element("HEADER", MEDIA_FILE="", TIME_UNITS="milliseconds")
    media = annotation.recording.path
    if media:
        xml_safe(media, "the recording's path")
        descriptor = ET.SubElement(header, "MEDIA_DESCRIPTOR", MEDIA_URL=url_of_path(media))
        descriptor.set("MIME_TYPE", MIME_TYPES.get(Path(media).suffix.lower(), "audio/*"))
        if os.path.isabs(media) and str(path):
            try:
                relative = os.path.relpath(media, os.path.dirname(os.path.abspath(path)))
            except ValueError:  # another drive (Windows): no relative path exists
                relative = ""
            if relative:
                relative = relative if relative.startswith("..") else f"./{relative}"
                descriptor.set("RELATIVE_MEDIA_URL", url_of_path(relative))
    ET.SubElement(header, "PROPERTY", NAME="lastUsedAnnotationId").text = "0"
    return header


def _last_used(header: ET.Element) -> int:
    for prop in header.iter("PROPERTY"):
        if prop.get("NAME") == "lastUsedAnnotationId":
            text = (prop.text or "").strip()
            return int(text) if _MS.fullmatch(text) else 0
    return 0


def _set_last_used(header: ET.Element, highest: int) -> None:
    """Raise ``lastUsedAnnotationId`` to ``highest`` (ELAN numbers new annotations after it);
    the header is left alone when it already says as much."""
    if highest <= _last_used(header):
        return
    for prop in header.iter("PROPERTY"):
        if prop.get("NAME") == "lastUsedAnnotationId":
            prop.text = str(highest)
            return
    ET.SubElement(header, "PROPERTY", NAME="lastUsedAnnotationId").text = str(highest)


def _fresh_type(lane: Lane) -> str:
    return CLASS_TYPE if lane.name in CLASS_LANES else DEFAULT_TYPE


def _definitions(
    annotation: Annotation, meta: dict[str, Any], carried: list[ET.Element], fresh: bool
) -> list[ET.Element]:
    """The elements after the tiers: the carried ones, plus the types, vocabulary, language
    (and, in a fresh file, ELAN's constraints) that our new lanes need, in EAF's order."""
    declared = {(e.tag, e.get(key)) for e in carried
                for key in ("LINGUISTIC_TYPE_ID", "CV_ID", "LANG_ID", "STEREOTYPE") if e.get(key)}  # fmt: skip
    needed = {_fresh_type(lane) for lane in annotation if lane.name not in meta}
    if fresh:
        needed.add(DEFAULT_TYPE)
    added: list[ET.Element] = []

    def add(tag: str, key: str, **attributes: str) -> ET.Element | None:
        if (tag, key) in declared:
            return None
        element = ET.Element(tag, attributes)
        added.append(element)
        return element

    for kind in sorted(needed):
        attributes = {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": kind,
                      "TIME_ALIGNABLE": "true"}  # fmt: skip
        if kind == CLASS_TYPE:
            attributes = {"CONTROLLED_VOCABULARY_REF": CLASS_VOCABULARY, **attributes}
        add("LINGUISTIC_TYPE", kind, **attributes)
    if CLASS_TYPE in needed:
        lang, definition, label = VOCABULARY_LANGUAGE
        add("LANGUAGE", lang, LANG_DEF=definition, LANG_ID=lang, LANG_LABEL=label)
        vocabulary = add("CONTROLLED_VOCABULARY", CLASS_VOCABULARY, CV_ID=CLASS_VOCABULARY)
        if vocabulary is not None:
            ET.SubElement(
                vocabulary, "DESCRIPTION", LANG_REF=lang
            ).text = "Sound classes of nmf-annotator"
            for name in CLASS_LANES:
                entry = ET.SubElement(vocabulary, "CV_ENTRY_ML", CVE_ID=f"cveid_{name}")
                value = ET.SubElement(
                    entry, "CVE_VALUE", DESCRIPTION=CLASS_DESCRIPTIONS[name], LANG_REF=lang
                )
                value.text = name
    if fresh:
        for stereotype, description in CONSTRAINTS:
            add("CONSTRAINT", stereotype, DESCRIPTION=description, STEREOTYPE=stereotype)
    return _in_eaf_order([*carried, *added])


def _in_eaf_order(elements: Iterable[ET.Element]) -> list[ET.Element]:
    """Stable sort by EAF's element groups; an unknown element stays after its predecessor."""
    keyed: list[tuple[int, int, ET.Element]] = []
    rank = 0
    for position, element in enumerate(elements):
        if element.tag in AFTER_TIERS:
            rank = AFTER_TIERS.index(element.tag)
        keyed.append((rank, position, element))
    return [element for _, _, element in sorted(keyed, key=lambda k: (k[0], k[1]))]


def _vocabularies(definitions: list[ET.Element]) -> dict[str, dict[str, str]]:
    """Per linguistic type with a controlled vocabulary: {value: CVE_ID} of its entries."""
    entries: dict[str, dict[str, str]] = {}
    for cv in definitions:
        if cv.tag == "CONTROLLED_VOCABULARY":
            found: dict[str, str] = {}
            for entry in cv.iter("CV_ENTRY_ML"):
                for value in entry.iter("CVE_VALUE"):
                    found.setdefault(value.text or "", entry.get("CVE_ID", ""))
            entries[cv.get("CV_ID", "")] = found
    return {
        lt.get("LINGUISTIC_TYPE_ID", ""): entries.get(lt.get("CONTROLLED_VOCABULARY_REF", ""), {})
        for lt in definitions
        if lt.tag == "LINGUISTIC_TYPE" and lt.get("CONTROLLED_VOCABULARY_REF")
    }


def _lane_tier(
    lane: Lane,
    meta: dict[str, Any] | None,
    plans: list[_Planned],
    order: TimeOrder,
    vocabularies: dict[str, dict[str, str]],
) -> ET.Element:
    if meta is not None:
        attributes = {str(k): str(v) for k, v in meta.get("attributes", {}).items()}
        attributes["TIER_ID"] = lane.name
    else:
        attributes = {"LINGUISTIC_TYPE_REF": _fresh_type(lane), "TIER_ID": lane.name}
    tier = ET.Element("TIER", attributes)
    vocabulary = vocabularies.get(attributes.get("LINGUISTIC_TYPE_REF", ""), {})
    for plan in plans:
        label = plan.segment.label
        extra: dict[str, str] = {}
        if plan.was is not None:
            extra = {str(k): str(v) for k, v in plan.was[6].items()}
            if plan.was[5] != label:
                extra.pop("CVE_REF", None)
        if (
            "CVE_REF" not in extra
            and label in vocabulary
            and (plan.was is None or plan.was[5] != label)
        ):
            extra["CVE_REF"] = vocabulary[label]
        attributes = {"ANNOTATION_ID": plan.id or "", **extra,
                      "TIME_SLOT_REF1": order.slot_id(plan.slots[0]),
                      "TIME_SLOT_REF2": order.slot_id(plan.slots[1])}  # fmt: skip
        wrapper = ET.SubElement(tier, "ANNOTATION")
        aligned = ET.SubElement(wrapper, "ALIGNABLE_ANNOTATION", dict(sorted(attributes.items())))
        ET.SubElement(aligned, "ANNOTATION_VALUE").text = label
    return tier


def write_eaf(annotation: Annotation, path: str | Path) -> None:
    """Write ``annotation`` as an ELAN file (EAF 3.0), atomically."""
    try:
        text = eaf_text(annotation, path)
    except (ValueError, AnnotationError) as exc:
        raise FormatError(path, str(exc)) from None
    write_text(path, text)
