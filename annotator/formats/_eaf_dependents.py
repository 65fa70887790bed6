"""Carried ELAN tiers whose parent changed: what of them is dropped so the file stays valid.

We write the tiers we do not edit (translations, subdivisions, other dependents) as we read
them. But a dependent annotation belongs to an annotation of its parent tier: a symbolic one
names it (``ANNOTATION_REF``), a time-aligned one lies inside it. When the parent is a lane and
the person deleted that segment, or merged it into another, a dependent pointing at it would
make a file ELAN refuses; ELAN itself deletes the dependents of a deleted annotation. So:

- a carried tier whose parent tier is no longer written (its lane was removed or renamed) is
  dropped, with the tiers under it;
- a dependent annotation whose parent annotation is gone is dropped, and so on down the chain;
  a symbolic subdivision's ``PREVIOUS_ANNOTATION`` that named a dropped sibling names the
  sibling before that one instead.

Which parent annotation a time-aligned dependent belongs to is read from the times of the file
as it was: the parent annotation containing it (an unaligned boundary counts as the nearest
aligned one before or after it), else the one it overlaps most.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from xml.etree import ElementTree as ET

#: (annotation id, start ms, end ms) of one parent annotation, as in the file read.
Span = tuple[str, int, int]


def annotation_of(wrapper: ET.Element) -> ET.Element | None:
    """The ALIGNABLE_ANNOTATION or REF_ANNOTATION inside an ANNOTATION element."""
    for child in wrapper:
        if child.tag in ("ALIGNABLE_ANNOTATION", "REF_ANNOTATION"):
            return child
    return None


def surviving_tiers(carried: Sequence[ET.Element], written_lanes: Iterable[str]) -> set[str]:
    """Names of the carried tiers whose chain of parents ends in a written tier."""
    by_name = {tier.get("TIER_ID", ""): tier for tier in carried}
    lanes = set(written_lanes)
    alive: dict[str, bool] = {}

    def lives(name: str, seen: frozenset[str]) -> bool:
        if name in lanes:
            return True
        if name in alive:
            return alive[name]
        tier = by_name.get(name)
        if tier is None or name in seen:  # unknown parent, or a cycle of parents
            return False
        parent = tier.get("PARENT_REF")
        alive[name] = parent is None or lives(parent, seen | {name})
        return alive[name]

    return {name for name in by_name if lives(name, frozenset())}


class SlotTimes:
    """Times of the original slots; an unaligned slot reads as its nearest aligned neighbour."""

    def __init__(self, slots: Sequence[tuple[str, int | None]]) -> None:
        self.before: dict[str, int] = {}
        self.after: dict[str, int] = {}
        last = 0
        for sid, value in slots:
            last = value if value is not None else last
            self.before[sid] = last
        following: int | None = None
        for sid, value in reversed(slots):
            following = value if value is not None else following
            self.after[sid] = following if following is not None else self.before[sid]

    def span(self, annotation: ET.Element) -> tuple[int, int]:
        first = annotation.get("TIME_SLOT_REF1", "")
        second = annotation.get("TIME_SLOT_REF2", "")
        return self.before.get(first, 0), self.after.get(second, 0)


def _owner(spans: Sequence[Span], starts: Sequence[int], lo: int, hi: int) -> str | None:
    """The parent annotation containing [lo, hi], else the one overlapping it most."""
    i = bisect.bisect_right(starts, lo) - 1
    best, most = None, 0
    for candidate in spans[max(i, 0) : i + 2]:
        aid, start, end = candidate
        if start <= lo and hi <= end:
            return aid
        overlap = min(end, hi) - max(start, lo)
        if overlap > most:
            best, most = aid, overlap
    return best


def prune_dependents(
    carried: Sequence[ET.Element],
    lane_spans: Mapping[str, Sequence[Span]],
    dead: set[str],
    slots: Sequence[tuple[str, int | None]],
) -> None:
    """Remove from ``carried`` (tiers that survive, in place) the annotations whose parent
    annotation is in ``dead`` (original lane annotations not written), transitively."""
    if not dead:
        return
    times = SlotTimes(slots)
    spans: dict[str, list[Span]] = {
        name: sorted(s, key=lambda x: x[1]) for name, s in lane_spans.items()
    }
    previous: dict[str, str | None] = {}
    pending = list(carried)
    progress = True
    while pending and progress:  # parents first, whatever order the file lists tiers in
        progress = False
        for tier in list(pending):
            parent = tier.get("PARENT_REF")
            if (
                parent is not None
                and parent not in spans
                and any(t.get("TIER_ID") == parent for t in pending)
            ):
                continue
            pending.remove(tier)
            progress = True
            spans[tier.get("TIER_ID", "")] = _prune_tier(
                tier, spans.get(parent or ""), dead, times, previous
            )
    for tier in carried:
        for wrapper in tier:
            annotation = annotation_of(wrapper)
            if annotation is None:
                continue
            before = annotation.get("PREVIOUS_ANNOTATION")
            while before is not None and before in dead:
                before = previous.get(before)
            if before is None:
                annotation.attrib.pop("PREVIOUS_ANNOTATION", None)
            else:
                annotation.set("PREVIOUS_ANNOTATION", before)


def _prune_tier(
    tier: ET.Element,
    parent_spans: Sequence[Span] | None,
    dead: set[str],
    times: SlotTimes,
    previous: dict[str, str | None],
) -> list[Span]:
    """Drop this tier's annotations whose parent is dead; its spans, for its own children."""
    starts = [start for _, start, _ in parent_spans or ()]
    own: list[Span] = []
    for wrapper in list(tier):
        annotation = annotation_of(wrapper)
        if annotation is None:
            continue
        aid = annotation.get("ANNOTATION_ID", "")
        previous[aid] = annotation.get("PREVIOUS_ANNOTATION")
        if annotation.tag == "REF_ANNOTATION":
            gone = annotation.get("ANNOTATION_REF") in dead
        else:
            lo, hi = times.span(annotation)
            own.append((aid, lo, hi))
            owner = _owner(parent_spans, starts, lo, hi) if parent_spans else None
            gone = owner is not None and owner in dead
        if gone and tier.get("PARENT_REF") is not None:
            dead.add(aid)
            tier.remove(wrapper)
    own.sort(key=lambda span: span[1])
    return own
