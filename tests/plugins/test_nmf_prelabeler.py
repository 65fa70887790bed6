"""The bridge: segmenter output → an `Annotation` of model segments, plus the model evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from nmf_prelabeler import NMFPrelabeler, PrelabelResult, decisions_to_annotation, make_prelabeler

from annotator.core import CLASS_LANES, Provenance, RecordingInfo, Source
from annotator.extensions import Waveform, create_prelabeler, to_annotation
from segmenter.errors import ModelFileError, SegmenterError


def test_labels_a_file_with_model_segments_and_provenance(
    tiny_model: Path, recording: Path
) -> None:
    result = make_prelabeler(tiny_model, device="cpu")(recording)
    assert isinstance(result, PrelabelResult)
    annotation = result.annotation
    assert annotation.lane_names == CLASS_LANES
    assert annotation.recording == RecordingInfo(str(recording), 3.0, 16000)
    segments = [s for _, s in annotation.segments()]
    assert segments, "a random model still labels something at 0.5 thresholds"
    for lane, segment in annotation.segments():
        assert segment.source is Source.MODEL and segment.label == lane
        assert 0.0 <= segment.confidence <= 1.0 and segment.end <= 3.0
    (provenance,) = annotation.provenance
    assert provenance.model == str(tiny_model) and provenance.lanes == CLASS_LANES
    assert provenance.parameters["thresholds"]["sp"]["onset"] == 0.5
    assert provenance.parameters["thresholds"]["sp"]["offset"] == 0.4


def test_segments_follow_the_posteriors(tiny_model: Path, recording: Path) -> None:
    """Each segment's confidence is the mean posterior of its frames (the decision rule's)."""
    result = make_prelabeler(tiny_model, device="cpu")(recording)
    ev = result.evidence
    for row, code in enumerate(ev.classes):
        lane = result.annotation.lane(ev.lanes[row])
        for segment in lane:
            frames = ev.posteriors[row, int(round(segment.start / ev.frame_duration)) :
                                   int(round(segment.end / ev.frame_duration))]  # fmt: skip
            if code != "ov":  # overlap is clipped to speech and keeps its parent's confidence
                assert segment.confidence == pytest.approx(frames.mean(), abs=1e-5)


def test_evidence_explains_the_posteriors(tiny_model: Path, recording: Path) -> None:
    result = make_prelabeler(tiny_model, device="cpu", activations="memory")(recording)
    ev = result.evidence
    assert ev.classes == ("sp", "mu", "no", "ov") and ev.lanes == CLASS_LANES
    assert ev.H is not None and ev.H.shape == (16, ev.num_frames)
    assert ev.W.shape == (513, 16) and ev.theta.shape == (4, 16) and ev.bias.shape == (4,)
    rebuilt = 1 / (1 + np.exp(-(ev.theta @ ev.H + ev.bias[:, None])))
    np.testing.assert_allclose(rebuilt, ev.posteriors, atol=1e-5)
    assert make_prelabeler(tiny_model, device="cpu")(recording).evidence.H is None


def test_waveform_in_memory_gives_the_file_result(tiny_model: Path, recording: Path) -> None:
    prelabeler = make_prelabeler(tiny_model, device="cpu")
    from_file = prelabeler(recording).annotation
    samples, rate = sf.read(recording, dtype="float32")
    from_memory = prelabeler(Waveform(samples, rate, "rec.wav")).annotation
    assert from_memory.lanes == from_file.lanes
    assert from_memory.recording.duration == pytest.approx(3.0)


def test_resampled_waveform(tiny_model: Path, make_tone) -> None:
    samples = make_tone(rate=8000)
    annotation = make_prelabeler(tiny_model, device="cpu")(Waveform(samples, 8000)).annotation
    assert annotation.recording.sample_rate == 8000
    assert annotation.recording.duration == pytest.approx(3.0)


def test_threshold_overrides(tiny_model: Path, recording: Path) -> None:
    strict = make_prelabeler(
        tiny_model, device="cpu", thresholds={"sp": {"onset": 1.0, "offset": 1.0}}
    )
    assert strict.thresholds["sp"].offset == 1.0 and strict.thresholds["sp"].min_on == 0.04
    assert len(strict(recording).annotation.lane("speech")) == 0
    with pytest.raises(ValueError, match="unknown class 'xx'"):
        make_prelabeler(tiny_model, device="cpu", thresholds={"xx": {"onset": 0.2}})


def test_registered_as_nmf_and_reports_its_model(tiny_model: Path) -> None:
    prelabeler = create_prelabeler("nmf", {"model": str(tiny_model)}, optional={"device": "auto"})
    assert isinstance(prelabeler, NMFPrelabeler)
    assert prelabeler.depends_on == (tiny_model,)


def test_missing_default_model_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import annotator.resources as resources

    def missing(*parts: str) -> Path:
        raise resources.ResourceMissing("shipped resource models/default.safetensors is missing")

    monkeypatch.setattr(resources, "resource_path", missing)
    with pytest.raises(ModelFileError, match=r"no default model.*--model FILE"):
        make_prelabeler()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_fails_at_once(tiny_model: Path) -> None:
    with pytest.raises(SegmenterError, match="CUDA is not available"):
        make_prelabeler(tiny_model, device="cuda")
    with pytest.raises(SegmenterError, match="unknown device"):
        make_prelabeler(tiny_model, device="gpu")


def test_decisions_to_annotation_is_pure_conversion() -> None:
    annotation = decisions_to_annotation(
        {"sp": [(0.0, 1.0, 0.9), (1.5, 2.06, 1.0000001)], "laugh": [(0.2, 0.4, 0.7)]},
        ("sp", "mu", "laugh"),
        RecordingInfo("a.wav", duration=2.05),
        Provenance("t"),
    )
    assert annotation.lane_names == ("speech", "music", "laugh")
    speech = annotation.lane("speech").segments
    assert speech[1].end == 2.05 and speech[1].confidence == 1.0  # clipped to the recording
    assert len(annotation.lane("music")) == 0
    assert to_annotation(PrelabelResult(annotation, None)) is annotation  # type: ignore[arg-type]
