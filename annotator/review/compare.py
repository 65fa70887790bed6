"""Compare the working lanes with a reference (another annotator, an earlier model run).

Which lanes are compared: every lane of the reference, with the working lane of the same name
(or the one ``lanes`` maps it to); a reference lane the working annotation lacks is compared
with an empty lane (all misses). Working lanes the reference does not have are not scored: a
reference without an ``overlap`` tier says nothing about overlap.

Per lane, time is cut at every boundary of both lanes and each piece is

* a *miss* — reference labelled, working empty;
* a *false alarm* — working labelled, reference empty;
* a *label confusion* — both labelled, with different labels (compared only on lanes whose
  labels mean something: not on the class lanes, whose segments all carry the lane's name);

and, across lanes, a *lane confusion* is where a miss of one lane meets a false alarm of another
(reference says music, working says speech). Each class's detection error rate is pyannote's
``DetectionErrorRate`` (collar 0): (missed + false alarm time) / reference time, over the
recording (``[0, duration]``, or to the last boundary when the duration is unknown).

Beside the times, each lane counts the *edits* a person needs to turn it into the reference
(`annotator.review.edit_effort`: the project's edit-cost rule), for the working lane, for an
empty lane and, when ``prelabel`` is given, for the model's pre-label — whether the pre-label
saved work is what a person comparing with a reference wants to know, and time does not say it.

:meth:`Comparison.disagreements` lists every disagreement once, largest first, for "jump to the
largest disagreement": lane confusions, then what is left of misses and false alarms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.core import (
    CLASS_LANES,
    AddLane,
    Annotation,
    Change,
    Edit,
    EditGroup,
    Lane,
    Segment,
    SegmentEdit,
    Source,
)
from annotator.review.edit_effort import (
    EditCounts,
    EffortText,
    effort_text,
    lane_edits,
    sum_edits,
)
from segmenter.spans import intersect, subtract, union

__all__ = [
    "Comparison",
    "CopyReferenceSegment",
    "Disagreement",
    "LaneComparison",
    "compare",
    "copy_reference_segment",
]

Span = tuple[float, float]
_EPS = 1e-9


@dataclass(frozen=True)
class Disagreement:
    """One stretch where reference and working lanes differ.

    ``kind``: ``"miss"``, ``"false alarm"``, ``"confusion"`` (labels differ in one lane) or
    ``"lane confusion"`` (``lane`` is the reference's lane, ``other_lane`` the working one).
    """

    lane: str
    start: float
    end: float
    kind: str
    reference: str = ""  # reference label ('' where the reference is empty)
    working: str = ""  # working label ('' where the working lane is empty)
    other_lane: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class LaneComparison:
    lane: str  # working lane name
    reference_lane: str
    misses: tuple[Disagreement, ...]
    false_alarms: tuple[Disagreement, ...]
    confusions: tuple[Disagreement, ...]
    reference_s: float  # labelled reference time
    missed_s: float
    false_alarm_s: float
    confused_s: float
    detection_error_rate: float
    edits: EditCounts = EditCounts()  # to turn the working lane into the reference
    empty_edits: EditCounts = EditCounts()  # to turn an empty lane into it (from scratch)
    prelabel_edits: EditCounts | None = None  # the model's pre-label's, when compared

    def to_dict(self) -> dict[str, Any]:
        return {
            "lane": self.lane, "reference_lane": self.reference_lane,
            "reference_s": self.reference_s, "missed_s": self.missed_s,
            "false_alarm_s": self.false_alarm_s, "confused_s": self.confused_s,
            "detection_error_rate": self.detection_error_rate,
            "edits": self.edits.to_dict(), "empty_edits": self.empty_edits.to_dict(),
            "prelabel_edits": None if self.prelabel_edits is None
            else self.prelabel_edits.to_dict(),
        }  # fmt: skip


@dataclass
class Comparison:
    lanes: dict[str, LaneComparison]
    lane_confusions: list[Disagreement] = field(default_factory=list)

    def disagreements(self) -> list[Disagreement]:
        """Everything that differs, each stretch once, largest first (ties in time order)."""
        out = list(self.lane_confusions)
        taken: dict[tuple[str, str], list[Span]] = {}
        for c in self.lane_confusions:
            taken.setdefault((c.lane, "miss"), []).append((c.start, c.end))
            taken.setdefault((c.other_lane or "", "false alarm"), []).append((c.start, c.end))
        for result in self.lanes.values():
            out += result.confusions
            for d in result.misses + result.false_alarms:
                for a, b in subtract(
                    [(d.start, d.end)], taken.get((d.lane, d.kind), []), tolerance=_EPS
                ):
                    out.append(Disagreement(d.lane, a, b, d.kind, d.reference, d.working))
        return sorted(out, key=lambda d: (-round(d.duration, 9), d.start, d.lane))

    @property
    def edits(self) -> EditCounts:
        """Edits to turn every compared working lane into the reference (the file's figure)."""
        return sum_edits(r.edits for r in self.lanes.values())

    @property
    def empty_edits(self) -> EditCounts:
        """The same starting from empty lanes: what a pre-label has to beat."""
        return sum_edits(r.empty_edits for r in self.lanes.values())

    @property
    def prelabel_edits(self) -> EditCounts | None:
        """The same for the model's pre-label; None when it was not compared."""
        counts = [r.prelabel_edits for r in self.lanes.values()]
        if not counts or any(c is None for c in counts):
            return None
        return sum_edits(c for c in counts if c is not None)

    def effort(self) -> EffortText:
        """The file's effort figures as sentences ("About 12 edits to correct this recording
        (from empty lanes: 20)"), for the compare panel and reports."""
        return effort_text(self.edits, self.empty_edits, self.prelabel_edits)

    def summary_rows(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.lanes.values()]


def _pieces(ref: Lane, work: Lane, lane: str, labels: bool) -> list[Disagreement]:
    """Walk the elementary intervals of both lanes; merge equal neighbours."""
    cuts = sorted({t for s in list(ref) + list(work) for t in (s.start, s.end)})
    out: list[Disagreement] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b - a <= _EPS:
            continue
        mid = 0.5 * (a + b)
        r, w = ref.at(mid), work.at(mid)
        if r is not None and w is None:
            kind = "miss"
        elif r is None and w is not None:
            kind = "false alarm"
        elif r is not None and w is not None and labels and r.label != w.label:
            kind = "confusion"
        else:
            continue
        piece = Disagreement(lane, a, b, kind, r.label if r else "", w.label if w else "")
        last = out[-1] if out else None
        if last and abs(last.end - a) <= _EPS and (last.kind, last.reference, last.working) == (
            kind, piece.reference, piece.working,
        ):  # fmt: skip
            out[-1] = Disagreement(lane, last.start, b, kind, last.reference, last.working)
        else:
            out.append(piece)
    return out


def _detection_error_rate(ref: list[Span], hyp: list[Span], extent: float) -> float:
    from pyannote.core import Annotation as PyAnnotation
    from pyannote.core import Segment as PySegment
    from pyannote.core import Timeline
    from pyannote.metrics.detection import DetectionErrorRate

    reference, hypothesis = PyAnnotation(), PyAnnotation()
    for i, (a, b) in enumerate(ref):
        reference[PySegment(a, b), i] = "x"
    for i, (a, b) in enumerate(hyp):
        hypothesis[PySegment(a, b), i] = "x"
    metric = DetectionErrorRate(collar=0.0, skip_overlap=False)
    return float(metric(reference, hypothesis, uem=Timeline([PySegment(0.0, max(extent, _EPS))])))


def compare(
    reference: Annotation,
    working: Annotation,
    lanes: Mapping[str, str] | None = None,
    *,
    label_lanes: Iterable[str] | None = None,
    prelabel: Annotation | None = None,
) -> Comparison:
    """Compare ``working`` with ``reference`` (see the module docstring).

    ``lanes`` maps reference lane → working lane (default: same name); ``label_lanes`` names
    the working lanes whose labels are compared (default: all but the class lanes).
    ``prelabel``, the model's own segments (`edit_effort.prelabel_as_given`), adds their edit
    count per lane; a lane the model does not fill counts as empty there.
    """
    mapping = {name: (lanes or {}).get(name, name) for name in reference.lane_names}
    extent = max(reference.end_time, working.end_time)
    results: dict[str, LaneComparison] = {}
    for ref_name, work_name in mapping.items():
        ref_lane = reference.lane(ref_name)
        work_lane = working.lane(work_name) if work_name in working else Lane(work_name)
        with_labels = (
            work_name not in CLASS_LANES if label_lanes is None else work_name in set(label_lanes)
        )
        pieces = _pieces(ref_lane, work_lane, work_name, with_labels)
        ref_spans = union(((s.start, s.end) for s in ref_lane), tolerance=_EPS)
        work_spans = union(((s.start, s.end) for s in work_lane), tolerance=_EPS)
        by_kind = {k: tuple(p for p in pieces if p.kind == k) for k in ("miss", "false alarm")}
        confusions = tuple(p for p in pieces if p.kind == "confusion")
        model_lane = None
        if prelabel is not None:
            model_lane = prelabel.lane(work_name) if work_name in prelabel else Lane(work_name)
        results[work_name] = LaneComparison(
            lane=work_name,
            reference_lane=ref_name,
            misses=by_kind["miss"],
            false_alarms=by_kind["false alarm"],
            confusions=confusions,
            reference_s=sum(b - a for a, b in ref_spans),
            missed_s=sum(p.duration for p in by_kind["miss"]),
            false_alarm_s=sum(p.duration for p in by_kind["false alarm"]),
            confused_s=sum(p.duration for p in confusions),
            detection_error_rate=_detection_error_rate(ref_spans, work_spans, extent),
            edits=lane_edits(ref_lane, work_lane, extent),
            empty_edits=lane_edits(ref_lane, None, extent),
            prelabel_edits=None if model_lane is None else lane_edits(ref_lane, model_lane, extent),
        )
    return Comparison(results, _lane_confusions(results))


def _lane_confusions(results: Mapping[str, LaneComparison]) -> list[Disagreement]:
    out = []
    for a in results.values():
        misses = union(((m.start, m.end) for m in a.misses), tolerance=_EPS)
        for b in results.values():
            if b is a:
                continue
            alarms = union(((f.start, f.end) for f in b.false_alarms), tolerance=_EPS)
            for lo, hi in intersect(misses, alarms, tolerance=_EPS):
                out.append(Disagreement(
                    a.lane, lo, hi, "lane confusion", a.reference_lane, b.lane, other_lane=b.lane,
                ))  # fmt: skip
    return out


class CopyReferenceSegment(SegmentEdit):
    """Put a reference segment into a working lane, as a person's label.

    Working segments it overlaps are cut back to what lies outside it (their remnants count as
    touched by a person, like any reshaped segment), so one undo restores them whole.
    """

    def __init__(self, lane: str, segment: Segment, label: str | None = None) -> None:
        super().__init__()
        self.lane = lane
        text = segment.label if label is None else label
        self.segment = Segment(segment.start, segment.end, text, None, Source.HUMAN)

    @property
    def description(self) -> str:
        s = self.segment
        return f"Copy reference {s.label or 'segment'} {s.start:.3f}–{s.end:.3f} s to {self.lane}"

    def _plan(self, annotation: Annotation) -> Change:
        lane, new = annotation.lane(self.lane), self.segment
        removed, added = [], []
        for old in lane.in_range(new.start, new.end):
            removed.append((self.lane, old))
            for a, b in ((old.start, new.start), (new.end, old.end)):
                if b - a > _EPS:
                    added.append((self.lane, old.with_(
                        start=a, end=b, source=Source.HUMAN, confidence=None
                    )))  # fmt: skip
        added.append((self.lane, new))
        return Change.of(removed, added)


def copy_reference_segment(
    working: Annotation, lane: str, segment: Segment, label: str | None = None
) -> Edit:
    """The undoable edit that copies ``segment`` into working lane ``lane`` (created if
    missing). Class lanes get the lane's name as label unless ``label`` says otherwise."""
    if label is None and lane in CLASS_LANES:
        label = lane
    copy = CopyReferenceSegment(lane, segment, label)
    if lane in working:
        return copy
    return EditGroup([AddLane(lane), copy], copy.description)
