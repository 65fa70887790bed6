"""Learn from corrections: fine-tune the class layer on confirmed labels without forgetting.

What moves (issue 21): only the rows of Θ (and the bias) of the classes the corrections speak
for. A class is trained when the training recordings hold at least ``min_class_s`` seconds of
confirmed positives *and* of confirmed negatives; a class whose lane was left empty (music in a
meeting) has no positives, so it is never trained — its empty lane would otherwise teach the
model that the class never happens, anywhere. ``classes`` narrows the set (a named class that
lacks the data is refused, naming the seconds). W and Ψ stay frozen, so H is what the model
already computes and the fit is a small convex problem on stored activations. With
``train_psi`` Ψ learns too, on random 4 s chunks (W still frozen).

The anchor to the starting model, for the rows that do move: the masked BCE on the confirmed
labels is mixed with a distillation term — BCE towards the *starting model's own posteriors*
on the corrected audio and on a replay set (recordings of the project nobody confirmed) — and a
pull on the squared distance to the starting Θ rows. Distillation keeps the model's behaviour
on everything the corrections do not contradict; the pull keeps the weights themselves near.
The pull grows when there is less than ``anchor_seconds`` of confirmed training audio
(``anchor × anchor_seconds / seconds``), because a couple of clips say less about the rest of
the world than ten do (measured: two AMI clips at the plain weight cost demo speech 0.030).

Thresholds: only classes that were trained and hold at least ``tune_min_s`` seconds of
positives and of negatives are re-tuned, over onset and offset only, each within ``max_threshold_change`` of
the starting value; minimum durations, confidence floor and padding stay as the starting
model has them. Every change is listed in the report.

What is reported (:mod:`.report`): data per class, held-out before/after (F1 only where there
is reference time), a forgetting check on the shipped demo. A class that drops by more than
``FORGET_TOLERANCE`` there makes the fine-tune refuse to save, unless ``allow_forgetting``
(then it saves with a loud warning).

What is written: a new model file carrying provenance (base model hash, recordings and seconds
per class, settings, the report). The starting model and anything inside the installed package
or its shipped resources are refused as outputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core import Project, RecordingStatus
from annotator.learn.collect import LabelledRecording, collect_confirmed
from annotator.learn.config import FinetuneConfig, LearnError
from annotator.learn.fit import as_recording, fit_psi, fit_theta, retune_thresholds
from annotator.learn.report import (
    FORGET_TOLERANCE,
    FinetuneReport,
    SetScore,
    labelled_seconds,
    score_set,
)
from annotator.learn.split import split_held_out, unit_hash
from segmenter.checkpoint import load_model, save_model
from segmenter.decisions import Thresholds
from segmenter.inference import Prediction, predict_file, predict_waveform
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report, sub_progress
from segmenter.spans import intersect, total, union
from segmenter.training.data import Recording
from segmenter.training.labels import frame_coverage

__all__ = [
    "FinetuneConfig",
    "FinetuneResult",
    "LearnError",
    "check_output",
    "demo_check_set",
    "finetune_project",
    "save_result",
]


@dataclass
class FinetuneResult:
    output: Path
    saved: bool  # False: refused (see ``refusals``); `save_result` can still write it
    refusals: list[str]
    report: FinetuneReport
    model: NMFSegmenter
    thresholds: dict[str, Thresholds]
    train_files: list[str]
    held_out_files: list[str]
    frames: int  # confirmed frames Θ was fitted on
    training: dict[str, Any]  # what the model file's "training" metadata holds / would hold
    metrics: dict[str, Any]
    losses: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _forbidden_roots() -> list[Path]:
    import annotator

    roots = [Path(annotator.__file__).resolve().parent]
    try:
        from annotator.resources import resources_root

        roots.append(resources_root().resolve())
    except FileNotFoundError:
        pass
    return roots


def check_output(output: str | Path, model: str | Path, overwrite: bool = False) -> Path:
    """The output path, or a `LearnError` if writing there could lose a model."""
    out = Path(output).expanduser().resolve()
    source = Path(model).expanduser()
    if out == source.resolve() or (
        out.exists() and source.exists() and os.path.samefile(out, source)
    ):
        raise LearnError(f"{out}: is the model being fine-tuned; choose a new file")
    for root in _forbidden_roots():
        if out == root or root in out.parents:
            raise LearnError(f"{out}: inside the installed package or its shipped resources")
    if out.is_dir():
        raise LearnError(f"{out}: is a folder; give a model file name")
    if out.exists() and not overwrite:
        raise LearnError(f"{out}: exists already; choose a new name, or pass --force to replace it")
    if not out.parent.is_dir():
        raise LearnError(f"{out.parent}: folder does not exist")
    return out


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------- data
def class_seconds(
    recordings: Sequence[LabelledRecording], classes: Sequence[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Confirmed positive and negative seconds per class over ``recordings``."""
    pos = dict.fromkeys(classes, 0.0)
    neg = dict.fromkeys(classes, 0.0)
    for rec in recordings:
        for c in classes:
            known = rec.known.get(c, [])
            inside = total(intersect(union(rec.spans.get(c, [])), union(known)))
            pos[c] += inside
            neg[c] += max(0.0, total(known) - inside)
    return pos, neg


def choose_classes(
    pos: dict[str, float], neg: dict[str, float], config: FinetuneConfig
) -> tuple[list[str], dict[str, str]]:
    """The classes to train and, for the others, why not. Raises `LearnError` when a class
    asked for lacks the data, or when no class has enough."""
    floor = config.min_class_s
    unknown = [c for c in config.classes or () if c not in pos]
    if unknown:
        raise LearnError(f"unknown class {unknown[0]!r} (the model has {', '.join(pos)})")
    trained, skipped = [], {}
    for c in pos:
        if config.classes is not None and c not in config.classes:
            skipped[c] = "not asked for"
        elif pos[c] == 0:
            skipped[c] = "no confirmed positive time (an empty lane is not evidence of absence)"
        elif pos[c] < floor or neg[c] < floor:
            skipped[c] = f"under {floor:g} s of positives or negatives"
        else:
            trained.append(c)
    for c in config.classes or ():
        if c not in trained:
            raise LearnError(
                f"class {c!r} cannot be trained: {pos[c]:.1f} s of confirmed positives and "
                f"{neg[c]:.1f} s of negatives (at least {floor:g} s of each needed)"
            )
    if not trained:
        amounts = ", ".join(f"{c} {pos[c]:.1f} s" for c in pos)
        raise LearnError(
            f"no class has {floor:g} s of confirmed positives and negatives to learn from "
            f"({amounts})"
        )
    return trained, skipped


def _targets(
    rec: LabelledRecording, classes: tuple[str, ...], n: int, model: NMFSegmenter
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and mask (C, T): the training data's frame rule (half the analysis window)."""
    cfg = model.spectrogram
    half = 0.5 * cfg.frame_length / cfg.sample_rate - 1e-9
    labels = np.zeros((len(classes), n), dtype=np.float32)
    mask = np.zeros((len(classes), n), dtype=np.float32)
    for i, c in enumerate(classes):
        labels[i] = frame_coverage(rec.spans.get(c, []), 0.0, n, cfg) >= half
        mask[i] = frame_coverage(rec.known.get(c, []), 0.0, n, cfg) >= half
    return labels, mask


def demo_check_set(classes: Sequence[str]) -> list[Recording]:
    """The shipped demo with its exact reference: material nobody corrected, for the
    forgetting check. Read only (no project is made in the resources folder)."""
    from annotator.resources import resources_root
    from segmenter.training.data import Corpus, load_corpus

    folder = resources_root() / "demo"
    annotated = tuple(c for c in ("sp", "mu", "no", "ov") if c in classes)
    return load_corpus(Corpus(rttm=[folder / "demo.rttm"], audio_dir=folder, annotated=annotated))


class _Activations:
    """Each recording's prediction by the starting model, with H kept for re-scoring."""

    def __init__(self, model: NMFSegmenter, device: str) -> None:
        self.model, self.device = model, device
        self.H: dict[str, np.ndarray] = {}
        self.base: dict[str, Prediction] = {}

    def add(
        self,
        key: str,
        source: Path | np.ndarray,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> np.ndarray:
        check_cancelled(cancel, "fine-tuning")
        options: dict[str, Any] = dict(
            device=self.device, activations="memory", progress=progress, cancel=cancel
        )
        if isinstance(source, np.ndarray):
            pred = predict_waveform(self.model, source, **options)
        else:
            pred = predict_file(self.model, source, **options)
        self.H[key] = np.asarray(pred.H, dtype=np.float32)
        self.base[key] = dataclasses.replace(pred, H=None)
        return self.H[key]

    def repredict(self, model: NMFSegmenter, keys: Sequence[str]) -> dict[str, Prediction]:
        """Posteriors of a new Θ on the stored activations (Ψ frozen: H did not change)."""
        weight = model.classifier.weight.detach().cpu().numpy().astype(np.float64)
        bias = model.classifier.bias.detach().cpu().numpy().astype(np.float64)
        out = {}
        for key in keys:
            logits = weight @ self.H[key].astype(np.float64) + bias[:, None]
            posteriors = (0.5 * (1.0 + np.tanh(0.5 * logits))).astype(np.float32)
            out[key] = dataclasses.replace(
                self.base[key], posteriors=posteriors, logits=logits.astype(np.float32)
            )
        return out


def _replay_entries(project: Project, used: set[str], seconds: float) -> list[Any]:
    """Recordings of the project nobody confirmed, up to ``seconds``, in a stable order."""
    chosen, total = [], 0.0
    entries = [
        e for e in project.recordings
        if e.rel_path not in used and e.status is not RecordingStatus.DONE
        and not e.audio_error and e.duration
    ]  # fmt: skip
    for entry in sorted(entries, key=lambda e: unit_hash(e.rel_path, "nmf-annotator/replay")):
        if total >= seconds:
            break
        chosen.append(entry)
        total += float(entry.duration or 0.0)  # all have one (filtered above)
    return chosen


# ------------------------------------------------------------------------------------- job
def _refuse_empty(project: Project, collected: Any, config: FinetuneConfig) -> None:
    if config.include == "done+human" and not any(r.confirmed for r in collected.recordings):
        raise LearnError(
            f"{project.root}: --include done+human needs recordings marked done (they supply the "
            "negatives; human segments elsewhere are positives only); none is marked done"
        )
    if not collected.recordings:
        raise LearnError(
            f"{project.root}: no confirmed labels to learn from (mark corrected recordings done)"
        )


def _data_warnings(
    trained: list[str], pos: dict[str, float], n_recordings: int, config: FinetuneConfig
) -> list[str]:
    out = []
    if n_recordings < config.warn_recordings:
        out.append(
            f"only {n_recordings} recording(s) to learn from (fewer than "
            f"{config.warn_recordings}): the result depends on which ones"
        )
    for c in trained:
        if pos[c] < config.warn_class_s:
            out.append(
                f"only {pos[c]:.1f} s of confirmed {c} (under {config.warn_class_s:g} s): "
                "little to learn from"
            )
    return out


def finetune_project(
    project: Project,
    model_path: str | Path,
    output: str | Path,
    config: FinetuneConfig | None = None,
    *,
    overwrite: bool = False,
    check: Sequence[Recording] | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> FinetuneResult:
    """Fine-tune ``model_path`` on ``project``'s confirmed labels and save the result to
    ``output`` unless the forgetting check refuses it (see the module docstring). ``check``
    replaces the forgetting-check material (default: the shipped demo). Raises `LearnError`,
    `Cancelled` or segmenter errors (unreadable model or recording), each one line."""
    config = config or FinetuneConfig()
    out = check_output(output, model_path, overwrite)
    model, info = load_model(model_path)
    base_hash = file_sha256(model_path)
    classes = tuple(model.classes)
    collected = collect_confirmed(project, classes, config.include)
    _refuse_empty(project, collected, config)
    train_recs, held = split_held_out(collected.recordings, config.held_out)
    if not train_recs:
        raise LearnError(f"{project.root}: every confirmed recording is held out; none to train on")
    pos, neg = class_seconds(train_recs, classes)
    try:
        trained, skipped = choose_classes(pos, neg, config)
    except LearnError as exc:  # name the model for an unknown class, the project otherwise
        where = model_path if "unknown class" in str(exc) else project.root
        raise LearnError(f"{where}: {exc}") from None
    rows = [classes.index(c) for c in trained]
    warnings = list(collected.warnings) + _data_warnings(trained, pos, len(train_recs), config)

    # activations of the starting model: training, held-out, replay and check recordings
    acts = _Activations(model, config.device)
    replay = _replay_entries(project, {r.rel_path for r in collected.recordings}, config.replay_s)
    check_set = list(check) if check is not None else (
        demo_check_set(classes) if config.check_forgetting else []
    )  # fmt: skip
    jobs: list[tuple[str, Path | np.ndarray]] = (
        [(f"train:{r.rel_path}", r.path) for r in train_recs]
        + [(f"held:{r.rel_path}", r.path) for r in held]
        + [(f"replay:{e.rel_path}", e.path) for e in replay]
        + [(f"check:{r.uri}", r.audio if r.audio is not None else r.path) for r in check_set]
    )
    report(progress, 0.0, "analysing recordings")
    for i, (key, source) in enumerate(jobs):
        acts.add(key, source, sub_progress(progress, 0.4 * i / len(jobs), 0.4 * (i + 1) / len(jobs)),
                 cancel)  # fmt: skip

    rng = np.random.default_rng(config.seed)
    total = sum(r.duration for r in train_recs) or 1.0
    parts, distil = [], []
    for rec in train_recs:
        H = acts.H[f"train:{rec.rel_path}"]
        labels, mask = _targets(rec, classes, H.shape[1], model)
        keep = np.flatnonzero(mask[rows].any(axis=0))
        quota = max(1, math.ceil(config.max_frames * rec.duration / total))
        if keep.size > quota:
            keep = np.sort(rng.choice(keep, size=quota, replace=False))
        parts.append((H[:, keep].T.copy(), labels[:, keep].T, mask[:, keep].T))
        distil.append(H.T)
    distil += [acts.H[f"replay:{e.rel_path}"].T for e in replay]
    frames = sum(p[0].shape[0] for p in parts)
    if not frames:
        raise LearnError("the confirmed recordings hold no labelled frames")
    x, y, m = (np.concatenate([p[j] for p in parts]) for j in range(3))
    labelled = (x, y, m)
    replay_frames = np.concatenate(distil) if distil else np.zeros((0, model.W.shape[1]))
    if replay_frames.shape[0] > config.max_frames:
        pick = rng.choice(replay_frames.shape[0], size=config.max_frames, replace=False)
        replay_frames = replay_frames[np.sort(pick)]

    fit = sub_progress(progress, 0.4, 0.85)
    if config.train_psi:
        confirmed = [r for r in train_recs if r.confirmed]
        losses = fit_psi(model, rows, confirmed, config, fit, cancel)
    else:
        seconds = sum(r.duration for r in train_recs if r.confirmed) or 1.0
        scaled = dataclasses.replace(
            config, anchor=config.anchor * max(1.0, config.anchor_seconds / seconds)
        )
        losses = fit_theta(model, rows, labelled, replay_frames.astype(np.float32), scaled, fit,
                            cancel)  # fmt: skip
    del labelled, replay_frames, distil, parts

    report(progress, 0.85, "choosing thresholds and scoring")
    keys = list(acts.H)
    if config.train_psi:
        new_preds = {}
        for key, source in jobs:
            check_cancelled(cancel, "fine-tuning")
            opts: dict[str, Any] = dict(device=config.device, activations="none")
            new_preds[key] = (
                predict_waveform(model, source, **opts) if isinstance(source, np.ndarray)
                else predict_file(model, source, **opts)
            )  # fmt: skip
    else:
        new_preds = acts.repredict(model, keys)
    start = dict(info.thresholds)
    confirmed_train = [r for r in train_recs if r.confirmed]
    tune_recs = [
        dataclasses.replace(as_recording(r, classes), uri=f"train:{r.rel_path}")
        for r in confirmed_train
    ]
    thresholds, changes = retune_thresholds(
        new_preds, tune_recs, classes, trained, pos, neg, start, config
    )

    def scored(name: str, prefix: str, recs: list[Recording]) -> SetScore:
        renamed = [dataclasses.replace(r, uri=f"{prefix}{r.uri}") for r in recs]
        result = score_set(name, renamed, (acts.base, start), (new_preds, thresholds), classes)
        result.recordings = [r.uri for r in recs]
        return result

    held_score = scored("held-out confirmed recordings", "held:",
                        [as_recording(r, classes) for r in held]) if held else None  # fmt: skip
    check_score = scored("forgetting check (shipped demo)" if check is None else
                         "forgetting check", "check:", check_set) if check_set else None  # fmt: skip
    forgotten = [
        f"{c} ({s.before_f1:.3f} → {s.after_f1:.3f})"
        for c, s in (check_score.classes.items() if check_score else ())
        if s.drop > FORGET_TOLERANCE
    ]
    refusals: list[str] = []
    if forgotten and not config.allow_forgetting:
        refusals.append(
            "not saved: on the forgetting check F1 dropped by more than "
            f"{FORGET_TOLERANCE:g} for {', '.join(forgotten)}"
        )
    elif forgotten:
        warnings.append(
            f"FORGETTING ALLOWED: F1 dropped by more than {FORGET_TOLERANCE:g} on the "
            f"forgetting check for {', '.join(forgotten)}"
        )
    replay_keys = [f"replay:{e.rel_path}" for e in replay]
    fine_report = FinetuneReport(
        recordings=len(train_recs), positive_s=pos, negative_s=neg, trained=trained,
        not_trained=skipped, held_out=held_score, check=check_score,
        forgotten=forgotten, threshold_changes=changes, warnings=list(warnings),
        replay=labelled_seconds(replay_keys, (acts.base, start), (new_preds, thresholds),
                                classes) if replay else None,
        replay_recordings=len(replay),
    )  # fmt: skip
    provenance = {
        "base_sha256": base_hash,
        "base_file": Path(model_path).name,
        "base_created": info.created,
        "previous": info.training.get("finetune"),
        "project": str(project.root),
        "include": config.include,
        "parts": "theta+psi" if config.train_psi else "theta",
        "trained_classes": trained,
        "recordings": [
            {
                "name": r.rel_path,
                "role": "train" if r in train_recs else "held_out",
                "confirmed": r.confirmed,
                "duration_s": r.duration,
                "seconds": class_seconds([r], classes)[0],
            }
            for r in train_recs + held
        ],  # fmt: skip
        "seconds": pos,
        "settings": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(config).items()
        },  # fmt: skip
        "replay_files": [e.rel_path for e in replay],
        "report": fine_report.to_dict(),
    }
    result = FinetuneResult(
        output=out, saved=False, refusals=refusals, report=fine_report, model=model,
        thresholds=thresholds, train_files=[r.rel_path for r in train_recs],
        held_out_files=[r.rel_path for r in held], frames=int(frames),
        training={**info.training, "finetune": provenance},
        metrics={"finetune": fine_report.to_dict(), "base": info.metrics},
        losses=losses, warnings=warnings,
    )  # fmt: skip
    if not refusals:  # with forgetting allowed, the file says the check was overridden
        save_result(result, overwrite=overwrite, forced=bool(forgotten))
    report(progress, 1.0, f"saved {out.name}" if result.saved else "not saved (forgetting)")
    return result


def save_result(result: FinetuneResult, *, overwrite: bool = False, forced: bool = False) -> Path:
    """Write the fine-tuned model with its provenance. ``forced`` records that a person chose
    to keep a model the forgetting check refused (the file says so)."""
    training = result.training
    if forced:
        training = {**training, "finetune": {**training["finetune"], "forgetting_overridden": True}}
    if result.output.exists() and not overwrite and not result.saved:
        raise LearnError(
            f"{result.output}: exists already; choose a new name, or pass --force to replace it"
        )
    save_model(result.model, result.output, thresholds=result.thresholds,
               metrics=result.metrics, training=training)  # fmt: skip
    result.saved = True
    return result.output
