"""Explanations: exact logit decomposition, hand-computed relevance, honest descriptions,
and sonification that splits the mixture without losing anything."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segmenter.explain import (
    ExplainError,
    component_relevance,
    component_spectrum,
    component_stats,
    contributions,
    describe_component,
    frame_range,
    logit_breakdown,
    logits_from_contributions,
    relevant_components,
    soft_mask,
    sonify,
    top_components,
)


def _model(
    rng: np.random.Generator, dtype: type = np.float64, c: int = 4, k: int = 32, t: int = 50
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    H = rng.random((k, t)).astype(dtype) * 3
    theta = rng.normal(size=(c, k)).astype(dtype)
    bias = rng.normal(size=c).astype(dtype)
    return H, theta, bias


@pytest.mark.parametrize(("dtype", "tol"), [(np.float64, 1e-10), (np.float32, 1e-5)])
@pytest.mark.parametrize("use_torch", [False, True])
def test_contributions_rebuild_logits_exactly(dtype: type, tol: float, use_torch: bool) -> None:
    H, theta, bias = _model(np.random.default_rng(0), dtype)
    if use_torch:
        H, theta, bias = map(torch.from_numpy, (H, theta, bias))
    contrib = contributions(H, theta)
    assert tuple(contrib.shape) == (4, 32, 50)
    assert type(contrib) is type(H)
    logits = logits_from_contributions(contrib, bias)
    direct = theta @ H + bias[:, None]
    assert float(abs(logits - direct).max()) <= tol
    # one entry by hand
    assert float(contrib[2, 5, 7]) == pytest.approx(float(theta[2, 5] * H[5, 7]), abs=tol)


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ExplainError, match="same K"):
        contributions(np.ones((3, 5)), np.ones((4, 2)))
    with pytest.raises(ExplainError, match="bias"):
        logits_from_contributions(np.ones((4, 3, 5)), np.ones(3))


def test_relevance_against_hand_computation() -> None:
    H = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 4.0]])
    theta = np.array([[1.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    # whole file: mean_t H = [2, 2, 2] -> r = [2, -2, 1] -> / 2
    r = component_relevance(H, theta, 0)
    np.testing.assert_allclose(r, [1.0, -1.0, 0.5])
    assert relevant_components(r).tolist() == [0, 2]
    assert relevant_components(r, threshold=0.6).tolist() == [0]
    # frame 1 only: H = [3, 2, 4] -> r = [3, -2, 2] -> / 3
    np.testing.assert_allclose(component_relevance(H, theta, 0, (1, 2)), [1, -2 / 3, 2 / 3])
    # a class nothing pushes up: all zero
    np.testing.assert_array_equal(component_relevance(H, theta, 1), [0, 0, 0])
    # only negative pushes: scaled by magnitude, nothing relevant
    r = component_relevance(H, -np.abs(theta), 0)
    np.testing.assert_allclose(r, [-1, -1, -0.5])
    assert relevant_components(r).size == 0
    with pytest.raises(ExplainError, match="region"):
        component_relevance(H, theta, 0, (2, 2))


def test_relevance_is_scale_free_and_ranks_like_mean_contribution() -> None:
    H, theta, _ = _model(np.random.default_rng(1))
    r = component_relevance(H, theta, 3, (10, 30))
    manual = (theta[3][:, None] * H[:, 10:30]).mean(axis=1)
    np.testing.assert_allclose(r, manual / manual.max())
    np.testing.assert_allclose(component_relevance(5 * H, theta, 3, (10, 30)), r)


def test_breakdown_shares_add_up_and_top_components_rank() -> None:
    H, theta, bias = _model(np.random.default_rng(2))
    bd = logit_breakdown(H, theta, bias, 1, 5, 25)
    logits = theta @ H + bias[:, None]
    assert bd.logit == pytest.approx(logits[1, 5:25].sum(), abs=1e-10)
    assert bd.contributions.sum() + bd.bias == pytest.approx(bd.logit, abs=1e-10)
    assert bd.shares.sum() + bd.bias_share == pytest.approx(1.0, abs=1e-10)
    top = top_components(H, theta, bias, 1, 5, 25, n=5)
    magnitudes = [abs(t.contribution) for t in top]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert magnitudes[0] == pytest.approx(np.abs(bd.contributions).max())
    for item in top:
        assert item.contribution == pytest.approx((theta[1, item.k] * H[item.k, 5:25]).sum())
        assert item.share == pytest.approx(item.contribution / bd.logit)
    up = top_components(H, theta, bias, 1, 5, 25, n=3, order="up")
    assert up[0].contribution == pytest.approx(bd.contributions.max())
    down = top_components(H, theta, bias, 1, 5, 25, n=3, order="down")
    assert down[0].contribution == pytest.approx(bd.contributions.min())
    everything = top_components(H, theta, bias, 1, 5, 25, n=1000)
    assert sorted(t.k for t in everything) == list(range(32))


def test_frame_range_touches_the_selection() -> None:
    assert frame_range(0.03, 0.07, 100) == (1, 4)  # frames 1, 2, 3 overlap [0.03, 0.07)
    assert frame_range(0.04, 0.06, 100) == (2, 3)
    assert frame_range(-1.0, 99.0, 10) == (0, 10)


def test_component_spectrum_axes() -> None:
    W = np.random.default_rng(3).random((257, 8))
    freqs, mag = component_spectrum(W, 2, 16000, 512)
    assert freqs[0] == 0 and freqs[-1] == 8000 and freqs.size == 257
    np.testing.assert_array_equal(mag, W[:, 2])
    with pytest.raises(ExplainError, match="257"):
        component_spectrum(W, 2, 16000, 1024)


def _comb(freqs: np.ndarray, f0: float) -> np.ndarray:
    return sum(np.exp(-0.5 * ((freqs - h * f0) / 25) ** 2) for h in range(1, 40)) * np.exp(
        -freqs / 2000
    )


@pytest.mark.parametrize("n_fft", [512, 1024])
@pytest.mark.parametrize("f0", [110.0, 180.0, 300.0])
def test_describe_recognises_a_harmonic_comb(n_fft: int, f0: float) -> None:
    freqs = np.fft.rfftfreq(n_fft, 1 / 16000)
    stats = component_stats(_comb(freqs, f0), freqs)
    assert stats.f0_hz == pytest.approx(f0, rel=0.05)
    assert describe_component(_comb(freqs, f0), freqs).startswith("harmonic")


def test_describe_noise_tone_and_silence() -> None:
    rng = np.random.default_rng(4)
    freqs = np.fft.rfftfreq(1024, 1 / 16000)
    flat = rng.uniform(0.8, 1.2, freqs.size)
    assert describe_component(flat, freqs).startswith("broadband noise")
    assert component_stats(flat, freqs).harmonicity < 0.4
    hiss = np.where(freqs > 4000, 1.0, 0.01) * flat
    text = describe_component(hiss, freqs)
    assert text.startswith("band-limited noise") and "4" in text.split("mostly")[1][:3]
    tone = np.exp(-0.5 * ((freqs - 440) / 30) ** 2)
    assert describe_component(tone, freqs) == "narrowband, peak at 438 Hz"
    assert describe_component(np.zeros(freqs.size), freqs) == "silent (all-zero atom)"


def _stft_pair(n: int, n_fft: int = 512, hop: int = 320, win: int = 400):
    window = torch.hann_window(win, dtype=torch.float64)

    def stft(x: torch.Tensor) -> torch.Tensor:
        return torch.stft(x, n_fft, hop, win, window, center=True, return_complex=True)

    def istft(spec: torch.Tensor) -> torch.Tensor:
        return torch.istft(spec, n_fft, hop, win, window, center=True, length=n)

    return stft, istft


@pytest.mark.parametrize("n", [16000, 16123])
def test_sonify_splits_the_mixture_exactly(n: int) -> None:
    rng = np.random.default_rng(5)
    x = torch.from_numpy(rng.normal(size=n))
    stft, istft = _stft_pair(n)
    spec = stft(x)
    k = 6
    W = rng.random((spec.shape[0], k))
    H = rng.random((k, spec.shape[1]))
    selected, rest = sonify(spec, W, H, [0, 3], istft)
    assert selected.shape == rest.shape == x.shape
    torch.testing.assert_close(selected + rest, x, atol=1e-9, rtol=0)
    # energies: both parts carry some of the signal, neither is everything
    e_sel, e_rest = float((selected**2).sum()), float((rest**2).sum())
    assert 0 < e_sel < float((x**2).sum()) and e_rest > 0
    # every component selected: the selection is the mixture, the rest is (almost) silent
    everything, nothing = sonify(spec, W, H, range(k), istft)
    torch.testing.assert_close(everything, x, atol=1e-6, rtol=0)
    assert float(nothing.abs().max()) < 1e-6


def test_sonify_with_numpy_and_mask_by_hand() -> None:
    W = np.array([[1.0, 0.0], [1.0, 1.0]])
    H = np.array([[2.0, 0.0], [2.0, 1.0]])
    # W·H = [[2, 0], [4, 1]]; component 0 gives [[2, 0], [2, 0]] -> mask [[1, 0], [0.5, 0]]
    np.testing.assert_allclose(soft_mask(W, H, [0], eps=0), [[1.0, 0.0], [0.5, 0.0]])
    np.testing.assert_allclose(soft_mask(W, H, [0]), [[1.0, 0.0], [0.5, 0.0]], atol=1e-7)
    spec = np.array([[1 + 1j, 2j], [3.0, -1j]])
    selected, rest = sonify(spec, W, H, [0], istft=lambda s: s)  # identity "inverse"
    np.testing.assert_allclose(selected + rest, spec)
    np.testing.assert_allclose(selected[1, 0], 1.5)
    with pytest.raises(ExplainError, match="outside"):
        soft_mask(W, H, [2])
    with pytest.raises(ExplainError, match="n_fft and hop"):
        sonify(spec[:, :1], W, H, [0], istft=lambda s: s)
