"""Correction effort against a reference: how many edits a person needs, lane by lane.

Why next to the error rates: a pre-label is worth what it saves the person who corrects it, and
time-based figures hide flicker — a lane broken into twenty fragments misses no more time than
one clean segment but costs twenty deletions. The count is `segmenter.evaluation.edit_cost`'s
rule (the project's shared one: delete a false segment, add a missed one, move a boundary by
more than 0.2 s, split or merge; gaps under 0.3 s are free), applied here to lanes rather than
re-implemented, so the editor's figure means what the benchmarks' figures mean.

Three figures per compared lane, all against the same reference over the same stretch:

* the *working* labels (what is in the lane now): the edits still to make;
* *empty lanes*: the edits of someone starting from scratch (one *add* per reference segment,
  after gap closing) — the baseline a pre-label has to beat to have saved any work;
* the model's *pre-label* as the editor would hand it out now (its segments at the current
  thresholds, under the lanes' confidence floors), when the caller has it: the working figure
  falls as the person corrects, this one says whether the model's start was worth having.

The rule counts spans only: on lanes whose labels mean something (words, speakers), relabelling
a segment is not counted (the comparison's *confused* time shows it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotator.core import Annotation, Lane
from annotator.core.merge import below_floor
from segmenter.evaluation.edit_cost import EDIT_KINDS, EditCounts, EditRule, count_edits

__all__ = [
    "EDIT_KINDS",
    "EditCounts",
    "EffortText",
    "RULE_TEXT",
    "breakdown",
    "effort_text",
    "lane_edits",
    "prelabel_as_given",
    "sum_edits",
]

#: one line on what an edit is, for tooltips and reports
RULE_TEXT = (
    "Edits to turn these labels into the reference: delete a false segment, add a missed one, "
    f"move a boundary by more than {EditRule().tol:g} s, split or merge "
    f"(gaps under {EditRule().gap:g} s are free)"
)


def lane_edits(reference: Lane, lane: Lane | None, extent: float) -> EditCounts:
    """Edits to turn ``lane`` (None: an empty lane) into ``reference`` over ``[0, extent]``.

    The stretch is the recording, as for the comparison's error rates, so that the working,
    pre-label and empty-lane figures of one lane are counted over the same audio.
    """
    uem = [(0.0, extent)] if extent > 0 else None
    return count_edits(_spans(reference), _spans(lane) if lane is not None else [], uem)


def _spans(lane: Lane) -> list[tuple[float, float]]:
    return [(s.start, s.end) for s in lane]


def sum_edits(counts: Iterable[EditCounts]) -> EditCounts:
    """Edits of several lanes together (the file's figure)."""
    return sum(counts, EditCounts())


def prelabel_as_given(proposal: Annotation, working: Annotation) -> Annotation:
    """The model's ``proposal`` as the editor hands it out: each lane's model segments under
    the working lane's confidence floor left out (`annotator.core.merge.below_floor`), as the
    pre-labeler's merge does. Counting the floored pre-label lets a person watch the figure
    while moving a floor or a threshold."""
    lanes = []
    for lane in proposal:
        floor = working.lane(lane.name).confidence_floor if lane.name in working else 0.0
        lanes.append(Lane(lane.name, [s for s in lane if not below_floor(s, floor)]))
    return Annotation(lanes, recording=proposal.recording)


def breakdown(counts: EditCounts) -> str:
    """``"delete 3 · add 2 · boundary 1 · split 0 · merge 0"``: every kind, in the rule's
    order, so that lines of different lanes and figures read column by column."""
    return " · ".join(f"{kind} {getattr(counts, kind)}" for kind in EDIT_KINDS)


def _edits(n: int) -> str:
    return f"{n} edit" if n == 1 else f"{n} edits"


@dataclass(frozen=True)
class EffortText:
    """What the compare panel says about effort, as plain text (testable without Qt)."""

    headline: str  # "About 12 edits to correct this recording (from empty lanes: 20)"
    prelabel: str  # the model's pre-label against empty lanes; '' when there is none
    detail: str  # the working figure by kind


def effort_text(working: EditCounts, empty: EditCounts, prelabel: EditCounts | None) -> EffortText:
    """Sentences for one file's figures: the edits left, the empty-lanes baseline beside it,
    and whether the model's pre-label saved work (fewer edits than starting from scratch)."""
    headline = (
        f"About {_edits(working.total)} to correct this recording (from empty lanes: {empty.total})"
    )
    line = ""
    if prelabel is not None:
        n, m = prelabel.total, empty.total
        if n < m:
            verdict = f"saves {_edits(m - n)} over empty lanes"
        elif n > m:
            verdict = f"costs {_edits(n - m)} more than empty lanes"
        else:
            verdict = "saves nothing over empty lanes"
        line = f"Model pre-label: {_edits(n)}, {verdict}"
    return EffortText(headline, line, f"Edits left: {breakdown(working)}")
