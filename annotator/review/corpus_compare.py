"""Compare a whole corpus with one reference: per-file and corpus figures.

Corpus figures are sums over files (reference, missed and false-alarm time, edits), and the
detection error rate is recomputed from the summed times, as pyannote's metrics accumulate over
files (a mean of per-file rates would weigh a 10-second clip like an hour). Within a UEM both
sides are cut to its regions first, so what lies outside is scored by neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotator.core import Annotation, Lane, Segment
from annotator.review.compare import Comparison, compare
from annotator.review.edit_effort import EditCounts
from annotator.review.speaker_lanes import as_class_lanes, speaker_lane_names

Spans = Sequence[tuple[float, float]]


@dataclass
class LaneTotals:
    """One lane summed over the corpus."""

    reference_s: float = 0.0
    missed_s: float = 0.0
    false_alarm_s: float = 0.0
    edits: EditCounts = field(default_factory=EditCounts)
    empty_edits: EditCounts = field(default_factory=EditCounts)

    @property
    def detection_error_rate(self) -> float:
        wrong = self.missed_s + self.false_alarm_s
        return wrong / self.reference_s if self.reference_s > 0 else (0.0 if wrong == 0 else 1.0)


@dataclass
class CorpusComparison:
    files: dict[str, Comparison]
    totals: dict[str, LaneTotals]
    mapped_speakers: bool


def within(annotation: Annotation, regions: Spans) -> Annotation:
    """``annotation`` cut to ``regions`` (segments clipped; what lies outside dropped)."""
    lanes = []
    for lane in annotation:
        kept: list[Segment] = []
        for segment in lane:
            for start, end in regions:
                a, b = max(segment.start, start), min(segment.end, end)
                if b > a:
                    kept.append(segment.with_(start=a, end=b))
        lanes.append(Lane(lane.name, kept))
    return Annotation(lanes, recording=annotation.recording)


def compare_corpus(
    pairs: Iterable[tuple[str, Annotation, Annotation, Spans | None]],
    map_speakers: bool | None = None,
) -> CorpusComparison:
    """Compare each ``(name, reference, working, uem regions or None)``. ``map_speakers``:
    read speaker-turn references as speech and overlap (`speaker_lanes`); None decides by the
    first reference that has speaker lanes and no speech lane."""
    files: dict[str, Comparison] = {}
    totals: dict[str, LaneTotals] = {}
    mapped = False
    for name, reference, working, regions in pairs:
        speakers = speaker_lane_names(reference)
        if speakers and map_speakers is None:
            map_speakers = not any(s in working.lane_names for s in speakers)
        if speakers and map_speakers:
            reference, mapped = as_class_lanes(reference, speakers), True
        if regions is not None:
            reference, working = within(reference, regions), within(working, regions)
        result = compare(reference, working)
        files[name] = result
        for lane, r in result.lanes.items():
            t = totals.setdefault(lane, LaneTotals())
            t.reference_s += r.reference_s
            t.missed_s += r.missed_s
            t.false_alarm_s += r.false_alarm_s
            t.edits += r.edits
            t.empty_edits += r.empty_edits
    return CorpusComparison(files, totals, mapped)
