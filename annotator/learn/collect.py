"""Which labels of a project a person has confirmed, as class spans with where they are known.

Two policies (``include``):

* ``"done"`` (default) — recordings whose status is DONE. A person marked the file finished, so
  every segment in its class lanes is confirmed, whoever drew it, and every stretch a class lane
  leaves empty is a confirmed *absence*: the label is known over the whole recording for each
  class whose lane exists (a missing lane leaves its class unknown).
* ``"done+human"`` — also the HUMAN segments of recordings not marked done, as positives only:
  in a file still under review an empty stretch may simply not have been looked at, so it says
  nothing, and only the time inside the human segments is known (for that lane's class). These
  files can only be trained on, never held out for scoring, and they need DONE files beside
  them to supply negatives.

Overlap implies speech (SPEC): overlap time counts as speech wherever speech is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.core import Annotation, Project, RecordingStatus, SidecarError, Source, load_sidecar
from annotator.review.evidence import LANE_OF_CLASS

__all__ = ["INCLUDE_POLICIES", "LabelledRecording", "collect_confirmed"]

INCLUDE_POLICIES = ("done", "done+human")
Span = tuple[float, float]


@dataclass
class LabelledRecording:
    """A recording's confirmed labels: ``spans[c]`` positives, ``known[c]`` where c is known."""

    rel_path: str
    path: Path
    duration: float
    spans: dict[str, list[Span]]
    known: dict[str, list[Span]]
    confirmed: bool  # DONE: known everywhere for its lanes, usable for scoring

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(c for c, spans in self.known.items() if spans)


@dataclass
class Collected:
    recordings: list[LabelledRecording] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _labels(
    annotation: Annotation, classes: tuple[str, ...], duration: float, confirmed: bool
) -> tuple[dict[str, list[Span]], dict[str, list[Span]]]:
    spans: dict[str, list[Span]] = {c: [] for c in classes}
    known: dict[str, list[Span]] = {c: [] for c in classes}
    for c in classes:
        lane_name = LANE_OF_CLASS.get(c, c)
        if lane_name not in annotation:
            continue
        segments = [
            (s.start, min(s.end, duration))
            for s in annotation.lane(lane_name)
            if confirmed or s.source is Source.HUMAN
        ]
        spans[c] = _merge(segments)
        known[c] = [(0.0, duration)] if confirmed else list(spans[c])
    if "sp" in classes and "ov" in classes and spans["ov"]:
        if not confirmed:  # a person's overlap is a person's speech
            known["sp"] = known["sp"] + spans["ov"]
        if known["sp"]:
            spans["sp"] = _merge(spans["sp"] + spans["ov"])
    return spans, {c: _merge(k) for c, k in known.items()}


def collect_confirmed(
    project: Project, classes: tuple[str, ...] = ("sp", "mu", "no", "ov"), include: str = "done"
) -> Collected:
    """The project's confirmed labels under policy ``include`` (see the module docstring).

    Recordings that cannot be decoded or whose sidecar cannot be read are skipped with a
    warning naming them; so are recordings without any confirmed label.
    """
    if include not in INCLUDE_POLICIES:
        raise ValueError(f"include must be one of {', '.join(INCLUDE_POLICIES)}, got {include!r}")
    out = Collected()
    for entry in project.recordings:
        confirmed = entry.status is RecordingStatus.DONE
        if not confirmed and include == "done":
            continue
        sidecar = project.sidecar_path(entry)
        if not sidecar.exists():
            if confirmed:
                out.warnings.append(f"{entry.path}: marked done but has no saved labels; skipped")
            continue
        if entry.audio_error or not entry.duration:
            out.warnings.append(f"{entry.path}: {entry.audio_error or 'no audio'}; skipped")
            continue
        try:
            annotation = load_sidecar(sidecar).annotation
        except SidecarError as exc:
            out.warnings.append(f"{sidecar}: {exc}; skipped")
            continue
        spans, known = _labels(annotation, classes, float(entry.duration), confirmed)
        if not any(known.values()):
            if confirmed:
                out.warnings.append(f"{entry.path}: no class lanes to learn from; skipped")
            continue
        out.recordings.append(
            LabelledRecording(entry.rel_path, entry.path, float(entry.duration), spans, known,
                              confirmed)
        )  # fmt: skip
    return out
