"""The learning-rate schedule: its shape, and that a resumed cosine run equals a straight one."""

from __future__ import annotations

import threading

import pytest
import torch

from segmenter.errors import Cancelled
from segmenter.training import TrainConfig, train
from segmenter.training.loop import learning_rate
from tests.segmenter.training.helpers import datasets, new_model


def test_constant_schedule_keeps_the_rate():
    config = TrainConfig(lr=2e-3)
    assert {learning_rate(config, s, 100) for s in range(100)} == {2e-3}


def test_cosine_decays_monotonically_to_the_floor():
    config = TrainConfig(lr=1e-3, lr_schedule="cosine", lr_final_ratio=0.1)
    rates = [learning_rate(config, s, 50) for s in range(51)]
    assert rates[0] == pytest.approx(1e-3)
    assert rates[-1] == pytest.approx(1e-4)
    assert rates[25] == pytest.approx(0.55e-3)
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))


def test_warmup_ramps_linearly_then_decays():
    config = TrainConfig(lr=1e-3, lr_schedule="cosine", warmup_steps=4)
    assert [learning_rate(config, s, 20) for s in range(4)] == pytest.approx(
        [0.25e-3, 0.5e-3, 0.75e-3, 1e-3]
    )
    assert learning_rate(config, 4, 20) == pytest.approx(1e-3)
    assert learning_rate(config, 19, 20) < 1e-3


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="step")


def test_cosine_run_resumed_after_a_kill_equals_a_straight_run(tmp_path, data):
    """The rate is a function of the global step, so nothing about it needs checkpointing."""
    train_recs, dev_recs, W = data
    config = TrainConfig(epochs=3, batch_size=16, patience=10, lr_schedule="cosine")

    def run(ckpt, resume=False, stop_after=None):
        model = new_model(seed=5)
        model.set_dictionary(W)
        train_set, dev_set = datasets(train_recs, dev_recs, model.spectrogram, length=32)
        cancel = threading.Event()

        def on_epoch(record):
            if stop_after is not None and record["epoch"] == stop_after:
                cancel.set()

        train(model, train_set, dev_set, config, checkpoint_dir=ckpt, resume=resume,
              cancel=cancel, on_epoch=on_epoch)  # fmt: skip
        return model

    straight = run(tmp_path / "a")
    with pytest.raises(Cancelled):
        run(tmp_path / "b", stop_after=2)
    resumed = run(tmp_path / "b", resume=True)
    for key, value in straight.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value, rtol=1e-6, atol=1e-7)
