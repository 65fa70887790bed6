"""Augmentation: what gets mixed in, at which level, and how the labels follow."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from segmenter.training.augment import AugmentConfig, Augmenter, combine_labels

SP, MU, NO, OV = range(4)
T = 199
N = 64000


def chunk(sp: np.ndarray | None = None, known: tuple[int, ...] = (0, 1, 2, 3)):
    wave = (0.1 * np.sin(np.arange(N) * 0.05)).astype(np.float32)
    labels = np.zeros((4, T), np.float32)
    if sp is not None:
        labels[SP] = sp
    mask = np.zeros((4, T), np.float32)
    mask[list(known)] = 1
    return wave, labels, mask


@pytest.fixture
def pools(tmp_path):
    rng = np.random.default_rng(0)
    paths = {}
    for name in ("noise", "music", "speech"):
        paths[name] = tmp_path / f"{name}.wav"
        sf.write(paths[name], (0.3 * rng.standard_normal(16000 * 2)).astype(np.float32), 16000)
    return paths


def power(x):
    return float(np.mean(np.square(x, dtype=np.float64)))


def test_noise_sets_no_at_the_drawn_snr(pools):
    aug = Augmenter(
        noise=[pools["noise"]], config=AugmentConfig(noise_p=1.0, music_p=0.0, overlap_p=0.0)
    )
    wave, labels, mask = chunk(np.ones(T))
    out, new_labels, new_mask = aug(wave, labels, mask, np.random.default_rng(1))
    added = out - wave
    snr = 10 * np.log10(power(wave) / power(added))
    assert 5.0 <= snr <= 20.0
    assert new_labels[NO].all() and new_mask[NO].all()
    np.testing.assert_array_equal(new_labels[[SP, MU, OV]], labels[[SP, MU, OV]])
    assert wave is not out and np.array_equal(wave, chunk()[0])  # inputs untouched


def test_music_sets_mu_even_where_mu_was_unknown(pools):
    aug = Augmenter(
        music=[pools["music"]], config=AugmentConfig(noise_p=0.0, music_p=1.0, overlap_p=0.0)
    )
    wave, labels, mask = chunk(np.ones(T), known=(SP, OV))  # a meeting corpus: mu unknown
    out, new_labels, new_mask = aug(wave, labels, mask, np.random.default_rng(2))
    assert new_labels[MU].all() and new_mask[MU].all()
    assert not new_mask[NO].any()  # still unknown: the music says nothing about noise
    assert 1.0 <= 10 * np.log10(power(wave) / power(out - wave)) <= 20.0


def test_one_of_noise_or_music_with_the_spec_probabilities(pools):
    aug = Augmenter(noise=[pools["noise"]], music=[pools["music"]])
    wave, labels, mask = chunk(np.zeros(T))
    counts = {"no": 0, "mu": 0, "both": 0}
    rng = np.random.default_rng(3)
    for _ in range(400):
        _, lab, _ = aug(wave, labels, mask, rng)
        counts["no"] += bool(lab[NO].any())
        counts["mu"] += bool(lab[MU].any())
        counts["both"] += bool(lab[NO].any() and lab[MU].any())
    assert counts["both"] == 0
    assert 0.13 < counts["no"] / 400 < 0.27 and 0.42 < counts["mu"] / 400 < 0.58


def test_overlap_from_a_labelled_second_talker():
    first = np.zeros(T)
    first[:100] = 1
    second = np.zeros(T)
    second[50:150] = 1

    def source(rng):
        w, lab, m = chunk(second)
        return w * 0.5, lab, m

    aug = Augmenter(config=AugmentConfig(noise_p=0.0, music_p=0.0, overlap_p=1.0))
    wave, labels, mask = chunk(first)
    out, new_labels, new_mask = aug(
        wave, labels, mask, np.random.default_rng(4), speech_source=source
    )
    assert 1.0 <= 10 * np.log10(power(wave) / power(out - wave)) <= 10.0
    assert np.flatnonzero(new_labels[SP]).tolist() == list(range(150))
    assert np.flatnonzero(new_labels[OV]).tolist() == list(range(50, 100))
    assert new_mask.all()


def test_overlap_from_the_speech_pool_is_speech_everywhere(pools):
    aug = Augmenter(
        speech=[pools["speech"]], config=AugmentConfig(noise_p=0.0, music_p=0.0, overlap_p=1.0)
    )
    first = np.zeros(T)
    first[20:40] = 1
    _, labels, mask = aug(*chunk(first), np.random.default_rng(5))
    assert labels[SP].all() and np.flatnonzero(labels[OV]).tolist() == list(range(20, 40))


def test_combine_labels_respects_unknowns():
    la = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], np.float32)
    ma = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], np.float32)
    lb = np.array([[1, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], np.float32)
    mb = np.ones((4, 4), np.float32)
    labels, mask = combine_labels(la, ma, lb, mb)
    assert labels[SP].tolist() == [1, 1, 1, 0] and mask[SP].tolist() == [1, 1, 1, 0]
    # overlap: both speak at 0 → 1; at 1 a is known silent → 0; at 2 a unknown → unknown;
    # at 3 b is known silent → known 0.
    assert labels[OV][[0, 1, 3]].tolist() == [1, 0, 0]
    assert mask[OV].tolist() == [1, 1, 0, 1]
