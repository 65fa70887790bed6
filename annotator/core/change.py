"""`Change`: the net effect of a segment edit, and the one place that checks and applies it.

Split from `annotator.core.edits` so the verbs stay readable: every segment edit plans a
`Change` (segments out, segments in, per lane), and `commit_change` validates the whole change
against the annotation before touching anything, so a refused edit changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotator.core.annotation import Annotation
from annotator.core.errors import InvalidEdit
from annotator.core.segment import Segment

#: A segment together with the name of the lane it lives in.
Placed = tuple[str, Segment]


def format_seconds(seconds: float) -> str:
    """Seconds for a menu: millisecond precision, at least two decimals (1.20, 1.234)."""
    text = f"{seconds:.3f}"
    return text[:-1] if text.endswith("0") else text


def describe_span(segment: Segment) -> str:
    return f"{format_seconds(segment.start)}–{format_seconds(segment.end)} s"


def describe_segment(segment: Segment) -> str:
    return f"{segment.label or 'unlabelled'} segment {describe_span(segment)}"


@dataclass(frozen=True)
class Change:
    """The net effect of a segment edit: segments taken out and segments put in, per lane.

    Segments are values and a lane never holds two equal ones, so a change is plain set
    arithmetic; that is what lets consecutive drags fold into one step (`then`).
    """

    removed: tuple[Placed, ...] = ()
    added: tuple[Placed, ...] = ()

    @classmethod
    def of(cls, removed: Iterable[Placed], added: Iterable[Placed]) -> Change:
        """A change with segments that are both removed and re-added cancelled out."""
        removed, added = list(removed), list(added)
        return cls(
            tuple(p for p in removed if p not in added), tuple(p for p in added if p not in removed)
        )

    @property
    def is_empty(self) -> bool:
        return not self.removed and not self.added

    def inverse(self) -> Change:
        return Change(self.added, self.removed)

    def then(self, later: Change) -> Change:
        """One change with the effect of this one followed by `later`."""
        removed = list(self.removed) + [p for p in later.removed if p not in self.added]
        added = [p for p in self.added if p not in later.removed] + list(later.added)
        return Change.of(removed, added)


def check_change(annotation: Annotation, change: Change) -> None:
    """Raise `InvalidEdit` unless `change` can be made to `annotation` as it is now."""
    removed: dict[str, list[Segment]] = {}
    for name, segment in change.removed:
        lane = annotation.lane(name)
        if segment not in lane:
            raise InvalidEdit(f"{describe_segment(segment)} is not in lane {name!r}")
        if segment in removed.setdefault(name, []):
            raise InvalidEdit(f"{describe_segment(segment)} is named twice in one edit")
        removed[name].append(segment)
    added: dict[str, list[Segment]] = {}
    for name, segment in change.added:
        lane = annotation.lane(name)
        annotation.check_inside(segment)
        clash = lane.collisions(segment, ignoring=removed.get(name, ()))
        clash += [other for other in added.get(name, []) if other.overlaps(segment)]
        if clash:
            raise InvalidEdit(
                f"{describe_span(segment)} would overlap {describe_span(clash[0])} in lane {name!r}"
            )
        added.setdefault(name, []).append(segment)


def commit_change(annotation: Annotation, change: Change) -> None:
    """Check `change`, then make it; after a successful check nothing below can fail."""
    check_change(annotation, change)
    for name, segment in change.removed:
        annotation.lane(name).remove(segment)
    for name, segment in change.added:
        annotation.lane(name).add(segment)
