"""End-to-end training on the synthetic corpus, resume, chunk sources, WavLM, checkpoints."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch

from segmenter.errors import Cancelled
from segmenter.model import ModelConfig, NMFSegmenter
from segmenter.training import (
    Augmenter,
    RandomChunks,
    SourceChunks,
    TrainConfig,
    balanced_dictionary,
    source_frames,
    train,
)
from segmenter.training.assess import predict_recordings, score, tune_on
from segmenter.training.state import load_state
from tests.segmenter.training.helpers import SMALL, datasets, new_model


def test_training_learns_the_synthetic_classes(tmp_path, corpus, data):
    train_recs, dev_recs, W = data
    model = new_model()
    model.set_dictionary(W)
    W_before = model.W.clone()
    pools = corpus["pools"]
    augmenter = Augmenter(noise=[pools / "noise.wav"], music=[pools / "music.wav"])
    train_set, dev_set = datasets(train_recs, dev_recs, model.spectrogram, augmenter)
    log = tmp_path / "log.jsonl"
    fractions = []
    result = train(
        model, train_set, dev_set, TrainConfig(epochs=6, batch_size=16, patience=10),
        log_path=log, progress=lambda f, m: fractions.append(f),
    )  # fmt: skip
    train_loss = [h["train"]["total"] for h in result.history]
    val_loss = [h["val"]["total"] for h in result.history]
    assert train_loss[-1] < 0.8 * train_loss[0] and min(val_loss) < 0.85 * val_loss[0]
    assert [json.loads(line)["epoch"] for line in log.read_text().splitlines()] == list(range(1, 7))
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert torch.equal(model.W, W_before)  # W stays frozen
    # F1 with thresholds tuned on the training files, scored on unseen dev files.
    thresholds = tune_on(
        predict_recordings(model, train_recs, device="cpu"), train_recs, model.classes
    )
    preds = predict_recordings(model, dev_recs, device="cpu")
    scores = score(preds, dev_recs, thresholds, model.classes)["classes"]
    # Chance level: a detector that says "yes" everywhere (recall 1, precision = prevalence).
    for cls in ("sp", "mu", "no"):
        total = sum(r.duration for r in dev_recs)
        prevalence = scores[cls]["reference_s"] / total
        chance = 2 * prevalence / (1 + prevalence)
        assert scores[cls]["f1"] > chance + 0.15, (cls, scores[cls], chance)


def test_resume_continues_exactly(tmp_path, data):
    train_recs, dev_recs, W = data
    config = TrainConfig(epochs=3, batch_size=16, patience=10)

    def run(epochs, ckpt, resume=False):
        model = new_model(seed=5)
        model.set_dictionary(W)
        cfg = TrainConfig(**{**config.to_dict(), "epochs": epochs})
        train_set, dev_set = datasets(train_recs, dev_recs, model.spectrogram, length=32)
        result = train(model, train_set, dev_set, cfg, checkpoint_dir=ckpt, resume=resume)
        return model, result

    straight, r1 = run(3, tmp_path / "a")
    run(2, tmp_path / "b")
    assert load_state(tmp_path / "b" / "last.safetensors").epoch == 2
    resumed, r2 = run(3, tmp_path / "b", resume=True)
    assert [h["epoch"] for h in r2.history] == [1, 2, 3]
    assert [h["val"]["total"] for h in r1.history] == pytest.approx(
        [h["val"]["total"] for h in r2.history], rel=1e-6
    )
    for key, value in straight.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value, rtol=1e-6, atol=1e-7)


def test_early_stopping_keeps_the_best_epoch(tmp_path, data):
    train_recs, dev_recs, W = data
    model = new_model()
    model.set_dictionary(W)
    train_set, dev_set = datasets(train_recs, dev_recs, model.spectrogram, length=16)
    # No later epoch can beat the first by min_delta, so patience 2 stops after epoch 3.
    config = TrainConfig(epochs=8, batch_size=16, patience=2, min_delta=1e9)
    result = train(model, train_set, dev_set, config, checkpoint_dir=tmp_path)
    assert result.stopped_early and len(result.history) == 3 and result.best_epoch == 1
    assert result.best_loss == result.history[0]["val"]["total"]
    state = load_state(tmp_path / "last.safetensors")
    assert state.epoch == 3 and state.best is not None
    for key, value in model.state_dict().items():  # the model holds epoch 1's weights
        assert torch.equal(value, state.best[key])
    assert not torch.equal(state.model["classifier.weight"], state.best["classifier.weight"])


def test_cancel_stops_training(data):
    train_recs, dev_recs, W = data
    model = new_model()
    cancel = threading.Event()
    cancel.set()
    train_set, dev_set = datasets(train_recs, dev_recs, model.spectrogram, length=16)
    with pytest.raises(Cancelled):
        train(model, train_set, dev_set, TrainConfig(epochs=1, batch_size=8), cancel=cancel)


def test_chunk_source_and_distillation(data):
    train_recs, _, W = data
    reader = RandomChunks(train_recs, 1, new_model().spectrogram)

    def source(rng):
        wave, labels, mask, _ = reader.draw(rng)
        return wave, labels, None

    frames = source_frames(source, chunks=20, cfg=new_model().spectrogram)
    assert set(frames) == {"sp", "mu", "no"}
    teacher = new_model(seed=1).eval()
    student = new_model(seed=2)
    student.set_dictionary(balanced_dictionary(frames, 16, iterations=20))
    result = train(
        student, SourceChunks(source, 32), SourceChunks(source, 16, seed=1, fixed=True),
        TrainConfig(epochs=2, batch_size=16, kd_weight=0.5), teacher=teacher,
    )  # fmt: skip
    assert "kd" in result.history[0]["train"] and np.isfinite(result.history[-1]["val"]["total"])


def test_wavlm_front_end_trains_a_few_steps(data):
    from segmenter.features.wavlm import WavLMFrontEnd, random_wavlm

    train_recs, dev_recs, _ = data
    cfg = ModelConfig(front_end="wavlm", **SMALL)
    torch.manual_seed(0)
    model = NMFSegmenter(cfg, front_end=WavLMFrontEnd(cfg.spectrogram, model=random_wavlm()))
    frozen = {k: v.clone() for k, v in model.front_end.wavlm.state_dict().items()}
    logits = model.front_end.layer_logits.detach().clone()
    train_set, dev_set = datasets(train_recs, dev_recs[:1], model.spectrogram, length=8)
    result = train(model, train_set, dev_set, TrainConfig(epochs=1, batch_size=4))
    assert np.isfinite(result.history[0]["train"]["total"])
    assert not torch.equal(model.front_end.layer_logits, logits)  # the layer weights learn
    for k, v in model.front_end.wavlm.state_dict().items():
        assert torch.equal(v, frozen[k])  # WavLM itself stays frozen


def test_class_weights_reach_the_loss_and_unknown_classes_fail_first(data):
    train_recs, dev_recs, _ = data
    with pytest.raises(ValueError, match="positive"):
        TrainConfig(class_weights={"mu": 0.0})
    model = new_model()
    train_set, dev_set = datasets(train_recs, dev_recs[:1], model.spectrogram, length=8)
    with pytest.raises(ValueError, match="unknown classes"):
        train(
            model, train_set, dev_set, TrainConfig(epochs=1, batch_size=4, class_weights={"x": 2})
        )
    assert TrainConfig(class_weights={"mu": 2}).class_weight_vector(model.classes).tolist() == [
        1.0, 2.0, 1.0, 1.0
    ]  # fmt: skip
    runs = {}
    for weights in ({}, {"mu": 4.0}):
        model = new_model()
        result = train(
            model, train_set, dev_set, TrainConfig(epochs=1, batch_size=4, class_weights=weights)
        )
        runs[str(weights)] = (result.history[0]["val"]["bce"], model.classifier.weight.detach())
    (plain_bce, plain_w), (weighted_bce, weighted_w) = runs.values()
    assert weighted_bce > plain_bce  # music cells count four times in the weighted BCE
    assert not torch.equal(plain_w, weighted_w)  # and the steps differ
