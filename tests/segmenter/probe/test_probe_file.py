"""Probe files and heads: round trip, base model by hash, refusals in one line, exact heads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from segmenter.checkpoint import load_model, save_model, update_metadata
from segmenter.decisions import Thresholds
from segmenter.probe import LinearProbe, ProbeError, activation_fingerprint
from segmenter.probe.head import attach_probe, save_with_probe
from segmenter.probe.probe_file import base_description, check_base, load_probe, save_probe


def _probe_for(model_path: Path, **kwargs) -> LinearProbe:
    model, _ = load_model(model_path)
    K = model.config.n_components
    rng = np.random.default_rng(0)
    defaults = dict(
        level="frame", mode="multilabel",
        thresholds={"laugh": Thresholds(onset=0.6, offset=0.4, min_on=0.1)},
        base=base_description(model, model_path), metrics={"uar": 0.9},
    )  # fmt: skip
    defaults.update(kwargs)
    return LinearProbe(rng.normal(size=(1, K)), rng.normal(size=1), ("laugh",), **defaults)


def test_round_trip_keeps_everything(tiny_model: Path, tmp_path: Path) -> None:
    probe = _probe_for(tiny_model)
    path = save_probe(probe, tmp_path / "laugh.probe.safetensors")
    back = load_probe(path)
    np.testing.assert_array_equal(back.weight, probe.weight)
    np.testing.assert_array_equal(back.bias, probe.bias)
    assert back.classes == ("laugh",) and back.level == "frame" and back.mode == "multilabel"
    assert back.thresholds["laugh"] == Thresholds(onset=0.6, offset=0.4, min_on=0.1)
    assert back.base == probe.base and back.metrics == {"uar": 0.9}


def test_fingerprint_ignores_theta_and_metadata_but_not_psi(
    tiny_model: Path, tmp_path: Path
) -> None:
    model, _ = load_model(tiny_model)
    before = activation_fingerprint(model)
    update_metadata(tiny_model, thresholds={"sp": {"onset": 0.7}})
    assert activation_fingerprint(load_model(tiny_model)[0]) == before
    with torch.no_grad():
        model.classifier.weight.add_(1.0)
    assert activation_fingerprint(model) == before
    with torch.no_grad():
        next(model.psi.parameters()).add_(1e-3)
    assert activation_fingerprint(model) != before


def test_probe_of_another_base_is_refused_in_one_line(tiny_model: Path, tmp_path: Path) -> None:
    probe = _probe_for(tiny_model)
    path = save_probe(probe, tmp_path / "p.safetensors")
    other_model, _ = load_model(tiny_model)
    with torch.no_grad():
        next(other_model.psi.parameters()).mul_(1.5)
    other = tmp_path / "other.safetensors"
    save_model(other_model, other)
    model, _ = load_model(other)
    with pytest.raises(ProbeError) as caught:
        check_base(load_probe(path), model, path, other)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "tiny.safetensors" in message
    assert "other.safetensors" in message
    check_base(load_probe(path), load_model(tiny_model)[0], path, tiny_model)  # its own base


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(b"not a file"), "not a valid safetensors"),
        (lambda p: p.unlink(), "not found"),
    ],
)
def test_broken_probe_files_name_themselves(
    tiny_model: Path, tmp_path: Path, damage, message
) -> None:
    path = save_probe(_probe_for(tiny_model), tmp_path / "p.safetensors")
    damage(path)
    with pytest.raises(ProbeError, match=message) as caught:
        load_probe(path)
    assert str(path) in str(caught.value)


def test_a_model_file_is_not_a_probe(tiny_model: Path) -> None:
    with pytest.raises(ProbeError, match="a model file, not a probe"):
        load_probe(tiny_model)


def test_head_adds_lanes_exactly_and_keeps_the_base(tiny_model: Path, tmp_path: Path) -> None:
    base_bytes = tiny_model.read_bytes()
    probe = _probe_for(tiny_model)
    out = tmp_path / "with-laugh.safetensors"
    save_with_probe(tiny_model, probe, out)
    assert tiny_model.read_bytes() == base_bytes  # never altered in place
    merged, info = load_model(out)
    base, base_info = load_model(tiny_model)
    assert info.classes == (*base_info.classes, "laugh")
    assert info.thresholds["laugh"] == probe.thresholds["laugh"]
    assert info.training["probes"][0]["base_fingerprint"] == activation_fingerprint(base)
    wave = torch.from_numpy(np.random.default_rng(1).normal(0, 0.1, 16000).astype(np.float32))
    with torch.no_grad():
        a, b = base(wave), merged(wave)
    torch.testing.assert_close(b.activations, a.activations)
    torch.testing.assert_close(b.logits[:, :4], a.logits)
    H = a.activations[0].double().numpy()
    np.testing.assert_allclose(b.logits[0, 4].double().numpy(), probe.logits(H)[0], atol=1e-4)
    assert activation_fingerprint(merged) == activation_fingerprint(base)


def test_head_refusals(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="is the base model"):
        save_with_probe(tiny_model, _probe_for(tiny_model), tiny_model)
    model, _ = load_model(tiny_model)
    single = _probe_for(tiny_model, level="file", mode="multilabel")
    with pytest.raises(ProbeError, match="cannot be a head"):
        attach_probe(model, single)
    clash = LinearProbe(np.zeros((1, 16)), np.zeros(1), ("sp",))
    with pytest.raises(ProbeError, match="already exist"):
        attach_probe(model, clash)
