"""Listening: the selection's length, selected + rest = mixture, and where the energy goes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from annotator.review.evidence import ReviewError
from annotator.review.listen import listen, listen_file
from segmenter.features import SpectrogramConfig, log_power_spectrogram
from tests.annotator.review.conftest import RATE, evidence_from


def two_band_case():
    """A 300 Hz tone plus a 5 kHz tone; two atoms covering the low and the high bins, with
    activations that rebuild the spectrogram exactly, so the soft mask is a band split."""
    cfg = SpectrogramConfig(RATE, 512, 512, 320)
    t = np.arange(2 * RATE) / RATE
    low, high = 0.3 * np.sin(2 * np.pi * 300 * t), 0.2 * np.sin(2 * np.pi * 5000 * t)
    X = log_power_spectrogram(torch.from_numpy(low + high), cfg).numpy()
    W = np.zeros((cfg.n_bins, 2))
    W[: cfg.n_bins // 4, 0] = 1.0  # 0 … 2 kHz
    W[cfg.n_bins // 4 :, 1] = 1.0  # 2 … 8 kHz
    H = np.stack([X[: cfg.n_bins // 4].max(0), X[cfg.n_bins // 4 :].max(0)])
    ev = evidence_from(H, W, np.ones((1, 2)), np.zeros(1))
    return (low + high).astype(np.float32), low, high, ev, cfg


def test_length_and_exact_split(model_run) -> None:
    _, samples, evidence, _ = model_run
    for components in ([], [3], [0, 5, 9], range(16)):
        s = listen(samples, evidence, 0.913, 2.1, components)
        assert s.mixture.size == s.selected.size == s.rest.size == round((2.1 - 0.913) * RATE)
        assert s.start == pytest.approx(0.913, abs=1 / RATE)
        np.testing.assert_allclose(s.mixture, samples[round(0.913 * RATE) : round(2.1 * RATE)])
        np.testing.assert_allclose(s.selected + s.rest, s.mixture, atol=1e-5)
    nothing = listen(samples, evidence, 0.913, 2.1, [])
    assert np.abs(nothing.selected).max() < 1e-6 and nothing.selected_energy_share < 1e-9


def test_the_energy_goes_where_the_components_are() -> None:
    mixture, low, high, ev, cfg = two_band_case()
    s = listen(mixture, ev, 0.5, 1.5, [0], spectrogram=cfg)
    part = slice(int(0.5 * RATE), int(1.5 * RATE))
    err_low = np.sqrt(np.mean((s.selected - low[part]) ** 2)) / np.sqrt(np.mean(low[part] ** 2))
    err_high = np.sqrt(np.mean((s.rest - high[part]) ** 2)) / np.sqrt(np.mean(high[part] ** 2))
    assert err_low < 0.05 and err_high < 0.05
    expected = np.sum(low[part] ** 2) / (np.sum(low[part] ** 2) + np.sum(high[part] ** 2))
    assert s.selected_energy_share == pytest.approx(expected, abs=0.02)
    everything = listen(mixture, ev, 0.5, 1.5, [0, 1], spectrogram=cfg)
    assert np.abs(everything.rest).max() < 1e-3 * np.abs(everything.mixture).max()


def test_file_and_other_rates_give_the_same_result(model_run, tmp_path) -> None:
    import soundfile as sf

    from segmenter.audio import resample

    path, samples, evidence, _ = model_run
    direct = listen(samples, evidence, 1.2, 1.8, [1, 2])
    from_file = listen_file(path, evidence, 1.2, 1.8, [1, 2])
    np.testing.assert_allclose(from_file.selected, direct.selected, atol=2e-4)  # 16-bit WAV
    rate = 44100
    upsampled = resample(samples, RATE, rate)
    sf.write(tmp_path / "hi.wav", upsampled, rate)
    other = listen(upsampled, evidence, 1.2, 1.8, [1, 2], sample_rate=rate)
    assert other.sample_rate == RATE and other.mixture.size == direct.mixture.size
    back = resample(upsampled, rate, RATE)[round(1.2 * RATE) : round(1.8 * RATE)]
    assert np.abs(other.mixture - back).max() < 1e-3 * np.abs(back).max()  # aligned to the sample
    np.testing.assert_allclose(other.selected + other.rest, other.mixture, atol=1e-5)


def test_edges_and_errors(model_run) -> None:
    _, samples, evidence, _ = model_run
    tail = listen(samples, evidence, 2.9, 5.0, [1])  # clipped to the analysed frames
    analysed = evidence.H.shape[1] * 320
    assert analysed <= samples.size and tail.mixture.size == analysed - round(2.9 * RATE)
    head = listen(samples, evidence, 0.0, 0.05, [1])
    np.testing.assert_allclose(head.selected + head.rest, samples[:800], atol=1e-5)
    with pytest.raises(ReviewError, match="outside"):
        listen(samples, evidence, 0.5, 1.0, [99])
    with pytest.raises(ReviewError, match="n_fft"):
        listen(samples, evidence, 0.5, 1.0, [1], spectrogram=SpectrogramConfig(RATE, 512, 400))
