"""Spectrogram framing, STFT inversion, and the front ends' frame alignment."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.features import (
    SpectrogramConfig,
    SpectrogramFrontEnd,
    build_front_end,
    frame_sample_span,
    istft,
    log_power_spectrogram,
    num_frames,
    stft,
)

PAPER = SpectrogramConfig()
LATER = SpectrogramConfig(n_fft=512, win_length=400)


def tiny_wavlm():
    """A random WavLM with the real conv strides/kernels but tiny widths (never downloaded)."""
    from segmenter.features.wavlm import random_wavlm

    return random_wavlm(hidden_size=32, num_layers=2)


def test_four_seconds_give_199_frames():
    assert num_frames(64000) == 199
    assert log_power_spectrogram(torch.zeros(64000)).shape == (513, 199)
    assert log_power_spectrogram(torch.zeros(64000), LATER).shape == (257, 199)


@pytest.mark.parametrize("n,expected", [(0, 0), (1, 1), (399, 1), (400, 1), (719, 1), (720, 2)])
def test_short_input_rule(n, expected):
    assert num_frames(n) == expected
    assert log_power_spectrogram(torch.zeros(2, n)).shape == (2, 513, expected)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 20000))
def test_frame_count_formula_matches_the_stft(n):
    expected = 1 if n <= 400 else (n - 400) // 320 + 1
    assert num_frames(n) == expected
    for cfg in (PAPER, LATER):
        assert stft(torch.zeros(n), cfg).shape[-1] == expected


def test_values_are_log_one_plus_power():
    x = torch.randn(3, 8000, dtype=torch.float64)
    spec = stft(x)
    X = log_power_spectrogram(x)
    torch.testing.assert_close(X, torch.log1p(spec.abs() ** 2))
    assert (X >= 0).all()
    # Frame t is centred on sample 320 t + 200 (the WavLM frame centre), Hann-windowed.
    t = 5
    centre = 320 * t + 200
    seg = torch.nn.functional.pad(x[0], (512, 512))[centre : centre + 1024]
    ref = torch.fft.rfft(seg * torch.hann_window(1024, dtype=torch.float64))
    torch.testing.assert_close(spec[0, :, t], ref)


def test_batched_equals_one_by_one():
    x = torch.randn(3, 5000)
    X = log_power_spectrogram(x)
    for i in range(3):
        torch.testing.assert_close(X[i], log_power_spectrogram(x[i]))


@pytest.mark.parametrize("cfg", [PAPER, LATER], ids=["1024", "512/400"])
def test_istft_inverts_stft(cfg):
    x = torch.randn(2, 16000, dtype=torch.float64)
    y = istft(stft(x, cfg), 16000, cfg)
    assert y.shape == x.shape
    covered = slice(30, (num_frames(16000, cfg) - 1) * 320 + 370)
    torch.testing.assert_close(y[:, covered], x[:, covered], atol=1e-7, rtol=0)


def test_chunks_with_sample_context_reproduce_whole_file_frames():
    x = torch.randn(30000)
    whole = log_power_spectrogram(x)
    a, b = frame_sample_span(40, 93)
    padded = torch.nn.functional.pad(x, (2000, 2000))
    chunk = log_power_spectrogram(padded[a + 2000 : b + 2000], padded=False)
    torch.testing.assert_close(chunk, whole[:, 40:93])
    a, b = frame_sample_span(0, 5)  # first frames read zero padding before the file
    assert a < 0
    chunk = log_power_spectrogram(padded[a + 2000 : b + 2000], padded=False)
    torch.testing.assert_close(chunk, whole[:, 0:5])


def test_config_validation_and_round_trip():
    with pytest.raises(ValueError):
        SpectrogramConfig(n_fft=256, win_length=256)
    with pytest.raises(ValueError):
        SpectrogramConfig(win_length=2048)
    assert SpectrogramConfig.from_dict(LATER.to_dict()) == LATER
    assert PAPER.n_bins == 513 and PAPER.frame_rate == 50.0


def test_spectrogram_front_end_reads_x_itself():
    fe = build_front_end("spectrogram", {}, PAPER)
    assert isinstance(fe, SpectrogramFrontEnd) and fe.is_local and fe.feature_dim == 513
    x = torch.randn(2, 12345)
    torch.testing.assert_close(fe(x), log_power_spectrogram(x))
    with pytest.raises(ValueError, match="unknown front end"):
        build_front_end("mfcc", {}, PAPER)


@pytest.mark.parametrize("n", [1, 399, 400, 719, 720, 16000, 16321, 64000])
def test_wavlm_conv_stack_frames_match_the_spectrogram(n):
    model = tiny_wavlm().eval()
    with torch.no_grad():
        raw = model(torch.randn(1, max(n, 400))).last_hidden_state.shape[1]
    assert raw == num_frames(n)  # no cropping needed with WavLM's own conv stack
    from segmenter.features.wavlm import WavLMFrontEnd

    fe = WavLMFrontEnd(PAPER, model=model)
    S = fe(torch.randn(2, n))
    assert S.shape == (2, 32, num_frames(n))
    assert S.shape[-1] == log_power_spectrogram(torch.zeros(n)).shape[-1]


def test_wavlm_front_end_is_frozen_and_instance_normalised():
    from segmenter.features.wavlm import WavLMFrontEnd

    fe = WavLMFrontEnd(PAPER, model=tiny_wavlm())
    fe.train()
    assert not fe.wavlm.training
    assert [n for n, p in fe.named_parameters() if p.requires_grad] == ["layer_logits"]
    assert fe.layer_weights().shape == (3,) and not fe.is_local
    S = fe(torch.randn(2, 16000))
    torch.testing.assert_close(S.mean(dim=-1), torch.zeros(2, 32), atol=1e-4, rtol=0)
    torch.testing.assert_close(S.std(dim=-1, unbiased=False), torch.ones(2, 32), atol=1e-3, rtol=0)
    (S * torch.randn_like(S)).sum().backward()
    assert fe.layer_logits.grad is not None and fe.layer_logits.grad.abs().sum() > 0
    assert fe.config_dict() == {"model_path": "", "normalize_input": False}


def test_wavlm_loads_from_a_local_directory_only(tmp_path):
    from segmenter.errors import FrontEndError

    tiny_wavlm().save_pretrained(tmp_path / "wavlm")
    (tmp_path / "wavlm" / "preprocessor_config.json").write_text('{"do_normalize": true}')
    fe = build_front_end("wavlm", {"model_path": str(tmp_path / "wavlm")}, PAPER)
    assert fe.feature_dim == 32 and fe.normalize_input
    assert fe(torch.randn(1, 8000)).shape == (1, 32, num_frames(8000))
    with pytest.raises(FrontEndError, match="not found locally"):
        build_front_end("wavlm", {"model_path": str(tmp_path / "missing")}, PAPER)
    with pytest.raises(FrontEndError, match="not found locally"):
        build_front_end("wavlm", {"model_path": "nobody/no-such-wavlm-model"}, PAPER)


def test_frame_counts_agree_between_front_ends_for_random_lengths():
    from segmenter.features.wavlm import WavLMFrontEnd

    fe = WavLMFrontEnd(PAPER, model=tiny_wavlm())
    for n in np.random.default_rng(0).integers(1, 40000, size=6):
        assert (
            fe(torch.randn(1, int(n))).shape[-1]
            == log_power_spectrogram(torch.zeros(int(n)), LATER).shape[-1]
        )
