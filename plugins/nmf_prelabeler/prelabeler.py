"""`NMFPrelabeler`: a model file loaded once, then recording after recording labelled.

The object is what the host calls per file (see ``annotator.extensions``): ``prelabeler(source,
progress=..., cancel=...)`` with a path (decoded block by block, never whole in memory) or a
`Waveform` already in memory. Device choice is checked when the object is built, so asking for
CUDA on a machine without it fails once, clearly, instead of once per file.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from annotator.core import Lane, Provenance, RecordingInfo, Segment, Source
from annotator.extensions import Waveform
from nmf_prelabeler.convert import ModelEvidence, PrelabelResult, decisions_to_annotation
from segmenter.audio import audio_info, resample, to_mono
from segmenter.checkpoint import load_model
from segmenter.classes import lane_name
from segmenter.decisions import Thresholds
from segmenter.errors import ModelFileError, SegmenterError
from segmenter.inference import ACTIVATION_MODES, Prediction, predict_file, predict_waveform
from segmenter.inference import resolve_device as _resolve
from segmenter.probe.linear import LinearProbe
from segmenter.probe.probe_file import check_base, load_probe
from segmenter.progress import ProgressCallback

if TYPE_CHECKING:
    from annotator.extensions import Prelabeler

TOOL = "nmf-annotator NMF segmenter"


def default_model_path() -> Path:
    """The shipped model, or a `ModelFileError` saying none is installed."""
    from annotator.resources import ResourceMissing, default_model

    try:
        return default_model()
    except ResourceMissing as exc:
        raise ModelFileError(str(exc)) from None


def resolve_device(device: str) -> torch.device:
    """``auto`` picks the best available; an explicit CUDA/MPS request must be satisfiable."""
    try:
        chosen = _resolve(device)
    except (RuntimeError, ValueError) as exc:
        raise SegmenterError(f"unknown device {device!r} (use auto, cpu, cuda or cuda:N)") from exc
    if chosen.type == "cuda":
        if not torch.cuda.is_available():
            raise SegmenterError(f"device {device!r}: CUDA is not available on this machine")
        if chosen.index is not None and chosen.index >= torch.cuda.device_count():
            raise SegmenterError(
                f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) present"
            )
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise SegmenterError(f"device {device!r}: Apple MPS is not available on this machine")
    return chosen


class NMFPrelabeler:
    """Pre-label with an NMF segmenter model file (speech, music, noise, overlap lanes)."""

    description = "NMF segmenter: speech, music, noise and overlap lanes from a model file"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str = "auto",
        activations: str = "none",
        chunk_seconds: float = 60.0,
        thresholds: Mapping[str, Mapping[str, float] | Thresholds] | None = None,
        reconstruction: bool | None = None,
        probes: Sequence[str | Path] | None = None,
    ) -> None:
        """``reconstruction`` (default: when H is kept, i.e. for the editor) also measures per
        frame how well W·H rebuilds X, for the review queue's unfamiliar sounds; batch labelling
        (``activations="none"``) skips that cost. ``probes`` are probe files (``segmenter probe
        train``) read from the same H: each adds its lanes after the model's (a frame-level
        probe one lane per class, a file-level probe one lane holding the file's label); a
        probe trained on another base model is refused here, once, in one line."""
        if activations not in ACTIVATION_MODES:
            raise ValueError(f"activations must be one of {', '.join(ACTIVATION_MODES)}")
        self.model_path = Path(model) if model is not None else default_model_path()
        self.device = resolve_device(str(device))
        self.model, self.info = load_model(self.model_path, device=self.device)
        self.thresholds = dict(self.info.thresholds)
        for code, value in (thresholds or {}).items():
            if code not in self.thresholds:
                known = ", ".join(self.info.classes)
                raise ValueError(f"thresholds for unknown class {code!r} (classes: {known})")
            base = self.thresholds[code].to_dict()
            update = value.to_dict() if isinstance(value, Thresholds) else dict(value)
            self.thresholds[code] = Thresholds.from_dict({**base, **update})
        self.activations = activations
        self.reconstruction = activations != "none" if reconstruction is None else reconstruction
        self.chunk_seconds = float(chunk_seconds)
        self.probes = [(Path(p), load_probe(p)) for p in probes or ()]
        for path, probe in self.probes:
            check_base(probe, self.model, path, self.model_path)
        self.depends_on = (self.model_path, *(path for path, _ in self.probes))
        self.lanes = tuple(lane_name(c) for c in self.info.classes) + self._probe_lanes()

    def _probe_lanes(self) -> tuple[str, ...]:
        """The lanes the probes add, in order; a name taken twice is refused (two lanes of
        one name cannot both be written)."""
        taken = [lane_name(c) for c in self.info.classes]
        for path, probe in self.probes:
            names = probe_lane_names(path, probe)
            clash = sorted(set(names) & set(taken))
            if clash:
                raise ValueError(f"{path}: lane(s) {', '.join(clash)} exist already")
            taken.extend(names)
        return tuple(taken[len(self.info.classes) :])

    def __repr__(self) -> str:
        return f"NMFPrelabeler({str(self.model_path)!r}, device={str(self.device)!r})"

    def __call__(
        self,
        source: str | Path | Waveform,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> PrelabelResult:
        activations = self.activations
        if self.probes and activations == "none":
            activations = "memory"  # the probes read H; it is dropped again below
        options: dict[str, Any] = dict(
            chunk_seconds=self.chunk_seconds, device=self.device, progress=progress,
            cancel=cancel, activations=activations, reconstruction=self.reconstruction,
        )  # fmt: skip
        if isinstance(source, Waveform):
            rate = int(source.sample_rate)
            samples = to_mono(np.asarray(source.samples, dtype=np.float32))
            duration = samples.size / rate
            samples = resample(samples, rate, self.model.spectrogram.sample_rate)
            prediction = predict_waveform(self.model, samples, **options)
            recording = RecordingInfo(path=source.name, duration=duration, sample_rate=rate)
        else:
            info = audio_info(source)
            prediction = predict_file(self.model, source, **options)
            recording = RecordingInfo(
                path=str(source), duration=info.duration, sample_rate=info.sample_rate
            )
        annotation = decisions_to_annotation(
            prediction.segments(self.thresholds), self.info.classes, recording,
            self._provenance(prediction),
        )  # fmt: skip
        for path, probe in self.probes:
            for lane in probe_lanes(path, probe, prediction, recording.duration):
                annotation.add_lane(lane)
        if self.probes and self.activations == "none":
            prediction.H = None
        return PrelabelResult(annotation, self._evidence(prediction))

    def _provenance(self, prediction: Prediction) -> Provenance:
        parameters = {
            "thresholds": {c: t.to_dict() for c, t in self.thresholds.items()},
            "classes": {c: lane_name(c) for c in self.info.classes},
            "device": str(self.device),
            "method": prediction.method,
            "model_created": self.info.created,
            "segmenter_version": self.info.segmenter_version,
        }
        return Provenance(
            tool=TOOL,
            lanes=self.lanes,
            model=str(self.model_path),
            parameters=parameters,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )

    def _evidence(self, prediction: Prediction) -> ModelEvidence:
        with torch.no_grad():
            W = self.model.W.detach().cpu().numpy().copy()
            theta = self.model.classifier.weight.detach().cpu().numpy().copy()
            bias = self.model.classifier.bias.detach().cpu().numpy().copy()
        return ModelEvidence(
            classes=tuple(prediction.classes),
            lanes=self.lanes,
            posteriors=prediction.posteriors,
            H=prediction.H,
            W=W,
            theta=theta,
            bias=bias,
            frame_duration=prediction.frame_duration,
            sample_rate=prediction.sample_rate,
            reconstruction=prediction.reconstruction,
            reference=self.info.training.get("reference_profile"),
            calibration=self.info.training.get("review_calibration"),
        )


if TYPE_CHECKING:

    def _fits_the_host(prelabeler: NMFPrelabeler) -> Prelabeler:
        """The type checker's proof that the host can call what `make_prelabeler` builds."""
        return prelabeler


def probe_lane_names(path: Path, probe: LinearProbe) -> tuple[str, ...]:
    """A frame-level probe's lanes are its classes; a file-level probe has one lane, named by
    ``training["lane"]`` (``segmenter probe train --lane``) or else by the file's first stem."""
    if probe.level == "frame":
        return tuple(lane_name(c) for c in probe.classes)
    return (str(probe.training.get("lane") or path.name.split(".")[0]),)


def probe_lanes(
    path: Path, probe: LinearProbe, prediction: Prediction, duration: float | None
) -> list[Lane]:
    """The lanes a probe gives for one recording: decided segments per class (frame level,
    the probe's thresholds), or one segment over the whole file labelled with the class it
    chose and its posterior as confidence (file level)."""
    end = float(duration) if duration is not None else prediction.duration
    H = prediction.H
    if H is None:  # NMFPrelabeler keeps H whenever it has probes
        raise ValueError(f"{path}: the probe reads the activations H, which were not kept")
    if probe.level == "file":
        label, confidence = probe.file_label(H)
        (name,) = probe_lane_names(path, probe)
        segments = [Segment(0.0, end, label, min(1.0, max(0.0, confidence)), Source.MODEL)]
        return [Lane(name, segments if end > 0 else [])]
    decided = probe.segments(H, prediction.frame_duration, prediction.duration)
    lanes = []
    for code in probe.classes:
        name = lane_name(code)
        segments = []
        for start, stop, confidence in decided[code]:
            stop = min(float(stop), end)
            if stop > start:
                conf = min(1.0, max(0.0, float(confidence)))
                segments.append(Segment(start, stop, name, conf, Source.MODEL))
        lanes.append(Lane(name, segments))
    return lanes
