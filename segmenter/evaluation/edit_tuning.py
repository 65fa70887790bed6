"""Decision thresholds tuned for the person who corrects them: the fewest edits, F1 kept.

Why not F1 alone: F1 counts seconds, a person counts segments. Thresholds tuned on F1 happily
emit many short, barely-confident segments that each win a few frames and each cost a deletion,
and break a long stretch into fragments that each cost a merge. Measured on the shipped model's
demo, the F1-tuned noise and overlap lanes cost *more* edits than labelling from empty lanes.

The objective, per class: among the grid's candidates whose corpus F1 is within
``f1_tolerance`` (0.02) of the best F1 on the grid, take the one with the fewest edits (rule of
:mod:`.edit_cost`); ties go to the higher F1. Why a joint objective rather than edits alone: the
edit count is blind to how far a boundary is off beyond 0.2 s and to the length of what is
missed, so on its own it would trade long stretches of time accuracy (what a corpus's statistics
are computed from) for one edit; the F1 guard keeps the lane's time accuracy within 0.02 of the
best while the edits decide among the nearly-equal candidates.

One guard more, for the person: a lane whose F1-guarded choice costs at least as many edits as
labelling that lane from empty costs the person more than no pre-label at all, so then the
candidate with the fewest edits is taken, whatever its F1 (``EditTunedClass.guarded``). Measured
why: run G8's overlap lane, F1-guarded (onset 0.6, offset 0.2, gaps under 2 s filled), cost 9.9
edits per minute on the validation mixtures against 7.7 from empty, and labelled 54 % of lone
Italian and Spanish talkers overlap; no candidate of the grid beat the empty lane. The person
still sees the posterior and can lower the lane's floor in the editor.

A stricter guard on request (``min_saving``): a lane whose chosen thresholds do not save at
least that share of the empty lane's edits on the tuning set is left empty (:data:`EMPTY_LANE`).
Why: a small saving on the tuning mixtures does not carry to real recordings. Measured on W4
re-tuned on plain and training-stream mixtures together: its overlap lane saved 5 % of the
empty lane's edits on the tuning set, cost 5 % *more* than empty on the scoring mixtures of the
same stream, and 1.5× the empty lane on the demo (5.87 against 3.91 edits per minute).

The grid adds two decision parameters F1 tuning leaves alone: minimum durations up to 2 s (gap
closing is ``min_off``), and the segment confidence floor ``min_confidence`` (drop a segment whose
mean posterior is under it). Padding and the ``ov``-inside-``sp`` clipping are ignored, as in
:mod:`.tuning`, whose file layout (files end to end, hysteresis reset between them) is reused.
Identical segment sets are counted once (many candidates differ only where nothing changes).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from segmenter.decisions import (
    CLASSES,
    FRAME_DURATION,
    Thresholds,
    fill_and_drop,
    hysteresis_runs,
    run_sums,
)
from segmenter.evaluation.detection import DetectionCounts, Labels
from segmenter.evaluation.edit_cost import (
    EditCounts,
    EditRule,
    count_prepared,
    prepare_spans,
)
from segmenter.evaluation.intervals import EvaluationError, Spans
from segmenter.evaluation.tuning import _layout, run_counts
from segmenter.progress import ProgressCallback, check_cancelled, report
from segmenter.spans import total

__all__ = ["EMPTY_LANE", "EditGrid", "EditTunedClass", "tune_for_edits"]

EMPTY_LANE = Thresholds(onset=1.0, offset=1.0, min_confidence=1.0)
"""Thresholds that leave a lane empty: only a stretch whose posterior is exactly 1 throughout
passes, which a sigmoid reaches only in saturation. Still ordinary thresholds, so the person can
lower them in the editor and see what the model would have labelled."""

_PROBS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_DURATIONS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class EditGrid:
    """Candidate values; pairs with offset > onset are skipped."""

    onsets: Sequence[float] = _PROBS
    offsets: Sequence[float] = _PROBS
    min_on: Sequence[float] = _DURATIONS
    min_off: Sequence[float] = _DURATIONS
    min_confidence: Sequence[float] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class EditTunedClass:
    """The chosen thresholds of one class, what they score, and the F1-only choice beside it."""

    thresholds: Thresholds
    counts: DetectionCounts
    edits: EditCounts
    minutes: float
    best_f1: float  # the best F1 on the grid (what F1-only tuning would reach)
    edits_at_best_f1: EditCounts  # the edits of that F1-only choice
    empty_edits: EditCounts = EditCounts()  # the edits from an empty lane (add every segment)
    guarded: bool = False  # True: the F1 guard's choice cost no less than the empty lane

    @property
    def f1(self) -> float:
        return self.counts.f1

    @property
    def edits_per_min(self) -> float:
        return self.edits.total / self.minutes if self.minutes > 0 else float("nan")


@dataclass(frozen=True)
class _Candidate:
    thresholds: Thresholds
    counts: DetectionCounts
    edits: EditCounts


class _EditCounter:
    """Edits of frame runs laid out as :func:`tuning._layout` lays files, against references
    prepared once per file and UEM interval."""

    def __init__(
        self,
        file_id: np.ndarray,
        refs: list[list[tuple[float, float, list[tuple[float, float]]]]],
        d: float,
        rule: EditRule,
    ) -> None:
        self.file_id, self.refs, self.d, self.rule = file_id, refs, d, rule
        firsts = np.flatnonzero(np.diff(np.concatenate(([-2], file_id))) != 0)
        self.offset = {int(file_id[i]): int(i) for i in firsts if file_id[i] >= 0}
        self.cache: dict[bytes, EditCounts] = {}

    def __call__(self, starts: np.ndarray, ends: np.ndarray) -> EditCounts:
        key = hashlib.blake2b(starts.tobytes() + b"|" + ends.tobytes(), digest_size=16).digest()
        if key not in self.cache:
            self.cache[key] = self._count(starts, ends)
        return self.cache[key]

    def _count(self, starts: np.ndarray, ends: np.ndarray) -> EditCounts:
        owner = self.file_id[starts] if starts.size else np.zeros(0, dtype=np.int64)
        out = EditCounts()
        for i, intervals in enumerate(self.refs):
            mine = owner == i
            base = self.offset[i]
            hyp = [
                ((a - base) * self.d, (b - base) * self.d)
                for a, b in zip(starts[mine].tolist(), ends[mine].tolist(), strict=True)
            ]
            for lo, hi, ref in intervals:
                out += count_prepared(prepare_spans(hyp, lo, hi, self.rule.gap), ref, self.rule)
        return out


def _references(
    references: Mapping[str, Labels],
    uris: list[str],
    regions: list[list[tuple[float, float]]],
    cls: str,
    rule: EditRule,
) -> tuple[list[list[tuple[float, float, list[tuple[float, float]]]]], float]:
    """Per file (in layout order), per region interval: ``(lo, hi, prepared reference)``; and
    the minutes scored. ``regions`` are :func:`tuning._layout`'s, so edits and F1 are counted
    over the same stretches."""
    out = [
        [
            (lo, hi, prepare_spans(references[uri].get(cls, ()), lo, hi, rule.gap))
            for lo, hi in region
        ]
        for uri, region in zip(uris, regions, strict=True)
    ]
    return out, sum(total(region) for region in regions) / 60.0


def _choose(
    candidates: list[_Candidate], f1_tolerance: float, empty: EditCounts | None
) -> tuple[_Candidate, _Candidate, bool]:
    """(the edit-tuned choice, the F1-only choice, whether the empty-lane guard decided);
    grid order breaks remaining ties."""
    best_f1 = max(candidates, key=lambda c: c.counts.f1)
    floor = best_f1.counts.f1 - f1_tolerance
    eligible = [c for c in candidates if c.counts.f1 >= floor - 1e-12]
    fewest = lambda c: (c.edits.total, -c.counts.f1)  # noqa: E731
    chosen = min(eligible, key=fewest)
    if empty is not None and chosen.edits.total >= empty.total:
        cheapest = min(candidates, key=fewest)
        if cheapest.edits.total < chosen.edits.total:
            return cheapest, best_f1, True
    return chosen, best_f1, False


def tune_for_edits(
    posteriors: Mapping[str, np.ndarray],
    references: Mapping[str, Labels],
    uems: Mapping[str, Spans] | None = None,
    classes: Sequence[str] = CLASSES,
    grid: EditGrid | None = None,
    f1_tolerance: float = 0.02,
    frame_duration: float = FRAME_DURATION,
    rule: EditRule | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    empty_lane_guard: bool = True,
    min_saving: float = 0.0,
) -> dict[str, EditTunedClass]:
    """Per-class thresholds with the fewest edits among those within ``f1_tolerance`` of the
    grid's best corpus F1, or the fewest of all where that costs no less than an empty lane
    (module docstring; ``empty_lane_guard=False`` keeps the F1 guard's choice regardless); with
    ``min_saving`` > 0, a lane whose choice saves less than that share of the empty lane's edits
    gets :data:`EMPTY_LANE`.
    Arguments as :func:`.tuning.tune_thresholds`."""
    if not 0.0 <= f1_tolerance <= 1.0:
        raise EvaluationError(f"f1_tolerance must lie in [0, 1], got {f1_tolerance}")
    if not 0.0 <= min_saving < 1.0:
        raise EvaluationError(f"min_saving must lie in [0, 1), got {min_saving}")
    classes, grid, d, rule = tuple(classes), grid or EditGrid(), frame_duration, rule or EditRule()
    p_all, file_id, per_class, regions = _layout(posteriors, references, uems, classes, d)
    pairs = [(a, b) for a in sorted(grid.onsets) for b in sorted(grid.offsets) if b <= a]
    durations = [(on, off) for on in grid.min_on for off in grid.min_off]
    floors = sorted(grid.min_confidence)
    if not pairs or not durations or not floors:
        raise EvaluationError("threshold grid is empty (need some offset <= onset)")
    out: dict[str, EditTunedClass] = {}
    for ci, cls in enumerate(classes):
        refs, minutes = _references(references, list(posteriors), regions, cls, rule)
        count = _EditCounter(file_id, refs, d, rule)
        candidates: list[_Candidate] = []
        for pi, (onset, offset) in enumerate(pairs):
            check_cancelled(cancel, "threshold tuning")
            report(progress, (ci + pi / len(pairs)) / len(classes), f"tuning {cls} for edits")
            starts0, ends0 = hysteresis_runs(p_all[ci], onset, offset)
            barriers = file_id[ends0[:-1] - 1] != file_id[starts0[1:]]
            for min_on, min_off in durations:
                starts1, ends1 = fill_and_drop(starts0, ends0, min_off / d, min_on / d, barriers)
                mean = run_sums(p_all[ci], starts1, ends1) / np.maximum(ends1 - starts1, 1)
                for floor in floors:
                    keep = mean >= floor
                    starts, ends = starts1[keep], ends1[keep]
                    counts = run_counts(per_class[cls], starts, ends)
                    th = Thresholds(
                        onset, offset, min_on=min_on, min_off=min_off, min_confidence=floor
                    )
                    candidates.append(_Candidate(th, counts, count(starts, ends)))
        empty = count(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
        chosen, by_f1, guarded = _choose(
            candidates, f1_tolerance, empty if empty_lane_guard else None
        )
        if min_saving > 0 and chosen.edits.total > (1.0 - min_saving) * empty.total:
            starts, ends = hysteresis_runs(p_all[ci], EMPTY_LANE.onset, EMPTY_LANE.offset)
            full = run_sums(p_all[ci], starts, ends) >= EMPTY_LANE.min_confidence * (ends - starts)
            starts, ends = starts[full], ends[full]
            counts = run_counts(per_class[cls], starts, ends)
            chosen, guarded = _Candidate(EMPTY_LANE, counts, count(starts, ends)), True
        out[cls] = EditTunedClass(
            chosen.thresholds, chosen.counts, chosen.edits, minutes, by_f1.counts.f1,
            by_f1.edits, empty, guarded,
        )  # fmt: skip
    report(progress, 1.0, "threshold tuning done")
    return out
