"""Why this label: the panel's rows add up to the model's logit, rankings match a hand count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.review.evidence import ReviewError
from annotator.review.why import contribution_curves, why_label
from tests.annotator.review.conftest import evidence_from


def test_rows_add_up_to_the_models_logit(model_run) -> None:
    _, _, evidence, logits = model_run
    why = why_label(evidence, "speech", 0.9, 2.1, n=4)
    t0, t1 = why.t0, why.t1
    assert (t0, t1) == (45, 105)
    model_sum = float(np.asarray(logits, dtype=np.float64)[0, t0:t1].sum())
    rows = why.rows()
    assert rows[-1][0] == "logit (sum)"
    assert math.fsum(v for _, v, _ in rows[:-1]) == pytest.approx(why.logit, abs=1e-9)
    assert why.logit == pytest.approx(model_sum, rel=1e-5, abs=1e-3)
    assert why.total == pytest.approx(why.logit, abs=1e-9)
    assert why.posterior_error < 1e-5
    assert math.fsum(s for _, _, s in rows[:-1]) == pytest.approx(1.0, abs=1e-9)


def test_ranking_and_shares_against_a_hand_computation(random_evidence) -> None:
    ev = random_evidence
    why = why_label(ev, "mu", 0.5, 1.5, n=5)  # frames 25 … 74
    c, t0, t1 = 1, 25, 75
    by_hand = {}
    for k in range(ev.H.shape[0]):
        by_hand[k] = sum(ev.theta[c, k] * ev.H[k, t] for t in range(t0, t1))
    logit = sum(by_hand.values()) + ev.bias[c] * (t1 - t0)
    expected = sorted(by_hand, key=lambda k: -abs(by_hand[k]))[:5]
    assert [x.k for x in why.components] == expected
    for x in why.components:
        assert x.contribution == pytest.approx(by_hand[x.k])
        assert x.share == pytest.approx(by_hand[x.k] / logit)
        side = sum(v for v in by_hand.values() if (v > 0) == (x.contribution > 0))
        assert x.push_share == pytest.approx(by_hand[x.k] / side)
    assert why.rest == pytest.approx(sum(by_hand[k] for k in by_hand if k not in expected))
    assert why.class_code == "mu" and why.lane == "music"


def test_reading_quotes_the_dominant_side() -> None:
    # Two components push speech up (3:1), one pushes it down a little.
    H = np.ones((3, 50))
    W = np.zeros((257, 3))
    W[10:12, 0] = 1.0  # narrow band around 310 Hz
    W[:, 1] = 1.0
    W[:, 2] = 1.0
    theta = np.array([[3.0, 1.0, -0.5]])
    why = why_label(evidence_from(H, W, theta, np.array([0.0])), "speech", 0.0, 1.0)
    assert why.reading.startswith("speech: 100 % of the evidence for it from components 0, 1")
    assert "narrowband" in why.reading
    against = why_label(evidence_from(H, W, -theta, np.array([0.0])), "sp", 0.0, 1.0)
    assert "evidence against it from component 2" not in against.reading
    assert against.reading.startswith("speech: 100 % of the evidence against it")


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    start=st.floats(0.0, 2.9),
    length=st.floats(0.01, 3.0),
    n=st.integers(0, 12),
)
def test_the_sum_holds_for_any_selection(seed: int, start: float, length: float, n: int) -> None:
    rng = np.random.default_rng(seed)
    H = rng.gamma(0.5, 2.0, size=(12, 150))
    ev = evidence_from(H, rng.random((257, 12)), rng.normal(0, 2, (4, 12)), rng.normal(0, 1, 4))
    why = why_label(ev, "noise", start, min(start + length, 3.0), n=n)
    assert len(why.components) == min(n, 12)
    direct = float((ev.theta[2] @ H[:, why.t0 : why.t1]).sum() + ev.bias[2] * why.frames)
    assert why.total == pytest.approx(direct, rel=1e-9, abs=1e-9)


def test_bad_requests_fail_with_one_line(random_evidence) -> None:
    with pytest.raises(ReviewError, match="unknown class 'laughter'"):
        why_label(random_evidence, "laughter", 0, 1)
    with pytest.raises(ReviewError, match="empty"):
        why_label(random_evidence, "sp", 1.0, 1.0)
    with pytest.raises(ReviewError, match="outside the analysed"):
        why_label(random_evidence, "sp", 10.0, 11.0)
    random_evidence.H = None
    with pytest.raises(ReviewError, match="no activations"):
        why_label(random_evidence, "sp", 0, 1)


def test_contribution_curves(random_evidence) -> None:
    times, curves = contribution_curves(random_evidence, "sp", 0.1, 0.2, [3, 0])
    assert times == pytest.approx([0.10, 0.12, 0.14, 0.16, 0.18])
    expected = random_evidence.theta[0, [3, 0], None] * random_evidence.H[[3, 0], 5:10]
    np.testing.assert_allclose(curves, expected)
