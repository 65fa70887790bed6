"""Which catalogue files a trained model hears as another class than their label says.

The catalogue labels whole files by package and folder (nobody listened to ten thousand game
sounds), so a "noise" pack may hide a spoken line and a "music" folder a radio jingle with a
voice. A wrong label teaches the model the wrong thing on every chunk that draws the file. This
audit runs a model over each clean source file alone and reports, per catalogue source, how much
of the file's own active time the model labels as each class, then lists the files where a
*conflicting* class (speech in music or noise files, music in speech or noise files) covers most
of the active time: the ones to listen to first.

It is a triage list, not a relabelling: a model trained on these very files agrees with them by
construction, so audit with a model that did not train on them (the shipped model against newly
added packages) or read high agreement with suspicion.

    python -m segmenter.recipes.audit --cache cache --model resources/models/default.safetensors
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segmenter.checkpoint import load_model
from segmenter.inference.api import predict_waveform
from segmenter.recipes.bank import item_masks, mapped_audio
from segmenter.recipes.sources import Item, load_manifest

__all__ = ["FileAudit", "audit_items", "conflicting", "main", "source_table"]

KIND_CLASS = {"speech": "sp", "music": "mu", "noise": "no"}
"""The model class a catalogue kind is labelled as."""

CONFLICTS = {"speech": ("mu",), "music": ("sp",), "noise": ("sp", "mu")}
"""Classes that contradict a kind's label (noise under speech is allowed, so not listed)."""


@dataclass
class FileAudit:
    """One file: its active seconds and the seconds of them the model labels each class."""

    item: Item
    active_seconds: float
    labelled: dict[str, float] = field(default_factory=dict)

    def share(self, cls: str) -> float:
        """Fraction of the active time labelled ``cls`` (0 for a silent file)."""
        if self.active_seconds <= 0:
            return 0.0
        return self.labelled.get(cls, 0.0) / self.active_seconds


def conflicting(audit: FileAudit) -> float:
    """The largest share of a class that contradicts the file's label."""
    return max((audit.share(cls) for cls in CONFLICTS[audit.item.kind]), default=0.0)


def _frame_mask(samples: np.ndarray, hop: int, frames: int) -> np.ndarray:
    """Sample mask → frame mask (a frame is active when most of its samples are)."""
    usable = min(samples.size // hop, frames)
    mask = np.zeros(frames, dtype=bool)
    if usable:
        mask[:usable] = samples[: usable * hop].reshape(usable, hop).mean(axis=1) > 0.5
    return mask


def audit_items(cache: Path, model_path: Path, items: Iterable[Item]) -> list[FileAudit]:
    """Label each item alone with the model and measure agreement inside its active mask."""
    model, info = load_model(model_path)
    rate = model.spectrogram.sample_rate
    results = []
    for item in items:
        audio = np.asarray(mapped_audio(cache, item), dtype=np.float32)
        active, _ = item_masks(cache, item)
        if audio.size < rate // 10:
            continue
        prediction = predict_waveform(model, audio, activations="none", device="cpu")
        hop = int(round(prediction.frame_duration * rate))
        own = _frame_mask(np.asarray(active), hop, prediction.num_frames)
        seconds = prediction.frame_duration
        audit = FileAudit(item, float(own.sum()) * seconds)
        for cls, decisions in prediction.segments(info.thresholds).items():
            frames = np.zeros(prediction.num_frames, dtype=bool)
            for decision in decisions:
                frames[int(decision.start / seconds) : int(np.ceil(decision.end / seconds))] = True
            audit.labelled[cls] = float((frames & own).sum()) * seconds
        results.append(audit)
    return results


def source_table(audits: list[FileAudit]) -> str:
    """Markdown: per catalogue source, active minutes and the share labelled each class."""
    totals: dict[str, FileAudit] = {}
    for audit in audits:
        row = totals.setdefault(audit.item.source, FileAudit(audit.item, 0.0))
        row.active_seconds += audit.active_seconds
        for cls, secs in audit.labelled.items():
            row.labelled[cls] = row.labelled.get(cls, 0.0) + secs
    classes = ("sp", "mu", "no", "ov")
    lines = [
        "| source | kind | active min | " + " | ".join(f"% {c}" for c in classes) + " |",
        "|---|---|---|" + "---|" * len(classes),
    ]
    for name, row in sorted(totals.items(), key=lambda kv: (kv[1].item.kind, kv[0])):
        shares = " | ".join(f"{100 * row.share(c):.0f}" for c in classes)
        lines.append(f"| {name} | {row.item.kind} | {row.active_seconds / 60:.1f} | {shares} |")
    return "\n".join(lines)


def worst_files(audits: list[FileAudit], count: int, min_seconds: float = 1.0) -> str:
    """Markdown: the files whose conflicting share is largest (at least ``min_seconds`` active)."""
    ranked = sorted(
        (a for a in audits if a.active_seconds >= min_seconds), key=conflicting, reverse=True
    )
    lines = ["| file | kind | active s | conflicting % |", "|---|---|---|---|"]
    for audit in ranked[:count]:
        origin = audit.item.origin or audit.item.id
        lines.append(
            f"| {origin} | {audit.item.kind} | {audit.active_seconds:.1f} "
            f"| {100 * conflicting(audit):.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the per-source table and the files to listen to first."""
    parser = argparse.ArgumentParser(prog="python -m segmenter.recipes.audit")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--package", action="append", default=[], help="only these packages")
    parser.add_argument("--kind", action="append", default=[], choices=sorted(CONFLICTS))
    parser.add_argument("--worst", type=int, default=30, help="files listed (default 30)")
    args = parser.parse_args(argv)
    items = [
        item
        for item in load_manifest(args.cache)
        if item.kind in CONFLICTS
        and (not args.package or item.package in args.package)
        and (not args.kind or item.kind in args.kind)
    ]
    audits = audit_items(args.cache, args.model, items)
    print(source_table(audits))
    print()
    print(worst_files(audits, args.worst))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
