"""Edit cost: hand-computed cases of each edit kind, and identity with the shared scoring tool."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from segmenter.evaluation import EvaluationError
from segmenter.evaluation.edit_cost import (
    EditCounts,
    EditRule,
    corpus_edits,
    count_edits,
)

SHARED_TOOL = Path(__file__).resolve().parents[3] / "shared" / "tools" / "edit_cost.py"


def _kinds(c: EditCounts) -> tuple[int, int, int, int, int]:
    return (c.delete, c.add, c.boundary, c.split, c.merge)


def test_identical_segments_cost_nothing() -> None:
    assert count_edits([(1, 2), (3, 5)], [(1, 2), (3, 5)], [(0, 6)]).total == 0


def test_empty_hypothesis_adds_every_reference_segment() -> None:
    assert _kinds(count_edits([(1, 2), (3, 5)], [], [(0, 6)])) == (0, 2, 0, 0, 0)


def test_spurious_segment_is_one_delete() -> None:
    assert _kinds(count_edits([(1, 2)], [(1, 2), (4, 4.5)], [(0, 6)])) == (1, 0, 0, 0, 0)


def test_boundary_off_by_more_than_tolerance() -> None:
    # start off by 0.1 (free), end off by 0.5 (one move)
    assert _kinds(count_edits([(1, 3)], [(1.1, 3.5)], [(0, 6)])) == (0, 0, 1, 0, 0)


def test_hypothesis_spanning_two_references_needs_a_split() -> None:
    # one hypothesis over two reference segments 1 s apart: one split, outer boundaries right
    assert _kinds(count_edits([(1, 3), (4, 6)], [(1, 6)], [(0, 7)])) == (0, 0, 0, 1, 0)


def test_fragments_of_one_reference_need_merges() -> None:
    # three fragments 0.5 s apart (not closed by the 0.3 s rule) over one reference segment
    hyp = [(1, 2), (2.5, 3.5), (4, 5)]
    assert _kinds(count_edits([(1, 5)], hyp, [(0, 6)])) == (0, 0, 0, 0, 2)


def test_gaps_shorter_than_rule_gap_are_free() -> None:
    assert count_edits([(1, 5)], [(1, 2.9), (3.1, 5)], [(0, 6)]).total == 0


def test_only_the_uem_counts() -> None:
    # the spurious segment lies outside the UEM; the missed one inside
    assert _kinds(count_edits([(1, 2)], [(8, 9)], [(0, 5)])) == (0, 1, 0, 0, 0)


def test_corpus_counts_files_without_hypothesis_as_empty_lanes() -> None:
    refs = {"a": {"sp": [(0, 1), (2, 3)]}, "b": {"sp": [(0, 30)]}}
    result = corpus_edits(refs, {}, {"a": [(0, 30)], "b": [(0, 30)]}, classes=("sp",))
    assert result.totals["sp"].add == 3
    assert result.minutes == pytest.approx(1.0)
    assert result.per_minute("sp") == pytest.approx(3.0)
    assert result.to_dict()["total_per_min"] == pytest.approx(3.0)


def test_bad_uem_names_the_file() -> None:
    with pytest.raises(EvaluationError, match="f1"):
        corpus_edits({"f1": {"sp": []}}, {}, {"f1": [(5, 1)]}, classes=("sp",))


def _random_segments(rng: random.Random, span: float, n: int) -> list[tuple[float, float]]:
    out = []
    for _ in range(n):
        start = round(rng.uniform(0, span), 2)
        out.append((start, round(start + rng.choice([0.1, 0.25, 0.5, 1.0, 3.0]) * rng.random(), 2)))
    return out


def _shared_tool():
    if not SHARED_TOOL.exists():
        pytest.skip(f"{SHARED_TOOL} not present (the shared data is not next to this checkout)")
    spec = importlib.util.spec_from_file_location("shared_edit_cost", SHARED_TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_identical_to_the_shared_tool_on_random_cases() -> None:
    tool = _shared_tool()
    rng = random.Random(7)
    differences = 0
    for _ in range(400):
        span = 20.0
        ref = [(s, e) for s, e in _random_segments(rng, span, rng.randint(0, 12)) if e > s]
        hyp = [(s, e) for s, e in _random_segments(rng, span, rng.randint(0, 12)) if e > s]
        uem = [(0.0, span)] if rng.random() < 0.5 else [(0.0, 7.5), (9.0, span)]
        expected = dict.fromkeys(tool.KINDS, 0)
        for lo, hi in tool.union(uem):
            got = tool.count_edits(tool.prepare(hyp, lo, hi), tool.prepare(ref, lo, hi))
            for k, v in got.items():
                expected[k] += v
        ours = count_edits(ref, hyp, uem).to_dict()
        differences += ours != expected
    assert differences == 0


def test_rule_constants_match_the_shared_tool() -> None:
    tool = _shared_tool()
    rule = EditRule()
    assert (rule.gap, rule.tol, rule.cover) == (tool.GAP, tool.TOL, tool.COVER)
