"""Plan the key presses that correct pre-labelled lanes into a reference, keyboard only.

Used by ``benchmarks/keyboard_correction.py`` and by the GUI test that sends the plan to the real
window (``tests/annotator/gui/test_keyboard_correction.py``, issue 17). The planner sees what a
person sees — the working lanes and, as the person's ear would, where the reference boundaries
are — and may press only the window's own shortcuts (`annotator.gui.shortcuts`): cursor steps
of 1 % and 10 % of the view, zoom in / out / all, Home / End, Up / Down for the active lane,
Alt+Left / Alt+Right from segment to segment, Delete, M (merge with the next), B (the nearest
boundary to the cursor) and Ctrl+Enter (start, then close, a segment in a gap). The reference
shortcuts (Shift+C, D) are never used: a real user has no reference to copy from.

How a lane is corrected, left to right:

* every model segment is assigned to the reference segment it overlaps most; one that overlaps
  none is **deleted** (Alt+arrows to select it, Delete);
* the model segments assigned to one reference segment are **kept**: merged into one (M), then
  their start and end are moved onto the reference boundaries (cursor there, B);
* a reference segment no model segment overlaps is **drawn** (cursor to its start, Ctrl+Enter,
  cursor to its end, Ctrl+Enter).

Cursor moves are searched, not scripted: from the cursor, Home / End or a segment start reached
with Alt+arrows, at any zoom level (the 1 % step is the view width / 100), optionally zooming in
further for a last fine approach, the cheapest sequence of presses that lands within the
tolerance wins. B moves the boundary *nearest* the cursor; when another boundary is nearer the
target, the boundary is walked there in steps that stay nearest.

The planner replays every key on its own model of the editor (the same core edits, the same
`nearest_boundary` rule), so it knows where the cursor and the boundaries will be; the GUI test
checks the real window agrees, key by key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from annotator.core import (
    AddSegment,
    Annotation,
    MergeSegments,
    MoveBoundary,
    RemoveSegment,
    Segment,
    Source,
)
from annotator.core.edits import MIN_SEGMENT_S
from annotator.core.errors import InvalidEdit
from annotator.gui.boundary_keys import nearest_boundary
from annotator.gui.shortcuts import binding
from annotator.gui.timeline_view import MIN_SPAN_S, ZOOM_STEP

#: the QKeySequence text of each verb: the first key of the window's own binding
KEY = {
    action: binding(action).keys[0]
    for action in (
        "cursor_left", "cursor_right", "cursor_left_far", "cursor_right_far", "go_start",
        "go_end", "zoom_in", "zoom_out", "zoom_all", "lane_up", "lane_down", "segment_prev",
        "segment_next", "delete", "merge", "boundary_to_cursor", "insert_boundary", "escape",
    )
}  # fmt: skip
FORBIDDEN = frozenset(binding(a).keys[0] for a in ("copy_reference", "disagreement_next"))
MAX_LEVEL = 36  # zoom-in presses from the whole recording the search considers
MARGIN = 1e-6  # seconds: no decision of the editor's may hinge on less (float noise)


class PlanError(RuntimeError):
    """The planner could not find a key sequence (a case its rules do not cover)."""


@dataclass
class LaneStats:
    lane: str
    keys: int = 0
    kept: int = 0
    deleted: int = 0
    drawn: int = 0
    merged: int = 0
    max_error: float = 0.0


@dataclass
class Plan:
    keys: list[str]
    #: the cursor the editor should show after each key (for a key-by-key check)
    cursors: list[float]
    lanes: list[LaneStats]
    tolerance: float
    #: the lanes as the plan leaves them, per the planner's own model of the editor
    result: Annotation = field(repr=False)

    @property
    def max_error(self) -> float:
        return max((s.max_error for s in self.lanes), default=0.0)


class Editor:
    """The editor's keyboard verbs on a copy of the lanes (mirrors `EditorController`,
    `keyboard_moves` and `boundary_keys`)."""

    def __init__(
        self, annotation: Annotation, duration: float, cursor: float, width: float,
        lane: str, pixels: float,
    ) -> None:  # fmt: skip
        self.ann, self.duration, self.cursor, self.width = annotation, duration, cursor, width
        self.lane, self.pixels = lane, pixels
        self.selection: list[tuple[str, Segment]] = []
        self.mark: tuple[str, float] | None = None
        self.keys: list[str] = []
        self.cursors: list[float] = []

    def copy_all(self) -> Editor:
        """A full copy (lanes, keys pressed so far) for trying a whole plan."""
        other = self.copy_nav()
        other.ann = self.ann.copy()
        other.selection = [
            (name, next(s for s in other.ann.lane(name) if s == segment))
            for name, segment in self.selection
        ]
        other.keys, other.cursors = list(self.keys), list(self.cursors)
        return other

    def copy_nav(self) -> Editor:
        """A copy for trying cursor moves (they do not edit the lanes, which stay shared)."""
        other = Editor(self.ann, self.duration, self.cursor, self.width, self.lane, self.pixels)
        other.selection, other.mark = list(self.selection), self.mark
        return other

    @property
    def level(self) -> int:
        return round(math.log(self.duration / self.width, ZOOM_STEP))

    def segments(self) -> list[Segment]:
        return list(self.ann.lane(self.lane))

    def shortest(self) -> float:
        return max(MIN_SEGMENT_S, self.width / self.pixels)

    # --- one key --------------------------------------------------------------------------
    def press(self, key: str) -> None:
        if key in FORBIDDEN:
            raise PlanError(f"{key} copies the reference: not for a plan")
        getattr(self, "_" + next(a for a, k in KEY.items() if k == key))()
        self.keys.append(key)
        self.cursors.append(self.cursor)

    def _move(self, fraction: float) -> None:
        self.cursor = min(max(self.cursor + fraction * self.width, 0.0), self.duration)

    def _cursor_left(self) -> None:
        self._move(-0.01)

    def _cursor_right(self) -> None:
        self._move(0.01)

    def _cursor_left_far(self) -> None:
        self._move(-0.1)

    def _cursor_right_far(self) -> None:
        self._move(0.1)

    def _go_start(self) -> None:
        self.cursor = 0.0

    def _go_end(self) -> None:
        self.cursor = self.duration

    def _zoom(self, factor: float) -> None:
        self.width = min(max(self.width * factor, MIN_SPAN_S), self.duration)

    def _zoom_in(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    def _zoom_out(self) -> None:
        self._zoom(ZOOM_STEP)

    def _zoom_all(self) -> None:
        self.width = self.duration

    def _escape(self) -> None:
        self.selection, self.mark = [], None

    def _lane_step(self, step: int) -> None:
        names = self.ann.lane_names
        index = min(max(names.index(self.lane) + step, 0), len(names) - 1)
        if names[index] != self.lane:
            self.lane = names[index]
            if any(name != self.lane for name, _ in self.selection):
                self.selection = []

    def _lane_up(self) -> None:
        self._lane_step(-1)

    def _lane_down(self) -> None:
        self._lane_step(1)

    def _segment_step(self, step: int) -> None:
        segments = self.segments()
        mine = [s for name, s in self.selection if name == self.lane]
        here = mine[0].start if mine else self.cursor
        if step > 0:
            found = next((s for s in segments if s.start > here + 1e-9), None)
        else:
            found = next((s for s in reversed(segments) if s.start < here - 1e-9), None)
        if found is not None:
            self.selection = [(self.lane, found)]
            self.cursor = found.start

    def _segment_prev(self) -> None:
        self._segment_step(-1)

    def _segment_next(self) -> None:
        self._segment_step(1)

    def _apply(self, edit) -> None:
        edit.apply(self.ann)  # raises InvalidEdit: a planner bug, reported as such

    def _delete(self) -> None:
        for name, segment in self.selection:
            self._apply(RemoveSegment(name, segment))
        self.selection = []

    def _merge(self) -> None:
        name, segment = min(self.selection, key=lambda p: p[1])
        after = self.ann.lane(name).neighbours(segment)[1]
        edit = MergeSegments(name, segment, after)
        self._apply(edit)
        self.selection = list(edit.change.added)

    def _boundary_to_cursor(self) -> None:
        name = self.selection[0][0] if self.selection else self.lane
        found = nearest_boundary(list(self.ann.lane(name)), self.cursor)
        if found is None:
            raise PlanError("B with no boundary in the lane")
        segment, side, shared = found
        if (segment.start if side == "start" else segment.end) == self.cursor:
            raise PlanError("B with the boundary at the cursor already")
        edit = MoveBoundary(name, segment, side, self.cursor, with_neighbour=shared)
        self._apply(edit)
        self.selection = [(name, edit.result)]

    def _insert_boundary(self) -> None:
        t, lane = self.cursor, self.ann.lane(self.lane)
        under = lane.at(t)
        if under is not None and under.start < t:
            raise PlanError("Ctrl+Enter inside a segment (a split) is not planned")
        if self.mark is None or self.mark[0] != self.lane or self.mark[1] >= t:
            self.mark = (self.lane, t)
            return
        start, self.mark = self.mark[1], None
        if t - start < self.shortest():
            raise PlanError("a drawn segment shorter than the editor accepts")
        label = self.lane  # a class lane: the label is the lane's name
        segment = Segment(start, t, label, None, Source.HUMAN)
        self._apply(AddSegment(self.lane, segment))
        self.selection = [(self.lane, segment)]


# --- cursor moves ---------------------------------------------------------------------------
def arrow_keys(k: int) -> list[str]:
    """``k`` 1 % steps as the fewest presses of 10 % and 1 % steps (far ones first)."""
    best: list[str] | None = None
    for far in {math.floor(k / 10), math.ceil(k / 10)}:
        near = k - 10 * far
        keys = [KEY["cursor_right_far" if far > 0 else "cursor_left_far"]] * abs(far)
        keys += [KEY["cursor_right" if near > 0 else "cursor_left"]] * abs(near)
        if best is None or len(keys) < len(best):
            best = keys
    return best or []


def zoom_keys(level: int, to: int) -> list[str]:
    via_all = [KEY["zoom_all"]] + [KEY["zoom_in"]] * to
    direct = [KEY["zoom_in" if to > level else "zoom_out"]] * abs(to - level)
    return direct if len(direct) <= len(via_all) else via_all


def _anchors(ed: Editor, allow_jumps: bool) -> list[tuple[list[str], float]]:
    """Keys that put the cursor somewhere exact, and where: stay, Home, End, segment starts."""
    found = [([], ed.cursor), ([KEY["go_start"]], 0.0), ([KEY["go_end"]], ed.duration)]
    if allow_jumps:
        for key in (KEY["segment_next"], KEY["segment_prev"]):
            probe, keys = ed.copy_nav(), []
            for _ in range(4):
                before = probe.cursor, list(probe.selection)
                probe.press(key)
                keys.append(key)
                if (probe.cursor, probe.selection) == before:
                    break
                found.append((list(keys), probe.cursor))
    return found


def arrow_cost(k: int) -> int:
    """len(arrow_keys(k)), without building the keys."""
    far = k // 10
    return min(abs(far) + abs(k - 10 * far), abs(far + 1) + abs(k - 10 * far - 10))


def cursor_to(ed: Editor, target: float, tol: float, accept=None, allow_jumps=True) -> None:
    """Press the cheapest keys that put the cursor within ``tol`` of ``target`` where
    ``accept(editor)`` holds; the candidates are replayed exactly before one is taken."""
    found: list[tuple[int, float, list[str], int, int, int, int]] = []
    level = ed.level
    for keys0, anchor in _anchors(ed, allow_jumps):
        for coarse in range(MAX_LEVEL + 1):
            step = ed.duration / ZOOM_STEP**coarse / 100
            zoom = len(zoom_keys(level, coarse)) if coarse != level else 0
            x = (target - anchor) / step
            for k1 in {round(x), math.floor(x), math.ceil(x), 10 * round(x / 10)}:
                cost = len(keys0) + zoom + arrow_cost(k1)
                at = anchor + k1 * step
                if abs(at - target) <= tol:
                    found.append((cost, abs(at - target), keys0, coarse, k1, 0, 0))
                    continue
                for finer in range(1, 12):
                    fine = step / ZOOM_STEP**finer
                    k2 = round((target - at) / fine)
                    if abs(at + k2 * fine - target) <= tol:
                        total = cost + finer + arrow_cost(k2)
                        found.append((total, abs(at + k2 * fine - target), keys0, coarse, k1,
                                      finer, k2))  # fmt: skip
                        break
    found.sort(key=lambda c: (c[0], c[1]))
    for _, _, keys0, coarse, k1, finer, k2 in found[:400]:
        keys = list(keys0) + (zoom_keys(level, coarse) if coarse != level else [])
        keys += arrow_keys(k1) + [KEY["zoom_in"]] * finer + arrow_keys(k2)
        probe = ed.copy_nav()
        for key in keys:
            probe.press(key)
        if abs(probe.cursor - target) <= tol and (accept is None or accept(probe)):
            for key in keys:
                ed.press(key)
            return
    raise PlanError(f"no key sequence puts the cursor within {tol} s of {target:.3f} s")


# --- boundary moves -------------------------------------------------------------------------
def _at(segment: Segment, side: str) -> float:
    return segment.start if side == "start" else segment.end


def _find(ed: Editor, side: str, at: float) -> Segment:
    for segment in ed.segments():
        if abs(_at(segment, side) - at) < MARGIN:
            return segment
    raise PlanError(f"no {side} boundary at {at:.6f} s in {ed.lane}")


def _moves_only(ed: Editor, segment: Segment, side: str):
    """Whether B at the editor's cursor moves ``segment``'s ``side`` and nothing else, and the
    editor accepts the move."""

    def accept(probe: Editor) -> bool:
        t = probe.cursor
        segments = probe.segments()
        found = nearest_boundary(segments, t)
        if found is None or found[0] != segment or found[1] != side or found[2]:
            return False
        own = abs(_at(segment, side) - t)
        others = [abs(x - t) for s in segments for x in (s.start, s.end)]
        others.remove(own)
        if own < MARGIN or (others and min(others) - own < MARGIN):
            return False
        before, after = probe.ann.lane(probe.lane).neighbours(segment)
        if side == "start":
            return t < segment.end - MIN_SEGMENT_S and (before is None or t > before.end + MARGIN)
        return t > segment.start + MIN_SEGMENT_S and (after is None or t < after.start - MARGIN)

    return accept


def move_boundary(ed: Editor, side: str, at: float, target: float, tol: float) -> float:
    """Move the ``side`` boundary now at ``at`` to within ``tol`` of ``target``; returns where
    it ends up. When another boundary is nearer the target than this one, B would take that one:
    the boundary is first walked towards the target, each step inside its own reach."""
    for _ in range(40):
        if abs(at - target) <= tol:
            return at
        segment = _find(ed, side, at)
        accept = _moves_only(ed, segment, side)
        probe = ed.copy_nav()
        probe.cursor = target
        if accept(probe):
            cursor_to(ed, target, tol, accept)
        else:  # the farthest point towards the target this boundary is still nearest to
            others = [x for s in ed.segments() for x in (s.start, s.end) if s != segment]
            others += [_at(segment, "end" if side == "start" else "start")]
            ahead = [x for x in others if (x - at) * (target - at) > 0]
            wall = min(ahead, key=lambda x: abs(x - at))
            reach = at + (wall - at) * 0.45
            if abs(reach - at) < 2 * MARGIN:
                raise PlanError(f"cannot walk the {side} boundary at {at:.3f} s in {ed.lane}")
            cursor_to(ed, reach, abs(reach - at) * 0.4, accept)
        ed.press(KEY["boundary_to_cursor"])
        at = ed.cursor
    raise PlanError(f"the {side} boundary at {at:.3f} s in {ed.lane} did not reach {target:.3f}")


def select(ed: Editor, start: float) -> None:
    """Select the segment of the active lane starting at ``start`` with Alt+arrows."""
    for _ in range(200):
        mine = [s for name, s in ed.selection if name == ed.lane]
        if mine and abs(mine[0].start - start) < MARGIN:
            return
        here = mine[0].start if mine else ed.cursor
        ed.press(KEY["segment_next" if start > here + 1e-9 else "segment_prev"])
    raise PlanError(f"cannot select the segment at {start:.3f} s in {ed.lane}")


# --- a lane ---------------------------------------------------------------------------------
def _overlap(a: Segment, b: Segment) -> float:
    return min(a.end, b.end) - max(a.start, b.start)


def overlap_assignment(model: list[Segment], reference: list[Segment]) -> list[int | None]:
    """Each model segment's reference segment: the one it overlaps most, None when none."""
    found: list[int | None] = []
    for m in model:
        best = max(range(len(reference)), key=lambda i: _overlap(m, reference[i]), default=None)
        found.append(best if best is not None and _overlap(m, reference[best]) > 0 else None)
    return found


def _valid(assignment: list[int | None]) -> bool:
    """Kept segments in the reference's order, each group of them side by side."""
    kept = [(i, r) for i, r in enumerate(assignment) if r is not None]
    pairs = zip(kept, kept[1:], strict=False)
    return all(q > r or (q == r and j == i + 1) for (i, r), (j, q) in pairs)


def plan_lane(
    ed: Editor, reference: list[Segment], tol: float, assignment: list[int | None]
) -> LaneStats:
    """Correct the active lane with ``assignment`` (model segment -> reference index, None to
    delete it): the keys go to ``ed``."""
    model = ed.segments()
    groups: dict[int, list[Segment]] = {i: [] for i in range(len(reference))}
    spurious: list[Segment] = []
    for m, r in zip(model, assignment, strict=True):
        (spurious if r is None else groups[r]).append(m)
    stats = LaneStats(ed.lane, deleted=len(spurious))
    stats.kept = sum(1 for g in groups.values() if g)
    stats.merged = sum(max(len(g) - 1, 0) for g in groups.values())
    stats.drawn = sum(1 for g in groups.values() if not g)
    starts: dict[int, float] = {}  # reference index -> start of its prepared (merged) segment

    def prepare(i: int) -> None:
        """Merge reference segment i's model segments and put their start on the reference
        (their end first when the reference starts after them)."""
        group = groups[i]
        select(ed, group[0].start)
        for _ in group[1:]:
            ed.press(KEY["merge"])
        segment = ed.selection[0][1]
        if reference[i].start >= segment.end - MIN_SEGMENT_S:
            clear_until(reference[i].end, i)
            move_boundary(ed, "end", segment.end, reference[i].end, tol)
        starts[i] = move_boundary(ed, "start", group[0].start, reference[i].start, tol)

    def clear_until(limit: float, after: int) -> None:
        """Later kept segments starting before ``limit`` get their start fixed now, out of
        the way of a boundary or a drawn segment reaching ``limit``."""
        for j in range(after + 1, len(reference)):
            if groups[j] and j not in starts and groups[j][0].start < limit + tol:
                prepare(j)

    units = [(m.start, 0, m) for m in spurious] + [
        (min([reference[i].start] + [g.start for g in groups[i]]), 1, i)
        for i in range(len(reference))
    ]
    for _, kind, item in sorted(units, key=lambda u: (u[0], u[1])):
        if kind == 0:
            select(ed, item.start)
            ed.press(KEY["delete"])
            continue
        i, ref = item, reference[item]
        if groups[i]:
            if i not in starts:
                prepare(i)
            clear_until(ref.end, i)
            end = _find(ed, "start", starts[i]).end
            move_boundary(ed, "end", end, ref.end, tol)
        else:
            clear_until(ref.end, i)
            cursor_to(ed, ref.start, tol, lambda p: p.ann.lane(p.lane).at(p.cursor) is None)
            ed.press(KEY["insert_boundary"])
            start = ed.cursor

            def closes(p: Editor, start=start) -> bool:
                inside = [s for s in p.segments() if start < s.end and s.start < p.cursor]
                return p.cursor - start >= p.shortest() + MARGIN and not inside

            cursor_to(ed, ref.end, tol, closes)
            ed.press(KEY["insert_boundary"])
    return stats


def _variants(assignment: list[int | None], model: list[Segment], reference: list[Segment]):
    """Assignments one change away: a kept group deleted (its reference drawn instead), a
    group's first or last segment deleted instead of merged, a deleted segment reused for a
    reference segment that would be drawn."""
    n = len(assignment)
    for r in sorted({r for r in assignment if r is not None}):
        members = [i for i in range(n) if assignment[i] == r]
        yield [None if x == r else x for x in assignment]
        if len(members) > 1:
            for drop in (members[0], members[-1]):
                yield [None if i == drop else x for i, x in enumerate(assignment)]
    used = set(assignment)
    for i, x in enumerate(assignment):
        if x is not None:
            continue
        free = [r for r in range(len(reference)) if r not in used]
        free.sort(key=lambda r: abs(reference[r].start - model[i].start))
        for r in free[:2]:
            yield [r if j == i else y for j, y in enumerate(assignment)]


def _try(ed: Editor, reference, tol, assignment) -> tuple[Editor, LaneStats] | None:
    trial = ed.copy_all()
    try:
        return trial, plan_lane(trial, reference, tol, assignment)
    except (PlanError, InvalidEdit):
        return None


def plan_lane_search(
    ed: Editor, reference: list[Segment], tol: float, search: bool = True
) -> tuple[Editor, LaneStats]:
    """The active lane corrected from the overlap assignment, then (``search``) changed while
    changes save key presses (keep or delete, merge or delete, reuse or draw): each sweep
    tries every change one at a time and takes the improving ones together, the best first,
    each kept only if it still saves presses with the others."""
    model = ed.segments()
    assignment = overlap_assignment(model, reference)
    best = _try(ed, reference, tol, assignment)
    if best is None:
        raise PlanError(f"{ed.lane}: no plan from the overlap assignment")
    while search:
        gains = []
        for variant in _variants(assignment, model, reference):
            found = _try(ed, reference, tol, variant) if _valid(variant) else None
            if found is not None and len(found[0].keys) < len(best[0].keys):
                gains.append((len(found[0].keys), variant))
        improved, base = False, assignment
        for _, variant in sorted(gains, key=lambda g: g[0]):
            combined = [
                v if v != b else a for a, b, v in zip(assignment, base, variant, strict=True)
            ]
            found = _try(ed, reference, tol, combined) if _valid(combined) else None
            if found is not None and len(found[0].keys) < len(best[0].keys):
                assignment, best, improved = combined, found, True
        if not improved:
            break
    return best


def boundary_errors(lanes: list[Segment], reference: list[Segment]) -> list[float]:
    """|Δ| of every boundary, segment by segment (the counts must agree)."""
    if len(lanes) != len(reference):
        raise ValueError(f"{len(lanes)} segments against {len(reference)} in the reference")
    pairs = zip(lanes, reference, strict=True)
    return [abs(a - b) for s, r in pairs for a, b in ((s.start, r.start), (s.end, r.end))]


def plan(
    working: Annotation,
    reference: Annotation,
    *,
    duration: float,
    cursor: float = 0.0,
    view_width: float | None = None,
    active_lane: str | None = None,
    lane_pixels: float = 1000.0,
    tolerance: float = 0.02,
    search: bool = True,
) -> Plan:
    """The keys that bring ``working``'s lanes (those ``reference`` has) to ``reference``,
    every boundary within ``tolerance`` seconds, from the editor state given (cursor, view
    width in seconds, active lane, the lane row's width in pixels; nothing selected)."""
    ann = working.copy()
    names = [n for n in ann.lane_names if n in reference]
    ed = Editor(ann, duration, cursor, view_width or duration, active_lane or names[0],
                lane_pixels)  # fmt: skip
    stats = []
    for name in names:
        before = len(ed.keys)
        while ed.lane != name:
            up = ann.lane_names.index(name) < ann.lane_names.index(ed.lane)
            ed.press(KEY["lane_up" if up else "lane_down"])
        ed, lane_stats = plan_lane_search(ed, list(reference.lane(name)), tolerance, search)
        errors = boundary_errors(ed.segments(), list(reference.lane(name)))
        lane_stats.max_error = max(errors, default=0.0)
        if lane_stats.max_error > tolerance + MARGIN:
            raise PlanError(f"{name}: a boundary is {lane_stats.max_error:.4f} s off")
        lane_stats.keys = len(ed.keys) - before
        stats.append(lane_stats)
    return Plan(ed.keys, ed.cursors, stats, tolerance, ed.ann)
