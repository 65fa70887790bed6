"""Sparse NMF: recovery of planted factors, monotone cost, fixed-W activations, frame collection."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile as sf
import torch

from segmenter.dictionary import (
    activations_for,
    collect_frames,
    learn_dictionary,
    nmf_cost,
)
from segmenter.errors import Cancelled


def planted(F: int = 80, K: int = 6, N: int = 1500, seed: int = 3, dtype=torch.float64):
    """X = W0 H0 with peaky unit-norm atoms and sparse non-negative activations."""
    g = torch.Generator().manual_seed(seed)
    W0 = torch.rand(F, K, generator=g, dtype=dtype) ** 6
    W0 = W0 / W0.norm(dim=0)
    H0 = torch.rand(K, N, generator=g, dtype=dtype) * 4
    H0 = H0 * (torch.rand(K, N, generator=g, dtype=dtype) < 0.25)
    return W0, H0, W0 @ H0


def test_recovers_planted_atoms_up_to_permutation():
    W0, _, X = planted()
    W, H, costs = learn_dictionary(X, n_components=6, mu=0.05, iterations=300, seed=0)
    similarity = (W0.T @ W).numpy()  # both unit-norm: cosine similarity
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-similarity)
    assert similarity[rows, cols].min() > 0.95
    assert torch.allclose(W.norm(dim=0), torch.ones(6, dtype=W.dtype))
    assert (W >= 0).all() and (H >= 0).all()
    assert costs[-1] < 0.05 * costs[0]


@pytest.mark.parametrize(
    "dtype,mu", [(torch.float64, 1.0), (torch.float32, 1.0), (torch.float64, 0.0)]
)
def test_cost_decreases_monotonically(dtype, mu):
    _, _, X = planted(F=60, K=5, N=600, seed=7, dtype=dtype)
    X = X + 0.01 * torch.rand(X.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    W, H, costs = learn_dictionary(X, n_components=8, mu=mu, iterations=120, seed=2)
    assert len(costs) == 121
    steps = np.diff(costs)
    tolerance = 1e-5 * costs[0] if dtype == torch.float32 else 1e-10 * costs[0]
    assert steps.max() <= tolerance
    assert costs[-1] == pytest.approx(nmf_cost(X, W, H, mu), rel=1e-5)


def test_l1_weight_makes_activations_sparser():
    _, _, X = planted(seed=11)
    _, H_dense, _ = learn_dictionary(X, 6, mu=0.0, iterations=150, seed=0)
    _, H_sparse, _ = learn_dictionary(X, 6, mu=5.0, iterations=150, seed=0)
    assert H_sparse.sum() < H_dense.sum()

    def near_zero_share(H: torch.Tensor) -> float:
        return float((H.abs() <= 1e-3 * H.max()).double().mean())

    assert near_zero_share(H_sparse) > near_zero_share(H_dense)


def test_seed_makes_it_reproducible():
    _, _, X = planted(F=30, K=3, N=200)
    a = learn_dictionary(X, 4, iterations=20, seed=5)
    b = learn_dictionary(X, 4, iterations=20, seed=5)
    c = learn_dictionary(X, 4, iterations=20, seed=6)
    assert torch.equal(a.W, b.W) and a.cost_history == b.cost_history
    assert not torch.equal(a.W, c.W)


def test_activations_for_fixed_dictionary():
    W0, H0, X = planted(seed=5)
    H = activations_for(X, W0, mu=0.0, iterations=500)
    assert torch.linalg.norm(W0 @ H - X) < 0.02 * torch.linalg.norm(X)
    costs = []
    H = None
    for _ in range(5):
        H = activations_for(X, W0, mu=1.0, iterations=10, H=H)
        costs.append(nmf_cost(X, W0, H, 1.0))
    assert all(b <= a + 1e-9 for a, b in zip(costs, costs[1:], strict=False))
    with pytest.raises(ValueError, match="W must be"):
        activations_for(X, W0[:-1])


def test_progress_and_cancel():
    _, _, X = planted(F=20, K=2, N=50)
    seen: list[float] = []
    learn_dictionary(X, 2, iterations=10, progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        learn_dictionary(X, 2, iterations=10, cancel=cancel)


@pytest.mark.parametrize(
    "X,message",
    [
        (torch.zeros(4), "must be"),
        (-torch.ones(3, 3), "non-negative"),
        (torch.full((3, 3), float("nan")), "NaN"),
        (torch.zeros(3, 0), "empty"),
    ],
)
def test_rejects_bad_input(X, message):
    with pytest.raises(ValueError, match=message):
        learn_dictionary(X, 2, iterations=1)


def test_collect_frames_skips_short_and_cuts_long_segments(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "c.wav"
    sf.write(str(path), (0.1 * rng.standard_normal(16000 * 10)).astype(np.float32), 16000)
    X = collect_frames([(path, 0.0, 0.5), (path, 1.0, 3.0), (path, 2.0, 9.0)])
    # 2 s → 99 frames; 7 s cut to 4 s → 199 frames; 0.5 s skipped
    assert X.shape == (513, 99 + 199)
    assert (X >= 0).all()
    assert collect_frames([(path, 0.0, 0.2)]).shape == (513, 0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_cuda_like_on_cpu():
    _, _, X = planted(F=40, K=4, N=300, dtype=torch.float64)
    cpu = learn_dictionary(X, 4, iterations=30, seed=1)
    gpu = learn_dictionary(X.cuda(), 4, iterations=30, seed=1)
    assert gpu.W.is_cuda and gpu.H.is_cuda
    torch.testing.assert_close(gpu.W.cpu(), cpu.W, atol=1e-8, rtol=1e-6)
