"""Teach the model a new lane from a lane a person labelled: a probe on H, as a new model file.

The editor's "Teach a new lane from this lane" and anything headless call :func:`teach_lane`:
it takes the recordings of a project marked done (a person finished them, so the lane's empty
stretches there are confirmed absences, as fine-tuning reads them), extracts H with the frozen
model (cached in the project folder, so teaching again after two more files costs two files),
trains a frame-level probe for the lane (:mod:`segmenter.probe`: class-weighted, early-stopped
on whole held-out recordings) and writes a new model file whose Θ has one more row: the lane.
Pre-labelling with that file then fills the lane on every recording with a posterior curve, a
threshold and the same "why" as the four classes, because to every door it is just a class.

Qt-free: the GUI runs it on a worker thread with the usual progress and cancel protocol.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from annotator.core import Annotation, AnnotatorError, Project, RecordingStatus
from annotator.core.annotation import CLASS_LANES

__all__ = [
    "TeachError",
    "TeachResult",
    "annotations_for",
    "default_output",
    "teach_from_annotations",
    "teach_lane",
]

MIN_POSITIVE_SECONDS = 0.5


class TeachError(AnnotatorError):
    """Why a lane cannot be taught (one line, for a status bar or a CLI)."""


@dataclass
class TeachResult:
    """What was written and how well the new lane did on recordings it never trained on."""

    output: Path
    lane: str
    recordings: list[str]
    held_out: list[str]
    frames: int
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)  # held-out F1 / UAR, when any
    warnings: list[str] = field(default_factory=list)
    where: str = "recordings marked done"

    def summary(self) -> str:
        """One line for the status bar."""
        if self.metrics:
            row = self.metrics["classes"][self.lane]
            score = f"held-out F1 {row['f1']:.2f}, UAR {self.metrics['uar']:.2f}"
        else:
            score = "no recording could be held out: not measured"
        return (
            f"lane {self.lane!r} taught from {len(self.recordings)} {self.where} in "
            f"{self.seconds:.1f} s ({score}); saved {self.output.name}"
        )


def default_output(project: Project | None, model: Path, lane: str) -> Path:
    """A new file in the project's ``models`` folder, named after the model, lane and time."""
    folder = (project.state_dir if project is not None else model.parent) / "models"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{model.stem}+{lane}-{stamp}.safetensors"


def _check_lane(lane: str, model_lanes: tuple[str, ...]) -> None:
    if not lane or any(ch.isspace() for ch in lane):
        raise TeachError(f"lane {lane!r}: a taught lane needs a one-word name (rename the lane)")
    if lane in CLASS_LANES or lane in model_lanes:
        raise TeachError(f"lane {lane!r} is a class of the model already; choose a user lane")


def teach_lane(
    project: Project,
    model_path: str | Path,
    lane: str,
    output: str | Path,
    *,
    progress: Any = None,
    cancel: threading.Event | None = None,
) -> TeachResult:
    """Train lane ``lane`` from the project's done recordings and write ``output``.

    Raises :class:`TeachError` (nothing to learn from, a lane that cannot be a class, an
    output that would replace the model) or ``segmenter.errors.Cancelled``."""
    done = [e for e in project.rescan() if e.status == RecordingStatus.DONE]
    labelled = [(e.rel_path, e.path, project.load(e)) for e in done]
    return teach_from_annotations(
        labelled, model_path, lane, output, cache_dir=project.state_dir / "activations",
        progress=progress, cancel=cancel, where="recordings marked done",
    )  # fmt: skip


def annotations_for(
    recordings: list[tuple[str, Path]], labels: str | Path
) -> tuple[list[tuple[str, Path, Annotation]], list[str]]:
    """Each recording's labels among the annotation files of ``labels`` (one file, e.g. a
    multi-recording RTTM, or a folder of them such as ``annotator label --out`` writes), matched
    by recording name as ``annotator compare`` matches them; returns the labelled recordings
    and the names of those no file labels. An unreadable file is a one-line `TeachError`."""
    from annotator.formats import FormatError, format_for, read_annotations
    from annotator.formats.matching import matching_id

    source = Path(labels)
    if source.is_dir():
        files = []
        for path in sorted(source.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            try:
                format_for(path)
            except FormatError:
                continue
            files.append(path)
    elif source.is_file():
        files = [source]
    else:
        raise TeachError(f"{source}: no such file or folder of labels")
    found: dict[str, Annotation] = {}
    for path in files:
        try:
            found.update(read_annotations(path))
        except FormatError as exc:
            raise TeachError(str(exc)) from exc
    if not found:
        raise TeachError(f"{source}: no annotation files in it")
    ids = list(found)
    labelled, missing = [], []
    for name, audio in recordings:
        chosen = matching_id(ids, audio)
        if chosen is None:
            missing.append(name)
        else:
            labelled.append((name, audio, found[chosen]))
    return labelled, missing


def teach_from_annotations(
    labelled: list[tuple[str, Path, Annotation]],
    model_path: str | Path,
    lane: str,
    output: str | Path,
    *,
    cache_dir: str | Path | None = None,
    progress: Any = None,
    cancel: threading.Event | None = None,
    where: str = "labelled recordings",
) -> TeachResult:
    """Train lane ``lane`` from ``(name, audio, annotation)`` triples whose annotations are a
    person's full labels (a gap in the lane is an absence) and write ``output``; H is cached
    under ``cache_dir`` (None: not cached). Raises `TeachError` or ``Cancelled``."""
    from segmenter.checkpoint import load_model
    from segmenter.classes import lane_name
    from segmenter.decisions import Thresholds
    from segmenter.errors import Cancelled, SegmenterError
    from segmenter.probe.activations import ActivationCache, file_activations
    from segmenter.probe.head import save_with_probe
    from segmenter.probe.labels import Span, frame_targets
    from segmenter.probe.linear import activation_fingerprint
    from segmenter.probe.probe_file import base_description
    from segmenter.probe.train import Example, TrainOptions, train_probe
    from segmenter.progress import check_cancelled, report

    started = time.perf_counter()
    model_path, out = Path(model_path), Path(output)
    if out.resolve() == model_path.resolve():
        raise TeachError(f"{out}: is the model taught from; choose a new file")
    if out.is_dir():
        raise TeachError(f"{out}: is a folder; give a model file name")
    try:
        model, info = load_model(model_path)
    except SegmenterError as exc:
        raise TeachError(str(exc)) from exc
    model_lanes = tuple(lane_name(c) for c in info.classes)
    _check_lane(lane, model_lanes)
    chosen = []
    for name, audio, annotation in labelled:
        if lane in annotation:
            turns = [Span(s.start, s.end, lane) for s in annotation.lane(lane) if s.end > s.start]
            chosen.append((name, audio, turns))
    positive = sum(t.end - t.start for _, _, turns in chosen for t in turns)
    if not chosen or positive < MIN_POSITIVE_SECONDS:
        raise TeachError(
            f"lane {lane!r}: needs {where} with at least {MIN_POSITIVE_SECONDS:g} s labelled on "
            f"it (found {len(chosen)} with the lane, {positive:.1f} s)"
        )
    fingerprint = activation_fingerprint(model)
    cache = ActivationCache(cache_dir, fingerprint) if cache_dir is not None else None
    frame = model.spectrogram.hop_length / model.spectrogram.sample_rate
    examples = []
    for i, (name, audio, turns) in enumerate(chosen):
        check_cancelled(cancel, "teaching a lane")
        report(progress, 0.8 * i / len(chosen), f"activations of {name}")
        try:
            H, _ = file_activations(model, audio, cache, cancel=cancel)
        except Cancelled:
            raise
        except SegmenterError as exc:  # an unreadable recording names itself
            raise TeachError(str(exc)) from exc
        target = frame_targets(turns, (lane,), H.shape[1], frame, "multilabel")
        examples.append(Example(name, H, target, name=name))

    def training_progress(fraction: float, message: str = "") -> None:
        report(progress, 0.8 + 0.15 * fraction, message)

    thresholds = {lane: Thresholds(onset=0.5, offset=0.4, min_on=0.1, min_off=0.1)}
    probe, result = train_probe(
        examples, (lane,), level="frame", mode="multilabel", options=TrainOptions(),
        thresholds=thresholds, base=base_description(model, model_path), frame_duration=frame,
        progress=training_progress, cancel=cancel,
    )  # fmt: skip
    check_cancelled(cancel, "teaching a lane")
    report(progress, 0.97, "writing the model")
    out.parent.mkdir(parents=True, exist_ok=True)
    save_with_probe(model_path, probe, out)
    report(progress, 1.0, "done")
    warnings = []
    if not result.get("validation"):
        warnings.append("every recording was needed for training: nothing held out")
    return TeachResult(
        output=out,
        lane=lane,
        recordings=[name for name, _, _ in chosen],
        held_out=list(result["validation_groups"]),
        frames=int(result["train_rows"] + result["validation_rows"]),
        seconds=time.perf_counter() - started,
        metrics=result.get("validation") or {},
        warnings=warnings,
        where=where,
    )
