"""Model evidence of one recording: what the views draw, what the threshold sliders re-decide
from, and its cache beside the sidecar so a pre-labelled file reopens without the model.

The cache is two files in the project's state folder, next to the sidecar::

    <rel>.evidence.npz    posteriors (C, T) float32, activations H (K, T) float16, ``heat``,
                          H as the heat map draws it (log-compressed, uint8), and the model's
                          explanation parameters W (F, K), theta (C, K), bias (C,) when known;
                          ``reconstruction`` (2, T) float32, ‖X − W·H‖ and ‖X‖ per frame,
                          when the run measured it
    <rel>.evidence.json   model name, classes, lanes, frame length, thresholds, recording stamp,
                          and the model's reference profile (what its validation data looked
                          like to it) and review calibration when the model file has them

Kept apart so a threshold change (saved with the labels) rewrites a few hundred bytes rather
than the arrays. The archive is an uncompressed ``.npz`` written and read through
`mapped_arrays`: written block by block, its members mapped in place when read, so a ten-hour
recording's evidence (1.4 GB of H and ``heat``) costs disk, not memory; 2-D members are stored
time-major so that the frames a view shows are one contiguous read. H goes to float16: it is only drawn, and an hour of a K = 256 model is 92 MB
instead of 184. Opening reads only the posteriors and ``heat`` (46 MB for that hour, ready to
draw: no percentile or logarithm over 46 million values on the way to the first paint);
`load_activations` reads H itself when something needs the numbers. The recording's size and
modification time are stored with it: evidence of a recording that has changed since is ignored,
never shown against the wrong audio.

W, Θ and the bias (a few hundred kB) travel with the evidence so the inspector and the
why-this-label panel work on a reopened file without loading the model; caches written before
they were stored simply lack them (the panels then say to pre-label again).

No Qt in here (the package is under the no-Qt import contract), so headless code can read the
cache too; the decision rule comes from ``segmenter.decisions`` and is imported only when a
slider moves, so opening a file does not pay for importing torch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core import Annotation, Lane, RecordingInfo, Segment, Source
from annotator.core.atomic import atomic_write_text
from annotator.evidence.mapped_arrays import (
    MAPPED_BYTES,
    column_blocks,
    is_mapped,
    map_npz,
    release_mappings,
    sample_columns,
    time_major_file,
    write_npz,
)

log = logging.getLogger(__name__)

CACHE_VERSION = 1
ARRAYS_SUFFIX = ".evidence.npz"
META_SUFFIX = ".evidence.json"
#: optional arrays of the cache (absent from caches written before they were kept)
EXPLAIN_ARRAYS = ("W", "theta", "bias", "reconstruction")


@dataclass
class Evidence:
    """Posteriors (and H) of one recording, with the thresholds the model segments came from.

    ``classes`` are the decision rule's class codes (``sp``), ``lanes`` the lanes they fill
    (``speech``), row for row with ``posteriors``. ``thresholds`` maps a class code to its
    `segmenter.decisions.Thresholds` fields; empty when the pre-labeler gave none (then the
    sliders are off).
    """

    model: str
    classes: tuple[str, ...]
    lanes: tuple[str, ...]
    posteriors: np.ndarray
    H: np.ndarray | None = None
    frame_s: float = 0.02
    duration: float | None = None
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    prelabeler: str = ""
    #: H as drawn: `display_activations` of it (made once, cached; H itself may stay on disk)
    heat: np.ndarray | None = None
    #: the model's dictionary (F, K), class weights Θ (C, K) and bias (C,): what explains H
    W: np.ndarray | None = None
    theta: np.ndarray | None = None
    bias: np.ndarray | None = None
    #: the model's analysis rate (Hz), with W's rows the frequency axis of a component
    sample_rate: int | None = None
    #: (2, T) ‖X − W·H‖ and ‖X‖ per frame, and the model's reference profile (a dict): what the
    #: review queue's ``unfamiliar`` and ``rare`` items read (`annotator.review.unseen`)
    reconstruction: np.ndarray | None = None
    reference: dict[str, Any] | None = None
    #: the model's review calibration (a dict): what the queue's ``suspect`` and ``missed``
    #: places are ranked by (`annotator.review.likely`)
    calibration: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.heat is None and self.H is not None:
            self.heat = display_activations(self.H)

    @property
    def frame_duration(self) -> float:
        """`frame_s` under the name `annotator.review` reads."""
        return self.frame_s

    @property
    def explainable(self) -> bool:
        """Whether W, Θ, bias and the rate are known (the review tools need all four)."""
        return (
            self.W is not None
            and self.theta is not None
            and self.bias is not None
            and self.sample_rate is not None
        )

    @property
    def tunable(self) -> bool:
        """Whether the segments can be re-decided from the posteriors (all thresholds known)."""
        return bool(self.thresholds) and all(c in self.thresholds for c in self.classes)

    def onsets(self) -> list[float] | None:
        if not self.tunable:
            return None
        return [float(self.thresholds[c].get("onset", 0.5)) for c in self.classes]

    def with_threshold(self, code: str, values: dict[str, float]) -> Evidence:
        thresholds = {c: dict(v) for c, v in self.thresholds.items()}
        thresholds[code] = dict(values)
        return replace(self, thresholds=thresholds)

    def close(self) -> bool:
        """Let go of the mapped arrays (the cache archive, a temporary heat image, a run's H
        file) now: their pages leave memory and, when no view elsewhere still reads them, the
        files are unmapped (`mapped_arrays.release_mappings`). The arrays are emptied; call it
        only when this evidence is no longer shown. True when every mapping was closed."""
        arrays = [getattr(self, name) for name in ("posteriors", "H", "heat", *EXPLAIN_ARRAYS)]
        self.posteriors = np.zeros((len(self.classes), 0), dtype=np.float32)
        self.H = self.heat = self.W = self.theta = self.bias = self.reconstruction = None
        return release_mappings(arrays)

    # --- from a pre-labeler's result ----------------------------------------------------------
    @classmethod
    def from_result(cls, result: Any, annotation: Annotation, prelabeler: str) -> Evidence | None:
        """The evidence a result carries (duck-typed like the NMF bridge's ``ModelEvidence``)."""
        ev = getattr(result, "evidence", None)
        posteriors = getattr(ev, "posteriors", None)
        if posteriors is None:
            return None
        posteriors = np.asarray(posteriors, dtype=np.float32)
        classes = tuple(str(c) for c in getattr(ev, "classes", ()))
        if posteriors.ndim != 2 or len(classes) != posteriors.shape[0]:
            log.warning("pre-labeler %s: evidence without one posterior row per class", prelabeler)
            return None
        lanes = tuple(str(n) for n in getattr(ev, "lanes", classes))
        provenance = annotation.provenance[-1] if annotation.provenance else None
        parameters = provenance.parameters if provenance else {}
        thresholds = parameters.get("thresholds") if isinstance(parameters, dict) else None
        model = prelabeler
        if provenance is not None and provenance.model:
            model = f"{prelabeler} · {Path(str(provenance.model)).name}"
        h = getattr(ev, "H", None)
        parts = {name: _optional_array(ev, name) for name in EXPLAIN_ARRAYS}
        reference = getattr(ev, "reference", None)
        calibration = getattr(ev, "calibration", None)
        rate = getattr(ev, "sample_rate", None)
        return cls(
            model=model,
            classes=classes,
            lanes=lanes if len(lanes) == len(classes) else classes,
            posteriors=posteriors,
            H=None if h is None else np.asarray(h),
            frame_s=float(getattr(ev, "frame_duration", 0.02)),
            duration=annotation.recording.duration,
            thresholds={str(c): dict(v) for c, v in (thresholds or {}).items()},
            prelabeler=prelabeler,
            sample_rate=int(rate) if rate else None,
            reference=dict(reference) if isinstance(reference, dict) else None,
            calibration=dict(calibration) if isinstance(calibration, dict) else None,
            **parts,
        )

    # --- re-deciding ----------------------------------------------------------------------------
    def decide(self, recording: RecordingInfo | None = None) -> Annotation:
        """Model segments from the posteriors at the current thresholds: one lane per class."""
        from segmenter.decisions import Thresholds, decide

        per_class = {c: Thresholds.from_dict(self.thresholds[c]) for c in self.classes}
        decisions = decide(
            self.posteriors, per_class, self.classes, self.frame_s, duration=self.duration
        )
        end = self.duration
        lanes = []
        for code, name in zip(self.classes, self.lanes, strict=True):
            segments = []
            for start, stop, confidence in decisions.get(code, ()):
                stop = min(float(stop), end) if end is not None else float(stop)
                if stop > start:
                    conf = min(1.0, max(0.0, float(confidence)))
                    segments.append(Segment(start, stop, name, conf, Source.MODEL))
            lanes.append(Lane(name, segments))
        return Annotation(lanes, recording=recording)


def _optional_array(source: Any, name: str) -> np.ndarray | None:
    value = getattr(source, name, None)
    return None if value is None else np.asarray(value, dtype=np.float32)


def display_activations(h: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """H (K, T) as a uint8 image: log-compressed around its 99th percentile, so weak atoms stay
    visible next to dominant ones. Column chunks keep the float temporaries small; an image
    larger than `mapped_arrays.MAPPED_BYTES` (or one of a mapped H) is written time-major to a
    temporary mapped file instead of memory (ten hours of K = 256 are 460 MB of it)."""
    h = np.asarray(h)
    if h.ndim != 2 or h.size == 0:
        raise ValueError(f"activations must be a non-empty (K, T) array, got shape {h.shape}")
    sample = sample_columns(h, 4096).astype(np.float32)
    scale = float(np.percentile(np.maximum(sample, 0), 99)) + 1e-12
    top = np.log1p(10.0)  # the 99th percentile: brighter is saturated

    def compressed(block: np.ndarray) -> np.ndarray:
        block = np.maximum(block.astype(np.float32), 0) * (10.0 / scale)
        return np.minimum(np.log1p(block) * (255.0 / top), 255.0).astype(np.uint8)

    if is_mapped(h) or h.shape[0] * h.shape[1] > MAPPED_BYTES:
        blocks = (compressed(block) for _, block in column_blocks(h, chunk))
        return time_major_file(blocks, h.shape[0], np.uint8)
    out = np.empty(h.shape, dtype=np.uint8)
    for a in range(0, h.shape[1], chunk):
        out[:, a : a + chunk] = compressed(h[:, a : a + chunk])
    return out


# --- the cache ------------------------------------------------------------------------------
def cache_paths(sidecar: Path) -> tuple[Path, Path]:
    """The arrays and the metadata file of the recording whose sidecar is ``sidecar``."""
    base = sidecar.name.removesuffix(".annotation.json")
    return sidecar.with_name(base + ARRAYS_SUFFIX), sidecar.with_name(base + META_SUFFIX)


def recording_stamp(audio: Path) -> list[int]:
    stat = audio.stat()
    return [int(stat.st_size), int(stat.st_mtime_ns)]


def _meta(evidence: Evidence, audio: Path) -> dict[str, Any]:
    return {
        "version": CACHE_VERSION,
        "model": evidence.model,
        "prelabeler": evidence.prelabeler,
        "classes": list(evidence.classes),
        "lanes": list(evidence.lanes),
        "frame_s": evidence.frame_s,
        "duration": evidence.duration,
        "thresholds": evidence.thresholds,
        "sample_rate": evidence.sample_rate,
        "recording": recording_stamp(audio),
        "reference": evidence.reference,
        "calibration": evidence.calibration,
    }


def save_evidence(sidecar: Path, audio: Path, evidence: Evidence) -> None:
    """Write both cache files atomically (arrays first, so metadata never names missing arrays)."""
    arrays_path, meta_path = cache_paths(sidecar)
    arrays_path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, tuple[np.ndarray, type]] = {"posteriors": (evidence.posteriors, np.float32)}
    if evidence.H is not None:
        arrays["H"] = (evidence.H, np.float16)
    if evidence.heat is not None:
        arrays["heat"] = (evidence.heat, np.uint8)
    for name in EXPLAIN_ARRAYS:
        value = getattr(evidence, name)
        if value is not None:
            arrays[name] = (value, np.float32)
    write_npz(arrays_path, arrays)
    atomic_write_text(meta_path, json.dumps(_meta(evidence, audio), indent=1))


def save_thresholds(sidecar: Path, audio: Path, evidence: Evidence) -> None:
    """Rewrite only the metadata (the thresholds changed); the arrays are left alone."""
    arrays_path, meta_path = cache_paths(sidecar)
    if arrays_path.exists():
        atomic_write_text(meta_path, json.dumps(_meta(evidence, audio), indent=1))


def load_evidence(sidecar: Path, audio: Path) -> Evidence | None:
    """The cached evidence, or None when there is none, it is unreadable, or the audio changed."""
    arrays_path, meta_path = cache_paths(sidecar)
    if not (arrays_path.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("version") != CACHE_VERSION or meta.get("recording") != recording_stamp(audio):
            return None
        data = map_npz(arrays_path)  # mapped in place: only what is drawn is read
        posteriors = np.asarray(data["posteriors"], dtype=np.float32)
        heat = data.get("heat")
        parts = {n: np.asarray(data[n]) for n in EXPLAIN_ARRAYS if n in data}
        classes = tuple(meta["classes"])
        if posteriors.ndim != 2 or posteriors.shape[0] != len(classes):
            return None
        return Evidence(
            model=str(meta.get("model", "")),
            classes=classes,
            lanes=tuple(meta.get("lanes", classes)),
            posteriors=posteriors,
            heat=heat,
            frame_s=float(meta.get("frame_s", 0.02)),
            duration=meta.get("duration"),
            thresholds={str(c): dict(v) for c, v in (meta.get("thresholds") or {}).items()},
            prelabeler=str(meta.get("prelabeler", "")),
            sample_rate=int(meta["sample_rate"]) if meta.get("sample_rate") else None,
            reference=meta["reference"] if isinstance(meta.get("reference"), dict) else None,
            calibration=meta["calibration"] if isinstance(meta.get("calibration"), dict) else None,
            **parts,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        log.warning("%s: cached model evidence ignored (%s)", arrays_path, exc)
        return None


def load_activations(sidecar: Path) -> np.ndarray | None:
    """The cached activations H (float16), mapped in place: only the frames used are read."""
    arrays_path, _ = cache_paths(sidecar)
    try:
        return map_npz(arrays_path).get("H")
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        log.warning("%s: cached activations unreadable (%s)", arrays_path, exc)
        return None


def remove_evidence(sidecar: Path) -> None:
    for path in cache_paths(sidecar):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
