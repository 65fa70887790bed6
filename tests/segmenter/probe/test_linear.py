"""The probe's arithmetic: contributions add up to its logits, posteriors, pooling, checks."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.decisions import Thresholds
from segmenter.probe import LinearProbe, ProbeError, pool


def _probe(level: str = "frame", mode: str = "multilabel", C: int = 3, K: int = 8) -> LinearProbe:
    rng = np.random.default_rng(1)
    classes = tuple(f"c{i}" for i in range(C))
    return LinearProbe(rng.normal(size=(C, K)), rng.normal(size=C), classes, level=level, mode=mode)


@pytest.mark.parametrize("mode", ["multilabel", "single"])
def test_frame_contributions_add_up_to_logits(mode: str) -> None:
    probe = _probe(mode=mode)
    H = np.random.default_rng(2).gamma(1.0, 3.0, size=(8, 200)).astype(np.float32)
    contrib = probe.contributions(H)
    assert contrib.shape == (3, 8, 200)
    rebuilt = contrib.sum(axis=1) + probe.bias.astype(np.float64)[:, None]
    np.testing.assert_allclose(rebuilt, probe.logits(H), atol=1e-6, rtol=0)
    # and to the logits computed independently, in float32 as a model would
    direct = probe.weight @ H + probe.bias[:, None]
    np.testing.assert_allclose(rebuilt, direct, atol=1e-4, rtol=1e-5)


def test_file_contributions_add_up_to_pooled_logits() -> None:
    probe = _probe(level="file", mode="single")
    H = np.random.default_rng(3).gamma(1.0, 1.0, size=(8, 50))
    contrib = probe.contributions(H)
    assert contrib.shape == (3, 8)
    np.testing.assert_allclose(contrib.sum(axis=1) + probe.bias, probe.logits(H), atol=1e-6)
    np.testing.assert_allclose(probe.logits(H), probe.logits(pool(H)), atol=1e-12)


def test_posteriors_sigmoid_and_softmax() -> None:
    H = np.random.default_rng(4).gamma(1.0, 1.0, size=(8, 30))
    single = _probe(mode="single").posteriors(H)
    np.testing.assert_allclose(single.sum(axis=0), 1.0, atol=1e-12)
    multi = _probe().posteriors(H)
    np.testing.assert_allclose(multi, 1 / (1 + np.exp(-_probe().logits(H))))
    assert not np.allclose(multi.sum(axis=0), 1.0)


def test_segments_use_the_class_thresholds() -> None:
    probe = LinearProbe(
        np.array([[1.0]]),
        np.array([-2.0]),
        ("laugh",),
        thresholds={"laugh": Thresholds(onset=0.5, offset=0.5, min_on=0.1)},
    )
    H = np.zeros((1, 100))
    H[0, 10:13] = 5.0  # 3 frames: shorter than min_on, dropped
    H[0, 40:60] = 5.0
    segments = probe.segments(H, 0.02)["laugh"]
    assert [(round(s.start, 3), round(s.end, 3)) for s in segments] == [(0.8, 1.2)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(classes=("a", "a")), "distinct"),
        (dict(classes=("a b",)), "words"),
        (dict(level="clip"), "level"),
        (dict(mode="softmax"), "mode"),
        (dict(classes=("a",), mode="single"), "two classes"),
    ],
)
def test_bad_probes_are_refused(kwargs: dict, message: str) -> None:
    classes = kwargs.pop("classes", ("a", "b"))
    C = len(classes)
    with pytest.raises(ProbeError, match=message):
        LinearProbe(np.zeros((C, 4)), np.zeros(C), classes, **kwargs)


def test_wrong_K_is_refused() -> None:
    with pytest.raises(ProbeError, match="reads 8 components"):
        _probe().logits(np.zeros((7, 10)))
