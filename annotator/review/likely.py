"""Review places ranked by the wrong time they are expected to hold, calibrated on held-out data.

The queue's other kinds follow signs of doubt (a posterior near its band, a strange support
mix, a sound W·H does not rebuild); the model's worst errors carry none of them: a spurious
noise segment at 0.9, an overlap segment over one talker, speech never suspected. With a
`segmenter.explain.wrongness.WrongnessCalibration` stored in the model file (the review
calibration, measured on labelled mixtures of held-out source files), every model segment
(``suspect``) and every stretch outside a lane's segments where its posterior reaches the
calibration's floor (``missed``) gets the probability that it is wrong, and the queue becomes:

1. one *part* per candidate: probability ``p`` from its class, confidence, length, distance to
   the band, support-mix rarity and the other lanes' posteriors, and a reason in words ("noise
   segment of mean confidence 0.64, 0.4 s: segments like this were wrong 70 % of the time on
   held-out data (most telling: ...)");
2. items of the other kinds are folded into the part they lie on (same lane, or any lane for
   an unfamiliar sound) as extra reasons; those that lie on none stay parts of their own, with
   their strength (0 … 1) standing in for ``p``; a person's disagreements always do;
3. touching or overlapping parts, of any lane, are joined into one *place* while that does not
   lower the better part's rank and the place stays under ``max_place_s``: a person sent there
   sees every lane at once;
4. a place's value is ``Σ p·(seconds + edit_s)`` — expected wrong seconds, plus ``edit_s`` per
   likely edit so that a short, likely-wrong segment counts — and it ranks by value per second
   of review, ``value / (span + look_s)``, ``look_s`` being what going anywhere costs. The item's
   ``score`` is that rate, ``expected_wrong`` its expected wrong seconds.

The constants were chosen on the recipe's tuning mixtures, not on the sets the coverage
benchmark reports (``scripts/review_calibration.py``).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.review.unseen import ALL_LANES, Rarity
from segmenter.classes import lane_name
from segmenter.explain.wrongness import (
    MISSED,
    SUSPECT,
    Candidate,
    LogisticModel,
    WrongnessCalibration,
    candidates,
)

__all__ = [
    "CALIBRATED_KINDS",
    "Part",
    "Place",
    "calibration_of",
    "join_places",
    "likely_parts",
    "recording_candidates",
]

CALIBRATED_KINDS = (SUSPECT, MISSED)


def calibration_of(evidence: Any) -> WrongnessCalibration | None:
    """The calibration the evidence carries (``calibration``: one or its dict), or None."""
    found = getattr(evidence, "calibration", None)
    if found is None or isinstance(found, WrongnessCalibration):
        return found
    try:
        return WrongnessCalibration.from_dict(found)
    except ValueError:
        return None


@dataclass
class Part:
    """One reason to look at ``[start, end)`` of a lane, with the chance it is wrong there."""

    lane: str
    start: float
    end: float
    kind: str
    p: float
    detail: str
    short: str = ""  # a few words for a place that quotes it beside a stronger part
    also: list[tuple[str, str]] = field(default_factory=list)  # (kind, reason) folded in

    def reasons(self) -> str:
        """Its reason, then each folded-in kind's first reason (and how many more like it)."""
        text = self.detail
        kinds: dict[str, list[str]] = {}
        for kind, reason in self.also:
            kinds.setdefault(kind, []).append(reason)
        for found in kinds.values():
            more = f" (and {len(found) - 1} more like it)" if len(found) > 1 else ""
            text += f"; {found[0]}{more}"
        return text

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def value(self, edit_s: float) -> float:
        return self.p * (self.seconds + edit_s)


@dataclass
class Place:
    """Parts joined into one stretch of time; ranked by :attr:`rate`. Span and value are kept
    as numbers (a long recording has tens of thousands of places, joined pass after pass)."""

    parts: list[Part]
    look_s: float
    edit_s: float
    start: float = 0.0
    end: float = 0.0
    value: float = 0.0

    @classmethod
    def of(cls, part: Part, look_s: float, edit_s: float) -> Place:
        return cls([part], look_s, edit_s, part.start, part.end, part.value(edit_s))

    @property
    def expected_wrong(self) -> float:
        """Seconds of wrong labels the place is expected to hold."""
        return sum(p.p * p.seconds for p in self.parts)

    @property
    def rate(self) -> float:
        """Value per second of review: what the queue ranks by."""
        return self.value / (self.end - self.start + self.look_s)

    def joined(self, other: Place) -> Place:
        return Place(
            self.parts + other.parts, self.look_s, self.edit_s, min(self.start, other.start),
            max(self.end, other.end), self.value + other.value,
        )  # fmt: skip

    def lead(self) -> Part:
        """The part worth most: its lane, kind and reason lead the item."""
        return max(self.parts, key=lambda p: (p.value(self.edit_s), -p.start))

    def detail(self) -> str:
        lead = self.lead()
        text = lead.reasons()
        others = sorted(
            (p for p in self.parts if p is not lead), key=lambda p: -p.value(self.edit_s)
        )
        if others:
            quoted = ", ".join(p.short or p.detail for p in others[:3])
            more = f" and {len(others) - 3} more" if len(others) > 3 else ""
            text += f"; also here: {quoted}{more}"
        return text


def join_places(parts: Sequence[Part], look_s: float, edit_s: float, max_s: float) -> list[Place]:
    """Touching or overlapping parts joined while the joined place ranks at least as high as
    the better of the two and spans at most ``max_s`` seconds (repeated until nothing joins)."""
    places = [Place.of(p, look_s, edit_s) for p in parts]
    changed = True
    while changed:
        changed = False
        places.sort(key=lambda q: (q.start, q.end))
        out: list[Place] = []
        for place in places:
            if out and place.start <= out[-1].end + 1e-9:
                both = out[-1].joined(place)
                if (
                    both.end - both.start <= max_s + 1e-9
                    and both.rate >= max(out[-1].rate, place.rate) - 1e-12
                ):
                    out[-1] = both
                    changed = True
                    continue
            out.append(place)
        places = out
    return places


def _seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 1 else f"{s:.1f} s" if s < 10 else f"{s:.0f} s"


def _percent(p: float) -> str:
    return f"{p * 100:.0f} %"


def _telling(
    c: Candidate, model: LogisticModel, lane: str, onset: float, rarity: Rarity | None, d: float
) -> str:
    """The feature that raised the probability most, in words ('' when none did much)."""
    drivers = model.drivers(c.features)
    if not drivers or drivers[0][1] < 0.15:
        return ""
    name = drivers[0][0]
    x = float(c.features[name])
    mean = dict(zip(model.features, model.means, strict=True)).get(name, x)
    if name == "margin":
        level = "mean posterior" if c.kind == SUSPECT else "peak posterior"
        what = f"{level} {c.mean if c.kind == SUSPECT else c.peak:.2f} against onset {onset:.2f}"
    elif name == "log_seconds":
        what = f"{'short' if x < mean else 'long'} ({_seconds(c.seconds(d))})"
    elif name == "rare":
        what = f"a stranger component mix than {_percent(min(x, 0.999))} of validation {lane}"
        what += " segments" + (f" (component #{rarity.top})" if rarity is not None else "")
    elif name == "below_offset":
        what = f"posterior under the offset in {_percent(x)} of it"
    elif name == "mean":
        what = f"mean posterior {x:.2f} over it"
    elif name == "edges":
        what = f"next to a {lane} segment" if x > 0 else f"away from any {lane} segment"
    elif name.startswith("p_"):
        other = lane_name(name[2:])
        what = f"{other} posterior {'only ' if x < mean else ''}{x:.2f} over it"
    else:  # pragma: no cover - a feature added to the model without words here
        what = f"{name} {x:.2f}"
    return f" (most telling: {what})"


def _calibrated_part(
    c: Candidate,
    p: float,
    model: LogisticModel,
    onset: float,
    rarity: Rarity | None,
    d: float,
) -> Part:
    lane = lane_name(c.code)
    seconds = c.seconds(d)
    telling = _telling(c, model, lane, onset, rarity, d)
    if c.kind == SUSPECT:
        detail = (
            f"{lane} segment of mean confidence {c.mean:.2f}, {_seconds(seconds)}: segments like "
            f"this were wrong {_percent(p)} of the time on held-out data{telling}"
        )
        short = f"{lane} segment ({_percent(p)} likely wrong)"
    else:
        article = "an" if lane[:1] in "aeiou" else "a"
        why = (
            f"under the onset {onset:.2f}" if c.peak < onset
            else f"onset {onset:.2f}, left out by the decision rule"
        )  # fmt: skip
        detail = (
            f"{lane} posterior up to {c.peak:.2f} for {_seconds(seconds)} without {article} "
            f"{lane} label ({why}): stretches like this held {lane} {_percent(p)} of the time "
            f"on held-out data{telling}"
        )
        short = f"possible missed {lane} ({_percent(p)})"
    return Part(lane, c.a * d, c.b * d, c.kind, p, detail, short)


def _without_lane(detail: str, lane: str) -> str:
    prefix = f"{lane}: "
    return detail[len(prefix) :] if detail.startswith(prefix) else detail


def recording_candidates(
    evidence: Any,
    bands: Mapping[str, tuple[float, float]],
    model_segments: Mapping[int, Sequence[tuple[float, float]]],
    occupied: Mapping[int, Sequence[tuple[float, float]]],
    rarity: Mapping[tuple[int, float, float], Rarity],
    floor: float,
    join_s: float,
) -> tuple[list[Candidate], dict[tuple[str, int, int], Rarity]]:
    """The calibration's candidates of one recording, exactly as the queue builds them (the
    calibration script calls this too, so what was fitted is what runs).

    Per class row, in seconds: ``model_segments``, ``occupied`` (every segment of the lane, a
    person's included) and ``rarity`` (`annotator.review.unseen.rarities`, keyed ``(row,
    start, end)``); ``bands`` per class code (onset, offset). Also returns the rarities keyed
    by ``(code, a, b)`` in frames, as the candidates name their places."""
    d = float(evidence.frame_duration)
    T = int(evidence.posteriors.shape[1])
    codes = tuple(evidence.classes)

    def frames(spans: Sequence[tuple[float, float]]) -> list[tuple[int, int]]:
        return [(int(round(a / d)), min(T, int(round(b / d)))) for a, b in spans]

    by_frames = {
        (codes[row], int(round(begin / d)), min(T, int(round(end / d)))): found
        for (row, begin, end), found in rarity.items()
    }
    found = candidates(
        evidence.posteriors, codes, bands,
        {codes[row]: frames(spans) for row, spans in model_segments.items()}, d,
        occupied={codes[row]: frames(spans) for row, spans in occupied.items()},
        rarity={k: r.percentile for k, r in by_frames.items()}, floor=floor, join_s=join_s,
    )  # fmt: skip
    return found, by_frames


class _LaneIndex:
    """The parts of each lane in time order, to find the one an item lies on in log time (the
    parts of one lane never overlap: segments are disjoint, missed stretches lie between them)."""

    def __init__(self, parts: Sequence[Part]) -> None:
        self.lanes: dict[str, list[Part]] = {}
        for part in parts:
            self.lanes.setdefault(part.lane, []).append(part)
        self.starts = {}
        for lane, found in self.lanes.items():
            found.sort(key=lambda p: p.start)
            self.starts[lane] = [p.start for p in found]

    def best(self, lane: str, start: float, end: float) -> tuple[float, Part | None]:
        """The part overlapping ``[start, end)`` most (of every lane for `ALL_LANES`)."""
        best: tuple[float, Part | None] = (0.0, None)
        for name in self.lanes if lane == ALL_LANES else [lane]:
            found, starts = self.lanes.get(name, []), self.starts.get(name, [])
            i = max(0, bisect.bisect_right(starts, start) - 1)
            while i < len(found) and found[i].start < end:
                part = found[i]
                overlap = min(part.end, end) - max(part.start, start)
                if overlap > best[0]:
                    best = (overlap, part)
                i += 1
        return best


def likely_parts(
    evidence: Any,
    calibration: WrongnessCalibration,
    bands: Mapping[str, tuple[float, float]],
    found: Sequence[Candidate],
    rarity: Mapping[tuple[str, int, int], Rarity],
    others: Sequence[Any],
) -> list[Part]:
    """The calibrated parts of the candidates ``found`` (`recording_candidates`), with the items
    of the other kinds (``others``, `ReviewItem`s) folded into the parts they lie on or kept as
    parts of their own."""
    d = float(evidence.frame_duration)
    parts: list[Part] = []
    for c in found:
        model = calibration.model(c.kind, c.code)
        if model is None:
            continue
        onset = bands.get(c.code, (0.5, 0.5))[0]
        p = model.probability(c.features)
        parts.append(_calibrated_part(c, p, model, onset, rarity.get((c.code, c.a, c.b)), d))
    lanes = _LaneIndex(parts)
    kept = []
    for item in others:
        host = None
        if item.kind != "disagreement":
            overlap, host = lanes.best(item.lane, item.start, item.end)
            if host is not None and overlap < 0.5 * (item.end - item.start) - 1e-9:
                host = None
        if host is not None:
            host.also.append((item.kind, _without_lane(item.detail, host.lane)))
        else:
            strength = min(1.0, item.score / max(item.end - item.start, 1e-9))
            kept.append(Part(
                item.lane, item.start, item.end, item.kind, strength, item.detail,
                f"{item.lane} {item.kind}",
            ))  # fmt: skip
    return parts + kept
