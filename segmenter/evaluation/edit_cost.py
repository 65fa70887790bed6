"""Correction effort: how many edits a person needs to turn a system's segments into the reference.

Why a second figure next to F1: a pre-label is worth what it saves the person who corrects it, and
frame F1 hides flicker — a lane broken into twenty fragments scores the same F1 as one clean
segment but costs twenty deletions. This is the rule of the project's shared scoring tool
(``../shared/tools/edit_cost.py``), kept identical so that our figures and the independent sets'
figures mean the same thing; ``tests/segmenter/test_edit_cost.py`` checks it against that tool.

Counted per file, per class, inside the UEM (each UEM interval on its own):

0. Segments of each side are united, clipped to the interval, and gaps shorter than ``gap``
   (0.3 s) between two segments are closed: a gap < 0.3 s is never an edit.
1. *delete*: a hypothesis segment with < ``cover`` (50 %) of its duration on reference segments.
   Deleted segments are removed before the next step.
2. *add*: a reference segment with < ``cover`` of its duration covered by the remaining hypothesis
   segments. Added segments are removed before the next step.
3. Remaining segments are linked when they overlap by at least ``cover`` of the shorter of the
   two; each connected group with ``n_h`` hypothesis and ``n_r`` reference segments costs
   ``max(0, n_r − n_h)`` *splits* + ``max(0, n_h − n_r)`` *merges*, plus a *boundary* move for the
   group's first start and last end when they differ by more than ``tol`` (0.2 s); when
   ``n_h == n_r > 1`` the segments are paired in time order and every inner boundary is
   compared too. A remaining segment that links to no single segment (it bridges a gap of the
   other side) costs one split (hypothesis side) or merge (reference side).

A file without a UEM is scored over ``[0, last end of either side]``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from segmenter.decisions import CLASSES
from segmenter.evaluation.detection import Labels
from segmenter.evaluation.intervals import EvaluationError, Spans, normalise
from segmenter.spans import intersect, total

__all__ = [
    "EDIT_KINDS",
    "CorpusEdits",
    "EditCounts",
    "EditRule",
    "corpus_edits",
    "count_edits",
    "count_prepared",
    "file_edits",
    "prepare_spans",
]

EDIT_KINDS = ("delete", "add", "boundary", "split", "merge")


@dataclass(frozen=True)
class EditRule:
    """The three constants of the rule (the shared tool's GAP, TOL and COVER)."""

    gap: float = 0.3  # s: shorter gaps are closed on both sides
    tol: float = 0.2  # s: a boundary off by more than this must be moved
    cover: float = 0.5  # fraction of a segment that must overlap the other side


@dataclass(frozen=True)
class EditCounts:
    """Edits of each kind; additive over classes, intervals and files."""

    delete: int = 0
    add: int = 0
    boundary: int = 0
    split: int = 0
    merge: int = 0

    def __add__(self, other: EditCounts) -> EditCounts:
        return EditCounts(*(getattr(self, k) + getattr(other, k) for k in EDIT_KINDS))

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in EDIT_KINDS}


def prepare_spans(spans: Spans, lo: float, hi: float, gap: float) -> list[tuple[float, float]]:
    """Step 0: united, clipped to ``[lo, hi)``, gaps shorter than ``gap`` closed (public so that
    threshold tuning prepares each reference once, not once per candidate)."""
    out: list[tuple[float, float]] = []
    for start, end in intersect(normalise(spans), [(lo, hi)]):
        if out and start - out[-1][1] < gap:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _covered(
    seg: tuple[float, float], others: list[tuple[float, float]], starts: list[float]
) -> float:
    """Seconds of ``seg`` on the sorted, disjoint ``others`` (``starts`` = their starts)."""
    i = max(0, bisect_left(starts, seg[0]) - 1)
    covered = 0.0
    while i < len(others) and others[i][0] < seg[1]:
        covered += _overlap(seg, others[i])
        i += 1
    return covered


def count_prepared(
    hyp: list[tuple[float, float]], ref: list[tuple[float, float]], rule: EditRule
) -> EditCounts:
    """Steps 1–3 on spans already through :func:`prepare_spans` with the same rule."""
    counts = dict.fromkeys(EDIT_KINDS, 0)
    ref_starts = [s for s, _ in ref]
    kept_hyp: list[tuple[float, float]] = []
    for h in hyp:
        if _covered(h, ref, ref_starts) < rule.cover * (h[1] - h[0]):
            counts["delete"] += 1
        else:
            kept_hyp.append(h)
    hyp_starts = [s for s, _ in kept_hyp]
    kept_ref = []
    for r in ref:
        if _covered(r, kept_hyp, hyp_starts) < rule.cover * (r[1] - r[0]):
            counts["add"] += 1
        else:
            kept_ref.append(r)

    # Link what remains (overlap >= cover of the shorter one) and group with union-find.
    n_hyp = len(kept_hyp)
    nodes = kept_hyp + kept_ref
    parent = list(range(len(nodes)))
    linked = [False] * len(nodes)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ref_starts = [s for s, _ in kept_ref]
    for i, h in enumerate(kept_hyp):
        j = max(0, bisect_left(ref_starts, h[0]) - 1)
        while j < len(kept_ref) and kept_ref[j][0] < h[1]:
            r = kept_ref[j]
            if _overlap(h, r) >= rule.cover * min(h[1] - h[0], r[1] - r[0]):
                linked[i] = linked[n_hyp + j] = True
                parent[find(i)] = find(n_hyp + j)
            j += 1
    groups: dict[int, tuple[list[tuple[float, float]], list[tuple[float, float]]]]
    groups = defaultdict(lambda: ([], []))
    for i, seg in enumerate(nodes):
        is_hyp = i < n_hyp
        if not linked[i]:  # bridges a gap of the other side
            counts["split" if is_hyp else "merge"] += 1
            continue
        groups[find(i)][0 if is_hyp else 1].append(seg)
    for hs, rs in groups.values():
        hs, rs = sorted(hs), sorted(rs)
        counts["split"] += max(0, len(rs) - len(hs))
        counts["merge"] += max(0, len(hs) - len(rs))
        if len(hs) == len(rs):
            pairs = [(a[0], b[0]) for a, b in zip(hs, rs, strict=True)]
            pairs += [(a[1], b[1]) for a, b in zip(hs, rs, strict=True)]
        else:
            pairs = [(hs[0][0], rs[0][0]), (hs[-1][1], rs[-1][1])]
        counts["boundary"] += sum(1 for a, b in pairs if abs(a - b) > rule.tol)
    return EditCounts(**counts)


def _region(reference: Spans, hypothesis: Spans, uem: Spans | None) -> list[tuple[float, float]]:
    if uem is not None:
        return normalise(uem, "UEM")
    ends = [float(s[1]) for s in (*reference, *hypothesis)]
    return [(0.0, max(ends))] if ends else []


def count_edits(
    reference: Spans, hypothesis: Spans, uem: Spans | None = None, rule: EditRule | None = None
) -> EditCounts:
    """Edits to turn one class's ``hypothesis`` into its ``reference`` within ``uem``."""
    rule = rule or EditRule()
    out = EditCounts()
    for lo, hi in _region(reference, hypothesis, uem):
        out += count_prepared(
            prepare_spans(hypothesis, lo, hi, rule.gap),
            prepare_spans(reference, lo, hi, rule.gap),
            rule,
        )
    return out


def file_edits(
    reference: Labels,
    hypothesis: Labels,
    uem: Spans | None = None,
    classes: Sequence[str] = CLASSES,
    rule: EditRule | None = None,
) -> dict[str, EditCounts]:
    """Edits per class of one file (a class missing from a side counts as an empty lane)."""
    return {c: count_edits(reference.get(c, ()), hypothesis.get(c, ()), uem, rule) for c in classes}


@dataclass
class CorpusEdits:
    """Edits per class summed over files, the per-file counts, and the minutes they cover."""

    classes: tuple[str, ...]
    minutes: float
    totals: dict[str, EditCounts] = field(default_factory=dict)
    files: dict[str, dict[str, EditCounts]] = field(default_factory=dict)

    def per_minute(self, cls: str) -> float:
        """Edits of one class per minute of scored audio (NaN when nothing was scored)."""
        return self.totals[cls].total / self.minutes if self.minutes > 0 else float("nan")

    @property
    def total_per_minute(self) -> float:
        """All classes' edits per minute of scored audio."""
        n = sum(self.totals[c].total for c in self.classes)
        return n / self.minutes if self.minutes > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the same keys as the shared tool's ``--json`` output."""
        return {
            "classes": list(self.classes),
            "minutes": self.minutes,
            "totals": {c: self.totals[c].to_dict() for c in self.classes},
            "per_min": {c: self.per_minute(c) for c in self.classes},
            "total_per_min": self.total_per_minute,
        }


def corpus_edits(
    references: Mapping[str, Labels],
    hypotheses: Mapping[str, Labels],
    uems: Mapping[str, Spans] | None = None,
    classes: Sequence[str] = CLASSES,
    rule: EditRule | None = None,
) -> CorpusEdits:
    """Edits over every file of ``references`` (a file without a hypothesis has empty lanes —
    which is exactly the "start from scratch" baseline)."""
    classes = tuple(classes)
    result = CorpusEdits(classes, 0.0, {c: EditCounts() for c in classes})
    seconds = 0.0
    for uri, reference in references.items():
        hypothesis = hypotheses.get(uri, {})
        uem = None if uems is None else uems.get(uri)
        if uem is None:
            spans = [
                s for side in (reference, hypothesis) for c in classes for s in side.get(c, ())
            ]
            region = _region(spans, (), None)
        else:
            region = normalise(uem, f"{uri}: UEM")
        try:
            counts = file_edits(reference, hypothesis, region, classes, rule)
        except EvaluationError as exc:
            raise EvaluationError(f"{uri}: {exc}") from None
        result.files[uri] = counts
        for c in classes:
            result.totals[c] += counts[c]
        seconds += total(region)
    result.minutes = seconds / 60.0
    return result
