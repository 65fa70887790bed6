"""The review queue: where a person's next minute of listening is best spent.

Five kinds of place are worth a look, each scored in *strength-seconds* (how long the place is,
weighted by how strongly it deserves a look, 0 … 1 per frame), times a weight per kind:

* ``uncertain`` — the posterior sits in or near the class's hysteresis band: strength is 1 inside
  ``[offset, onset]`` and falls linearly to 0 at ``margin`` outside it. Frames a person already
  labelled (HUMAN segments of that lane) are left out: they have been looked at.
* ``disagreement`` — a person's label and the model's decision differ: a HUMAN segment where the
  posterior is below ``offset``, or (with ``human_negatives``, for files whose empty stretches
  are confirmed too) an empty stretch where it is above ``onset``. Strength grows with the
  distance from the band, so a confident contradiction comes first. Model segments are not
  compared with the model: they differ from the posteriors only by the decision rule.
* ``flicker`` — a model segment, or a gap between two model segments, shorter than
  ``flicker_max``; strength-seconds ``flicker_max − duration``, so the shortest come first.

With a review calibration in the model file (`annotator.review.likely`), two more kinds rank the
queue by the wrong time each place is expected to hold, judged on held-out data: ``suspect``
(every model segment) and ``missed`` (stretches outside a lane's segments where its posterior
rises); the kinds above then become extra reasons of the place they lie on, and the score is
the place's expected wrong seconds per second of review (see that module).

Items of one kind and lane closer than ``merge_gap`` are joined; ``uncertain`` and
``disagreement`` items shorter than ``min_duration`` are dropped. A file's *expected review
effort* is the sum of its item scores, so the corpus panel can put the worst files first; for a
file without posteriors at hand, :func:`annotation_items` estimates the same from the saved
segments' confidences (the mean posterior the model gave each of its segments).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.core import (
    Annotation,
    Lane,
    Project,
    RecordingStatus,
    SidecarError,
    Source,
    load_sidecar,
)
from annotator.review.evidence import LANE_OF_CLASS, Evidence, as_float, lane_of
from annotator.review.likely import (
    CALIBRATED_KINDS,
    calibration_of,
    join_places,
    likely_parts,
    recording_candidates,
)
from annotator.review.stretches import StretchRule, regions, runs
from annotator.review.unseen import (
    ALL_LANES,
    Rarity,
    UnseenSettings,
    rare_items,
    rarities,
    unfamiliar_items,
)
from segmenter.evaluation import to_frames

__all__ = [
    "ALL_LANES",
    "CALIBRATED_KINDS",
    "KINDS",
    "UNCALIBRATED_KINDS",
    "POSTERIOR_KINDS",
    "FileEffort",
    "QueueSettings",
    "ReviewItem",
    "ReviewQueue",
    "annotation_items",
    "corpus_effort",
    "expected_effort",
    "review_items",
    "thresholds_from_provenance",
]

#: the kinds read from the posteriors and the labels alone (the queue before issue 22)
POSTERIOR_KINDS = ("uncertain", "disagreement", "flicker")
#: the kinds without a review calibration (the queue before it was calibrated)
UNCALIBRATED_KINDS = (*POSTERIOR_KINDS, "unfamiliar", "rare")
KINDS = (*UNCALIBRATED_KINDS, *CALIBRATED_KINDS)


@dataclass(frozen=True)
class QueueSettings:
    margin: float = 0.15  # posterior distance from the band at which a frame stops being unsure
    min_duration: float = 0.1  # seconds; shorter uncertain / disagreement stretches are dropped
    flicker_max: float = 0.3  # seconds; shorter model segments and gaps are flicker
    merge_gap: float = 0.2  # seconds; closer items of one kind and lane are joined
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "uncertain": 1.0, "disagreement": 2.0, "flicker": 1.0, "unfamiliar": 1.0, "rare": 1.0,
        }
    )  # fmt: skip
    unseen: UnseenSettings = field(default_factory=UnseenSettings)
    kinds: tuple[str, ...] = KINDS  # which kinds to look for (others are left out)

    @property
    def rule(self) -> StretchRule:
        return StretchRule(self.merge_gap, self.min_duration)


@dataclass(frozen=True)
class ReviewItem:
    """A stretch of one lane worth a look, with a one-line reason."""

    lane: str
    start: float
    end: float
    kind: str
    score: float
    detail: str
    #: seconds of wrong labels the place is expected to hold (calibrated items; None otherwise)
    expected_wrong: float | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Band:
    """A class's hysteresis thresholds (``offset <= onset``)."""

    onset: float = 0.5
    offset: float = 0.5


def thresholds_from_provenance(annotation: Annotation) -> dict[str, Band]:
    """Per-class bands the latest model run recorded (``parameters["thresholds"]``)."""
    for record in reversed(annotation.provenance):
        found = record.parameters.get("thresholds") if record.parameters else None
        if isinstance(found, dict):
            bands = {}
            for code, values in found.items():
                if isinstance(values, dict) and "onset" in values:
                    onset = float(values["onset"])
                    bands[str(code)] = Band(onset, float(values.get("offset", onset)))
            return bands
    return {}


def _human_frames(lane: Lane | None, n: int, d: float) -> np.ndarray:
    spans = [(x.start, x.end) for x in lane or () if x.source is Source.HUMAN]
    return to_frames(spans, n, d)


def _flicker(lane: Lane, s: QueueSettings) -> list[ReviewItem]:
    if "flicker" not in s.kinds:
        return []
    weight = s.weights.get("flicker", 1.0)
    items = []
    segments = list(lane)
    for i, seg in enumerate(segments):
        if seg.source is Source.MODEL and seg.duration < s.flicker_max:
            items.append(ReviewItem(
                lane.name, seg.start, seg.end, "flicker", weight * (s.flicker_max - seg.duration),
                f"{lane.name}: {seg.duration * 1000:.0f} ms model segment",
            ))  # fmt: skip
        if i + 1 < len(segments):
            nxt = segments[i + 1]
            gap = nxt.start - seg.end
            both_model = seg.source is Source.MODEL and nxt.source is Source.MODEL
            if both_model and 0 < gap < s.flicker_max:
                items.append(ReviewItem(
                    lane.name, seg.end, nxt.start, "flicker", weight * (s.flicker_max - gap),
                    f"{lane.name}: {gap * 1000:.0f} ms gap between model segments",
                ))  # fmt: skip
    return items


def _item(lane: str, kind: str, a: int, b: int, score: float, d: float, detail: str) -> ReviewItem:
    return ReviewItem(lane, a * d, b * d, kind, score, detail)


def review_items(
    evidence: Evidence,
    annotation: Annotation | None = None,
    thresholds: Mapping[str, Band | float] | None = None,
    settings: QueueSettings | None = None,
    *,
    human_negatives: bool = False,
) -> list[ReviewItem]:
    """All items of one recording, highest score first (ties in time order).

    ``thresholds`` per class code or lane name (a number means onset = offset); missing ones
    come from the annotation's provenance, else 0.5.
    """
    s = settings or QueueSettings()
    d = float(evidence.frame_duration)
    P = np.asarray(evidence.posteriors)  # each row goes to float64 alone (10 h: 14 MB, not 58)
    n = P.shape[1]
    known = thresholds_from_provenance(annotation) if annotation is not None else {}
    items: list[ReviewItem] = []
    model_segments: dict[int, list[tuple[float, float]]] = {}
    occupied: dict[int, list[tuple[float, float]]] = {}
    bands: dict[str, tuple[float, float]] = {}
    lane_names: dict[int, str] = {}
    for row, code in enumerate(evidence.classes):
        name = lane_of(evidence, row)
        given = (thresholds or {}).get(code, (thresholds or {}).get(name))
        band = Band(given, given) if isinstance(given, (int, float)) else given
        band = band or known.get(code) or Band()
        lane = annotation.lane(name) if annotation is not None and name in annotation else None
        p = as_float(P[row])
        human = _human_frames(lane, n, d)
        distance = np.maximum(np.maximum(band.offset - p, p - band.onset), 0.0)
        unsure = np.clip(1.0 - distance / s.margin, 0.0, None) * ~human
        for a, b, score in regions(unsure, d, s.rule) if "uncertain" in s.kinds else ():
            lo, hi = float(p[a:b].min()), float(p[a:b].max())
            items.append(_item(
                name, "uncertain", a, b, s.weights.get("uncertain", 1.0) * score, d,
                f"{name}: model unsure, posterior {lo:.2f}–{hi:.2f} near threshold "
                f"{band.onset:.2f}",
            ))  # fmt: skip
        strength = np.clip(distance / s.margin, 0.0, 1.0)
        said_yes = human & (p < band.offset)
        said_no = ~to_frames([(x.start, x.end) for x in lane or ()], n, d) & (p > band.onset)
        cases = [(said_yes, "labelled", "says no")]
        if human_negatives and lane is not None:
            cases.append((said_no, "left empty", "says yes"))
        if "disagreement" not in s.kinds:
            cases = []
        for mask, what, model in cases:
            for a, b, score in regions(strength * mask, d, s.rule):
                items.append(_item(
                    name, "disagreement", a, b,
                    s.weights.get("disagreement", 1.0) * score, d,
                    f"{name}: {what} by a person, model {model} "
                    f"(mean posterior {float(p[a:b].mean()):.2f})",
                ))  # fmt: skip
        if lane is not None:
            items += _flicker(lane, s)
            model_segments[row] = [(x.start, x.end) for x in lane if x.source is Source.MODEL]
            occupied[row] = [(x.start, x.end) for x in lane]
        else:  # no labels at hand: the model's segments are where the posterior is on
            model_segments[row] = [(a * d, b * d) for a, b in runs(p >= band.onset)]
            occupied[row] = model_segments[row]
        lane_names[row] = name
        bands[code] = (band.onset, band.offset)
    calibration = calibration_of(evidence) if set(CALIBRATED_KINDS) & set(s.kinds) else None
    wanted = "rare" in s.kinds or calibration is not None
    rarity = rarities(evidence, model_segments) if wanted else {}
    items += _unseen(evidence, model_segments, lane_names, s, rarity)
    if calibration is not None:
        items = _calibrated(evidence, calibration, bands, model_segments, occupied, rarity, items)
        items = [i for i in items if i.kind in s.kinds]
    return sorted(items, key=lambda i: (-i.score, i.start, i.lane))


def _calibrated(
    evidence: Evidence,
    calibration: Any,
    bands: Mapping[str, tuple[float, float]],
    model_segments: Mapping[int, list[tuple[float, float]]],
    occupied: Mapping[int, list[tuple[float, float]]],
    rarity: Mapping[tuple[int, float, float], Rarity],
    others: list[ReviewItem],
) -> list[ReviewItem]:
    """Places ranked by expected wrong seconds per second of review (`annotator.review.likely`),
    the other kinds' items folded in as reasons."""
    found, by_frames = recording_candidates(
        evidence, bands, model_segments, occupied, rarity, calibration.floor, calibration.join_s
    )
    parts = likely_parts(evidence, calibration, bands, found, by_frames, others)
    places = join_places(parts, calibration.look_s, calibration.edit_s, calibration.max_place_s)
    items = []
    for place in places:
        lead = place.lead()
        items.append(ReviewItem(
            lead.lane, place.start, place.end, lead.kind, place.rate, place.detail(),
            place.expected_wrong,
        ))  # fmt: skip
    return items


def _unseen(
    evidence: Evidence,
    model_segments: Mapping[int, list[tuple[float, float]]],
    lane_names: Mapping[int, str],
    s: QueueSettings,
    rarity: Mapping[tuple[int, float, float], Rarity] | None = None,
) -> list[ReviewItem]:
    """The ``unfamiliar`` and ``rare`` items, weighted (see :mod:`annotator.review.unseen`)."""
    found = []
    if "unfamiliar" in s.kinds:
        found += unfamiliar_items(evidence, s.unseen, s.rule)
    if "rare" in s.kinds:
        found += rare_items(evidence, model_segments, lane_names, s.unseen, rarity)
    items = []
    for f in found:
        score = s.weights.get(f.kind, 1.0) * f.strength_seconds
        items.append(ReviewItem(f.lane, f.start, f.end, f.kind, score, f.detail))
    return items


def annotation_items(
    annotation: Annotation,
    thresholds: Mapping[str, Band | float] | None = None,
    settings: QueueSettings | None = None,
) -> list[ReviewItem]:
    """Items from saved segments alone: model segments with a confidence (mean posterior) in or
    near the band, and flicker. Cheap enough for every file of a corpus."""
    s = settings or QueueSettings()
    known = thresholds_from_provenance(annotation)
    code_of = {lane: code for code, lane in LANE_OF_CLASS.items()}
    items: list[ReviewItem] = []
    for lane in annotation:
        code = code_of.get(lane.name, lane.name)
        given = (thresholds or {}).get(code, (thresholds or {}).get(lane.name))
        band = Band(given, given) if isinstance(given, (int, float)) else given
        band = band or known.get(code) or Band()
        for seg in lane:
            if seg.source is not Source.MODEL or seg.confidence is None:
                continue
            distance = max(band.offset - seg.confidence, seg.confidence - band.onset, 0.0)
            strength = max(0.0, 1.0 - distance / s.margin)
            if strength > 0 and seg.duration + 1e-9 >= s.min_duration:
                items.append(ReviewItem(
                    lane.name, seg.start, seg.end, "uncertain",
                    s.weights.get("uncertain", 1.0) * strength * seg.duration,
                    f"{lane.name}: model segment with mean posterior {seg.confidence:.2f}",
                ))  # fmt: skip
        items += _flicker(lane, s)
    return sorted(items, key=lambda i: (-i.score, i.start, i.lane))


def expected_effort(items: Iterable[ReviewItem]) -> float:
    """A file's expected review effort: the sum of its item scores (strength-seconds)."""
    return float(sum(i.score for i in items))


@dataclass(frozen=True)
class FileEffort:
    rel_path: str
    status: RecordingStatus
    effort: float | None  # None: nothing to estimate from (no model labels saved, or unreadable)
    items: int


def corpus_effort(project: Project, settings: QueueSettings | None = None) -> list[FileEffort]:
    """Every recording's expected effort from its sidecar, most effort first.

    Finished (DONE) recordings need none (0); recordings without saved model labels, or whose
    sidecar cannot be read, have no estimate and come last, in corpus order.
    """
    rows = []
    for entry in project.recordings:
        sidecar = project.sidecar_path(entry)
        if entry.status is RecordingStatus.DONE:
            rows.append(FileEffort(entry.rel_path, entry.status, 0.0, 0))
            continue
        try:
            annotation = load_sidecar(sidecar).annotation if sidecar.exists() else None
        except SidecarError:
            annotation = None
        if annotation is None or not any(
            seg.source is Source.MODEL for _, seg in annotation.segments()
        ):
            rows.append(FileEffort(entry.rel_path, entry.status, None, 0))
            continue
        found = annotation_items(annotation, settings=settings)
        rows.append(FileEffort(entry.rel_path, entry.status, expected_effort(found), len(found)))
    known = sorted((r for r in rows if r.effort is not None), key=lambda r: -(r.effort or 0.0))
    return known + [r for r in rows if r.effort is None]


class ReviewQueue:
    """Items in priority order with a cursor, for next/previous keys.

    ``resolve`` drops an item once a person dealt with it; the cursor stays on the item that
    followed it, so "next" after a fix goes on where the person was.
    """

    def __init__(self, items: Iterable[ReviewItem]) -> None:
        self.items: list[ReviewItem] = sorted(items, key=lambda i: (-i.score, i.start, i.lane))
        self.position = -1

    def __len__(self) -> int:
        return len(self.items)

    @property
    def current(self) -> ReviewItem | None:
        return self.items[self.position] if 0 <= self.position < len(self.items) else None

    def next(self) -> ReviewItem | None:
        """The next item by priority (None past the last; the cursor stays on the last)."""
        if self.position + 1 >= len(self.items):
            return None
        self.position += 1
        return self.items[self.position]

    def previous(self) -> ReviewItem | None:
        if self.position <= 0:
            return None
        self.position -= 1
        return self.items[self.position]

    def next_in_time(self, t: float) -> ReviewItem | None:
        """The first item starting after ``t`` seconds (for stepping through a file in order)."""
        later = [i for i in self.items if i.start > t + 1e-9]
        found = min(later, key=lambda i: (i.start, -i.score), default=None)
        if found is not None:
            self.position = self.items.index(found)
        return found

    def resolve(self, item: ReviewItem) -> None:
        index = self.items.index(item)
        del self.items[index]
        if index <= self.position:
            self.position -= 1
