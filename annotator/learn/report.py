"""What a fine-tune did, told so that it cannot flatter itself (issue 21).

The report has three parts, each per class:

* **data** — seconds of confirmed positives and negatives the fine-tune learned from, and
  whether the class was trained (and if not, why);
* **held-out** — on confirmed recordings the fine-tune never saw: reference seconds, and F1
  before/after *only where there is reference time*. A class with no reference time has no
  meaningful F1 (pyannote-style counting gives 1 for an empty hypothesis and 0 for one
  false-alarm frame), so it gets its false-alarm seconds instead, and the summary is the
  harmonic mean over the classes with reference time only — the report that once rose
  "0.000 → 0.85" from music that was never there cannot happen;
* **forgetting check** — the same figures on material nobody corrected (the shipped demo), with
  the starting model's and the new model's own thresholds; a class whose F1 drops by more than
  ``FORGET_TOLERANCE`` there is named in :attr:`FinetuneReport.forgotten`.

Plain data (JSON-ready with :meth:`FinetuneReport.to_dict`), and :func:`format_report` lines
shared by ``annotator finetune`` and the GUI dialog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from segmenter.decisions import Thresholds, decide
from segmenter.evaluation import evaluate, harmonic_mean
from segmenter.evaluation.detection import DetectionCounts
from segmenter.inference import Prediction
from segmenter.training.data import Recording

__all__ = [
    "FORGET_TOLERANCE",
    "ClassScore",
    "FinetuneReport",
    "SetScore",
    "format_report",
    "score_set",
]

FORGET_TOLERANCE = 0.02
"""Largest F1 drop of any class on the forgetting check that still lets the model be saved."""


@dataclass
class ClassScore:
    """One class on one set of recordings, before and after."""

    reference_s: float
    before_f1: float | None  # None when the class has no reference time there
    after_f1: float | None
    before_false_alarm_s: float
    after_false_alarm_s: float

    @property
    def has_reference(self) -> bool:
        return self.reference_s > 0

    @property
    def drop(self) -> float:
        """How much F1 fell (0 when it rose or there is no F1)."""
        if self.before_f1 is None or self.after_f1 is None:
            return 0.0
        return max(0.0, self.before_f1 - self.after_f1)


@dataclass
class SetScore:
    """Per-class scores of one set of recordings and its honest summary."""

    name: str
    recordings: list[str]
    classes: dict[str, ClassScore]

    def summary(self, when: str) -> float | None:
        """Harmonic mean of F1 ``"before"`` or ``"after"`` over classes with reference time."""
        values = [
            getattr(s, f"{when}_f1") for s in self.classes.values() if s.before_f1 is not None
        ]
        return harmonic_mean(values) if values else None


@dataclass
class FinetuneReport:
    """Everything the fine-tune measured; see the module docstring."""

    recordings: int  # recordings learned from
    positive_s: dict[str, float]  # confirmed positive seconds per class, training recordings
    negative_s: dict[str, float]
    trained: list[str]
    not_trained: dict[str, str]  # class -> why
    held_out: SetScore | None
    check: SetScore | None
    forgotten: list[str] = field(default_factory=list)
    threshold_changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the project's own unconfirmed recordings (the replay set): seconds labelled per class by
    # the starting and the new model — no reference there, but drift shows
    replay: dict[str, tuple[float, float]] | None = None
    replay_recordings: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (no NaN), for the model file's metadata."""
        return _finite(asdict(self))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _counts(
    predictions: Mapping[str, Prediction],
    thresholds: Mapping[str, Thresholds],
    recordings: Sequence[Recording],
    classes: Sequence[str],
) -> dict[str, DetectionCounts]:
    """Corpus detection counts per class, each on the recordings annotating it."""
    out: dict[str, DetectionCounts] = {}
    hyps = {
        r.uri: decide(
            predictions[r.uri].posteriors, {c: thresholds[c] for c in classes}, classes,
            duration=predictions[r.uri].duration,
        )
        for r in recordings
    }  # fmt: skip
    for c in classes:
        subset = [r for r in recordings if c in r.annotated]
        if not subset:
            continue
        refs = {r.uri: {c: list(r.spans.get(c, []))} for r in subset}
        hyp = {r.uri: {c: [(d.start, d.end) for d in hyps[r.uri].get(c, [])]} for r in subset}
        uems = {r.uri: r.region for r in subset}
        out[c] = evaluate(refs, hyp, uems, classes=(c,)).time[c]
    return out


def labelled_seconds(
    keys: Sequence[str],
    before: tuple[Mapping[str, Prediction], Mapping[str, Thresholds]],
    after: tuple[Mapping[str, Prediction], Mapping[str, Thresholds]],
    classes: Sequence[str],
) -> dict[str, tuple[float, float]]:
    """Seconds each model labels per class over ``keys``, ``(before, after)``: on recordings
    nobody confirmed there is no F1 to give, but a class that doubles or vanishes is visible."""
    totals = {c: [0.0, 0.0] for c in classes}
    for side, (predictions, thresholds) in enumerate((before, after)):
        for key in keys:
            pred = predictions[key]
            decided = decide(
                pred.posteriors, {c: thresholds[c] for c in classes}, classes,
                duration=pred.duration,
            )  # fmt: skip
            for c in classes:
                totals[c][side] += sum(d.end - d.start for d in decided.get(c, []))
    return {c: (b, a) for c, (b, a) in totals.items()}


def score_set(
    name: str,
    recordings: Sequence[Recording],
    before: tuple[Mapping[str, Prediction], Mapping[str, Thresholds]],
    after: tuple[Mapping[str, Prediction], Mapping[str, Thresholds]],
    classes: Sequence[str],
) -> SetScore:
    """Before/after scores of ``recordings``: ``(predictions, thresholds)`` of each model."""
    b = _counts(*before, recordings, classes) if recordings else {}
    a = _counts(*after, recordings, classes) if recordings else {}
    per_class = {}
    for c in b:
        has_ref = b[c].relevant > 0
        per_class[c] = ClassScore(
            reference_s=b[c].relevant,
            before_f1=b[c].f1 if has_ref else None,
            after_f1=a[c].f1 if has_ref else None,
            before_false_alarm_s=b[c].retrieved - b[c].relevant_retrieved,
            after_false_alarm_s=a[c].retrieved - a[c].relevant_retrieved,
        )
    return SetScore(name, [r.uri for r in recordings], per_class)


def _f(value: float | None) -> str:
    return "  –  " if value is None else f"{value:.3f}"


def _set_lines(score: SetScore) -> list[str]:
    lines = [f"{score.name} ({len(score.recordings)} recording(s))"]
    lines.append("  class  reference s   F1 before  F1 after   false alarm s before → after")
    for c, s in score.classes.items():
        if s.has_reference:
            lines.append(
                f"  {c:<5}  {s.reference_s:>11.1f}   {_f(s.before_f1):>9}  {_f(s.after_f1):>8}   "
                f"{s.before_false_alarm_s:.1f} → {s.after_false_alarm_s:.1f}"
            )
        else:
            lines.append(
                f"  {c:<5}  {0.0:>11.1f}   {'no F1 (no reference time)':>19}   "
                f"{s.before_false_alarm_s:.1f} → {s.after_false_alarm_s:.1f}"
            )
    b, a = score.summary("before"), score.summary("after")
    if b is not None and a is not None:
        with_ref = ", ".join(c for c, s in score.classes.items() if s.has_reference)
        lines.append(f"  harmonic mean over {with_ref}: {b:.3f} → {a:.3f}")
    return lines


def format_report(report: FinetuneReport) -> list[str]:
    """The report as plain lines (CLI output; the GUI shows the same lines)."""
    lines = [f"learned from {report.recordings} recording(s)"]
    lines.append("  class  positive s  negative s  trained")
    for c in report.positive_s:
        why = "yes" if c in report.trained else f"no: {report.not_trained.get(c, '')}"
        lines.append(
            f"  {c:<5}  {report.positive_s[c]:>10.1f}  {report.negative_s[c]:>10.1f}  {why}"
        )
    if report.held_out is not None and report.held_out.recordings:
        lines += _set_lines(report.held_out)
    else:
        lines.append("held-out: no confirmed recording held out; F1 before/after not measured")
    if report.check is not None and report.check.recordings:
        lines += _set_lines(report.check)
        if report.forgotten:
            lines.append(
                f"  FORGETTING: F1 dropped by more than {FORGET_TOLERANCE:g} for "
                + ", ".join(report.forgotten)
            )
        else:
            lines.append(f"  no class dropped by more than {FORGET_TOLERANCE:g}")
    else:
        lines.append("forgetting check: not run")
    if report.replay:
        changed = ", ".join(f"{c} {b:.1f} → {a:.1f}" for c, (b, a) in report.replay.items())
        lines.append(
            f"your unconfirmed recordings ({report.replay_recordings}, no reference): "
            f"seconds labelled {changed}"
        )
    if report.threshold_changes:
        lines.append("thresholds changed: " + "; ".join(report.threshold_changes))
    else:
        lines.append("thresholds: unchanged")
    return lines
