"""The evidence cache (`cache`) is written in blocks and read back mapped, and keeps everything
the review tools rank by: the model's review calibration, the reconstruction norms and the
reference profile, also when the evidence comes from a pre-labelling result."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.core import Annotation, Lane, RecordingInfo
from annotator.evidence import cache as evidence_module
from annotator.evidence import mapped_arrays
from annotator.evidence.cache import Evidence, load_activations, load_evidence, save_evidence
from annotator.evidence.heatmap_order import mean_from_heat
from annotator.evidence.mapped_arrays import is_mapped
from tests.annotator.evidence.test_mapped_arrays import activations, mapped


def test_the_cache_is_written_in_blocks_and_read_back_mapped(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(mapped_arrays, "WRITE_BYTES", 4096)  # many blocks
    monkeypatch.setattr(evidence_module, "MAPPED_BYTES", 0)
    h = activations(t=5000)
    audio = tmp_path / "rec.wav"
    audio.write_bytes(b"stand-in: only its size and time are stamped")
    sidecar = tmp_path / "rec.annotation.json"
    posteriors = np.random.default_rng(4).uniform(0, 1, (4, 5000)).astype(np.float32)
    ev = Evidence("m", ("sp", "mu", "no", "ov"), ("speech", "music", "noise", "overlap"),
                  posteriors, H=mapped(h), W=np.ones((257, 12)), theta=np.ones((4, 12)),
                  bias=np.zeros(4), sample_rate=16000)  # fmt: skip
    save_evidence(sidecar, audio, ev)
    arrays = tmp_path / "rec.evidence.npz"
    with np.load(arrays) as plain:  # an ordinary .npz, for anyone reading it
        np.testing.assert_array_equal(plain["heat"], ev.heat)
        np.testing.assert_array_equal(plain["H"], h.astype(np.float16))
        np.testing.assert_array_equal(plain["bias"], np.zeros(4))
    back = load_evidence(sidecar, audio)
    assert back is not None and is_mapped(back.heat) and is_mapped(back.posteriors)
    np.testing.assert_array_equal(back.heat, ev.heat)
    np.testing.assert_array_equal(back.posteriors, posteriors)
    np.testing.assert_array_equal(back.W, np.ones((257, 12)))
    loaded = load_activations(sidecar)
    assert loaded is not None and is_mapped(loaded) and loaded.dtype == np.float16
    np.testing.assert_array_equal(loaded, h.astype(np.float16))
    np.testing.assert_allclose(mean_from_heat(back.heat), mean_from_heat(ev.heat))


def test_the_cache_and_a_prelabel_result_keep_the_calibration(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"stamped only")
    sidecar = tmp_path / "a.annotation.json"
    calibration = {"models": {}, "look_s": 1.5, "source": "held-out mixtures"}
    evidence = Evidence("m", ("sp",), ("speech",), np.zeros((1, 10), np.float32),
                        calibration=calibration)  # fmt: skip
    save_evidence(sidecar, audio, evidence)
    assert load_evidence(sidecar, audio).calibration == calibration
    result = type("Result", (), {"evidence": evidence})
    taken = Evidence.from_result(result, Annotation([Lane("speech")], RecordingInfo("a.wav", 0.2)),
                                 "nmf")  # fmt: skip
    assert taken.calibration == calibration


def test_the_cache_keeps_reconstruction_norms_and_the_reference(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"not really audio, only stamped")
    sidecar = tmp_path / "a.annotation.json"
    norms = np.arange(20, dtype=np.float32).reshape(2, 10)
    reference = {"level_edges": [0.0, 1.0], "source": "validation"}
    evidence = Evidence(
        "m", ("sp",), ("speech",), np.zeros((1, 10), np.float32),
        reconstruction=norms, reference=reference,
    )  # fmt: skip
    save_evidence(sidecar, audio, evidence)
    again = load_evidence(sidecar, audio)
    np.testing.assert_array_equal(again.reconstruction, norms)
    assert again.reference == reference

    result = type("Result", (), {"evidence": evidence})  # what a pre-labeler hands over
    taken = Evidence.from_result(result, Annotation([Lane("speech")], RecordingInfo("a.wav", 0.2)),
                                 "nmf")  # fmt: skip
    np.testing.assert_array_equal(taken.reconstruction, norms)
    assert taken.reference == reference
