"""Heatmap row order: grouping by strongest push, relevance within groups, "other" last."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.evidence.cache import display_activations
from annotator.evidence.heatmap_order import OTHER, mean_from_heat, row_order

CLASSES = ["speech", "music", "noise"]


def test_a_hand_made_example_groups_and_ranks_components():
    h = np.array([1.0, 2.0, 0.5, 1.0, 0.0, 3.0])
    theta = np.array(
        [
            [1.0, -1.0, 4.0, 0.0, 5.0, 0.1],  # speech
            [0.0, 1.0, 0.0, 3.0, 0.0, 0.2],  # music
            [0.0, 0.0, 0.0, 0.0, 0.0, -1.0],  # noise: pushes nothing up
        ]
    )
    got = row_order(h, theta, CLASSES)
    # speech: k2 (0.5·4 = 2) before k0 (1); music: k3 (3), k1 (2), k5 (0.6); k4 is never active
    assert got.order.tolist() == [2, 0, 3, 1, 5, 4]
    assert [(g.name, g.index, g.start, g.stop) for g in got.groups] == [
        ("speech", 0, 0, 2),
        ("music", 1, 2, 5),
        (OTHER, -1, 5, 6),
    ]
    assert got.bottom_up.tolist() == [4, 5, 1, 3, 0, 2]


def test_the_time_mean_is_taken_from_a_full_h():
    rng = np.random.default_rng(0)
    H = rng.random((5, 40))
    theta = rng.normal(size=(3, 5))
    full, mean = row_order(H, theta, CLASSES), row_order(H.mean(axis=1), theta, CLASSES)
    assert full.order.tolist() == mean.order.tolist() and full.groups == mean.groups


def test_negative_pushes_only_go_to_other_ordered_by_activation():
    h = np.array([1.0, 3.0, 2.0])
    theta = -np.ones((2, 3))
    got = row_order(h, theta, ["speech", "music"])
    assert got.order.tolist() == [1, 2, 0]
    assert [g.name for g in got.groups] == [OTHER]


@pytest.mark.parametrize("seed", range(5))
def test_the_order_is_a_permutation_and_groups_tile_it(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 30))
    h, theta = rng.random(k), rng.normal(size=(4, k))
    got = row_order(h, theta, ["speech", "music", "noise", "overlap"])
    assert sorted(got.order.tolist()) == list(range(k))
    assert got.groups[0].start == 0 and got.groups[-1].stop == k
    for a, b in zip(got.groups, got.groups[1:], strict=False):
        assert a.stop == b.start and a.index < b.index or b.index == -1
    for g in got.groups:
        push = theta[:, got.order[g.start : g.stop]] * h[got.order[g.start : g.stop]]
        if g.index >= 0:  # each member's strongest push is its group's, in descending order
            assert (push.argmax(axis=0) == g.index).all()
            assert (np.diff(push[g.index]) <= 0).all()


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="Θ"):
        row_order(np.ones(4), np.ones((2, 5)), ["a", "b"])
    with pytest.raises(ValueError, match="class names"):
        row_order(np.ones(4), np.ones((2, 4)), ["a"])


def test_the_mean_from_the_drawn_image_keeps_the_order_of_the_true_mean():
    rng = np.random.default_rng(1)
    H = rng.gamma(0.5, size=(6, 3000)) * np.array([0.1, 5, 1, 0.01, 2, 0.5])[:, None]
    estimate = mean_from_heat(display_activations(H))
    assert np.argsort(estimate).tolist() == np.argsort(H.mean(axis=1)).tolist()
