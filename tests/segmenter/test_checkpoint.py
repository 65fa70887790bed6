"""The model file: round trip, metadata validation, refusal of pickles and damaged files."""

from __future__ import annotations

import json
import pickle

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from segmenter.checkpoint import (
    FORMAT_NAME,
    FORMAT_VERSION,
    load_model,
    read_model_info,
    save_model,
    update_metadata,
)
from segmenter.decisions import Thresholds
from segmenter.errors import FrontEndError, ModelFileError
from segmenter.model import ModelConfig, NMFSegmenter

SMALL = dict(n_components=16, bottleneck_channels=8, hidden_channels=16)


def trained_like(config: ModelConfig | None = None) -> NMFSegmenter:
    """A model whose every weight and buffer differs from a fresh one."""
    torch.manual_seed(0)
    model = NMFSegmenter(config or ModelConfig(**SMALL))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
        model.set_dictionary(torch.rand_like(model.W))
        model.train()
        model(torch.randn(3, 8000))  # moves BatchNorm running statistics
    return model.eval()


@pytest.fixture
def saved(tmp_path):
    model = trained_like()
    path = tmp_path / "model.safetensors"
    save_model(model, path, thresholds={"sp": {"onset": 0.7, "offset": 0.3, "min_on": 0.2}},
               metrics={"f1": {"sp": 0.9}}, training={"epochs": 3, "corpora": ["demo"]})  # fmt: skip
    return model, path


def test_round_trip_restores_outputs_and_metadata(saved):
    model, path = saved
    loaded, info = load_model(path)
    assert not loaded.training
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    x = torch.randn(1, 16000)
    torch.testing.assert_close(loaded(x).logits, model(x).logits)
    assert info.config == model.config and info.classes == ("sp", "mu", "no", "ov")
    assert info.thresholds["sp"] == Thresholds(onset=0.7, offset=0.3, min_on=0.2)
    assert info.thresholds["ov"] == Thresholds()  # defaults 0.5/0.5/0/0
    assert info.metrics == {"f1": {"sp": 0.9}} and info.training["epochs"] == 3
    assert info.format_version == FORMAT_VERSION and info.created and info.segmenter_version


def test_file_is_plain_safetensors_with_json_metadata(saved):
    _, path = saved
    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata()
        keys = set(handle.keys())
    assert meta["format"] == FORMAT_NAME and meta["format_version"] == str(FORMAT_VERSION)
    doc = json.loads(meta["nmf_segmenter"])
    assert doc["config"]["n_components"] == 16 and doc["thresholds"]["mu"]["onset"] == 0.5
    assert "dictionary" in keys and "classifier.weight" in keys
    assert not list(path.parent.glob("*.tmp"))


def test_read_model_info_needs_no_weights(saved):
    _, path = saved
    info = read_model_info(path)
    assert info.config.n_components == 16 and info.path == path


def test_update_metadata_rewrites_thresholds_keeping_weights(saved):
    model, path = saved
    before = load_file(str(path))
    info = update_metadata(path, thresholds={"mu": Thresholds(onset=0.6, offset=0.4)},
                           metrics={"hmean_f1": 0.8})  # fmt: skip
    assert info.thresholds["mu"].onset == 0.6 and info.thresholds["sp"].onset == 0.7
    assert info.metrics == {"f1": {"sp": 0.9}, "hmean_f1": 0.8} and info.modified
    after = load_file(str(path))
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert load_model(path)[1].thresholds["mu"].offset == 0.4
    with pytest.raises(ValueError, match="unknown class"):
        update_metadata(path, thresholds={"laughter": {"onset": 0.5}})
    with pytest.raises(ValueError):
        update_metadata(path, thresholds={"sp": {"onset": 0.2, "offset": 0.9}})


def test_save_validates_thresholds_and_json(tmp_path):
    model = trained_like()
    with pytest.raises(ValueError, match="unknown class"):
        save_model(model, tmp_path / "m.safetensors", thresholds={"xx": {}})
    with pytest.raises(ValueError, match="JSON"):
        save_model(model, tmp_path / "m.safetensors", metrics={"f1": float("nan")})
    assert not list(tmp_path.iterdir())


def _rewrite(path, meta=None, tensors=None):
    t = load_file(str(path)) if tensors is None else tensors
    with safe_open(str(path), framework="pt") as handle:
        m = handle.metadata() if meta is None else meta
    save_file(t, str(path), metadata=m)


def _doc(path):
    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata()
    return meta, json.loads(meta["nmf_segmenter"])


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda m, d: m.pop("format"), "not an nmf-segmenter model file"),
        (lambda m, d: m.update(format_version="2"), "newer than this segmenter supports"),
        (lambda m, d: m.update(format_version="x"), "format_version"),
        (lambda m, d: m.pop("nmf_segmenter"), "metadata is missing"),
        (lambda m, d: m.update(nmf_segmenter="{not json"), "not valid JSON"),
        (lambda m, d: d.pop("config"), "lacks config"),
        (lambda m, d: d.update(classes=["sp", "mu"]), "differ from the config"),
        (lambda m, d: d["config"].update(norm="weird"), "invalid model metadata"),
        (lambda m, d: d["config"].update(n_components=32), "has shape"),
        (lambda m, d: d["thresholds"].update(sp={"onset": 2.0}), "invalid model metadata"),
    ],
)
def test_invalid_metadata_is_a_one_line_error(saved, edit, message):
    _, path = saved
    meta, doc = _doc(path)
    edit(meta, doc)
    if "nmf_segmenter" in meta and meta["nmf_segmenter"] != "{not json":
        meta["nmf_segmenter"] = json.dumps(doc)
    _rewrite(path, meta=meta)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_or_extra_weights_are_refused(saved):
    _, path = saved
    tensors = load_file(str(path))
    tensors.pop("classifier.bias")
    _rewrite(path, tensors=tensors)
    with pytest.raises(ModelFileError, match="missing"):
        load_model(path)
    tensors["classifier.bias"] = torch.zeros(4)
    tensors["surprise"] = torch.zeros(1)
    _rewrite(path, tensors=tensors)
    with pytest.raises(ModelFileError, match="unexpected"):
        load_model(path)


def test_pickles_and_damaged_files_are_never_loaded(tmp_path, saved):
    _, good = saved
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (marker.write_text, ("executed",))

    cases = {
        "torchsave.safetensors": lambda p: torch.save({"w": torch.zeros(2)}, p),
        "pickle.safetensors": lambda p: p.write_bytes(pickle.dumps(Exploit())),
        "text.safetensors": lambda p: p.write_text("hello, I am a text file\n" * 10),
        "empty.safetensors": lambda p: p.write_bytes(b""),
        "truncated.safetensors": lambda p: p.write_bytes(good.read_bytes()[:-100]),
        "header_only.safetensors": lambda p: p.write_bytes(good.read_bytes()[:6]),
    }
    for name, make in cases.items():
        path = tmp_path / name
        make(path)
        with pytest.raises(ModelFileError) as info:
            load_model(path)
        assert name in str(info.value) and "\n" not in str(info.value), name
    assert not marker.exists()
    with pytest.raises(ModelFileError, match="pickled PyTorch checkpoint"):
        load_model(tmp_path / "torchsave.safetensors")
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "absent.safetensors")
    with pytest.raises(ModelFileError, match="directory"):
        load_model(tmp_path)


def test_wavlm_model_stores_path_not_weights(tmp_path):
    from segmenter.features.wavlm import random_wavlm

    wavlm_dir = tmp_path / "wavlm"
    random_wavlm().save_pretrained(wavlm_dir)
    cfg = ModelConfig(front_end="wavlm", front_end_params={"model_path": str(wavlm_dir)}, **SMALL)
    model = NMFSegmenter(cfg).eval()
    with torch.no_grad():
        model.front_end.layer_logits.copy_(torch.tensor([0.5, -1.0, 2.0]))
    path = tmp_path / "w.safetensors"
    save_model(model, path)
    with safe_open(str(path), framework="pt") as handle:
        assert not any(k.startswith("front_end.wavlm.") for k in handle.keys())  # noqa: SIM118
    assert path.stat().st_size < 200_000
    moved = tmp_path / "moved"
    wavlm_dir.rename(moved)
    with pytest.raises(FrontEndError, match="not found locally"):
        load_model(path)
    loaded, info = load_model(path, wavlm_path=moved)
    assert info.config.front_end_params["model_path"] == str(wavlm_dir)
    torch.testing.assert_close(loaded.front_end.layer_logits, model.front_end.layer_logits)
    x = torch.randn(1, 8000)
    torch.testing.assert_close(loaded(x).logits, model(x).logits)


def test_a_header_length_that_looks_like_a_pickle_opcode_still_loads(tmp_path):
    """A safetensors file starts with its header length; 0x80 as its low byte is no pickle."""
    import struct

    model = trained_like()
    for pad in range(300):
        path = tmp_path / f"m{pad}.safetensors"
        save_model(model, path, training={"note": " " * pad})
        if path.read_bytes()[:1] == b"\x80":
            break
    else:  # pragma: no cover - 300 consecutive lengths always cover every low byte
        raise AssertionError("never produced a header length with low byte 0x80")
    assert struct.unpack("<Q", path.read_bytes()[:8])[0] % 256 == 0x80
    loaded, info = load_model(path)
    assert info.training["note"] == " " * pad
