"""Learning from corrections, tried as a user would (issue 21): does it help, does it forget?

Run: ``python benchmarks/finetune_from_corrections.py [--model resources/models/default.safetensors]
[--ami ../shared/data/ami] [--json out.json] [--threes]`` (about 2 minutes on one thread; 3 more
with ``--threes``).

The experiment: the ten AMI train clips (5 min of far-field meetings) are put in a fresh project
in a temporary folder, as the editor saves a corrected file — the reference speech and overlap
entered as *human* segments, the music and noise lanes left empty (the meetings have none), the
recording marked done. Then ``finetune_project`` runs with each setting below, and the new model
is used on material it was not tuned on:

* **AMI dev** (dev00, dev01): speech F1 and overlap F1, with the seconds labelled overlap
  (2.8 s are true overlap), time-based, collar 0, within the UEM;
* **the shipped demo**: speech / music / noise F1 against its exact reference — the classes
  the meetings say nothing about, i.e. the forgetting check.

Rows: the starting model; fine-tuning with its defaults; ``steps=100``; ``train_psi``;
``tune_thresholds=False``; and the defaults with only 3 of the 10 clips marked done (the other
seven stay in the project, unconfirmed, and serve as its replay set); ``--threes`` adds five
other choices of the three. A model the fine-tune refuses to save for forgetting
is still scored (from the result's in-memory model), and its row says "refused".
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from segmenter.checkpoint import load_model
from segmenter.decisions import Thresholds, decide
from segmenter.evaluation.intervals import total
from segmenter.model import NMFSegmenter
from segmenter.training.assess import predict_recordings, score_segments
from segmenter.training.data import Recording

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prelabel_edit_cost import DEFAULT_AMI, DEFAULT_MODEL, ami_set, demo_set  # noqa: E402

THREE_DONE = ("trn00", "trn04", "trn07")
"""The clips marked done in the "3 of 10" row: fixed, so the row is reproducible."""


@dataclass
class Variant:
    """One row: a fine-tune setting and which train clips are marked done."""

    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    done: Sequence[str] | None = None  # None: all ten


OTHER_THREES = (
    ("trn01", "trn02", "trn03"), ("trn05", "trn06", "trn08"), ("trn02", "trn08", "trn09"),
    ("trn03", "trn05", "trn09"), ("trn01", "trn06", "trn07"),
)  # fmt: skip
"""More choices of three done clips (``--threes``): which three are done changes the result."""

VARIANTS = (
    Variant("finetune, defaults"),
    Variant("steps=100", {"steps": 100}),
    Variant("train_psi", {"train_psi": True}),
    Variant("tune_thresholds=False", {"tune_thresholds": False}),
    Variant("3 of 10 clips done", {}, THREE_DONE),
)


def build_project(folder: Path, train: Sequence[Recording], done: Sequence[str] | None):
    """A project over copies of the train clips, each corrected as the editor saves it."""
    from annotator.core import (
        Annotation,
        Lane,
        Project,
        RecordingInfo,
        RecordingStatus,
        Segment,
        Source,
    )

    folder.mkdir(parents=True)
    for rec in train:
        shutil.copy(rec.path, folder / rec.path.name)
    project = Project.create(folder)
    by_uri = {r.uri: r for r in train}
    for entry in project.recordings:
        rec = by_uri[Path(entry.rel_path).stem]
        if done is not None and rec.uri not in done:
            continue
        lanes = [
            Lane(name, [Segment(a, b, name, None, Source.HUMAN) for a, b in rec.spans.get(c, [])])
            for c, name in (("sp", "speech"), ("mu", "music"), ("no", "noise"), ("ov", "overlap"))
        ]
        info = RecordingInfo(entry.rel_path, entry.duration, 16000)
        project.save(entry, Annotation(lanes, info), RecordingStatus.DONE)
    return project


def scores(
    model: NMFSegmenter, thresholds: Mapping[str, Thresholds], recordings: list[Recording]
) -> tuple[dict[str, Any], float]:
    """``score_segments`` of the model's decisions, and the seconds labelled overlap."""
    predictions = predict_recordings(model, recordings, device="cpu")
    hyps = {
        r.uri: decide(predictions[r.uri].posteriors, dict(thresholds), model.classes,
                      duration=predictions[r.uri].duration)
        for r in recordings
    }  # fmt: skip
    overlap_s = sum(total([(d.start, d.end) for d in h.get("ov", [])]) for h in hyps.values())
    return score_segments(hyps, recordings, model.classes), overlap_s


def row(name: str, model, thresholds, dev, demo, note: str = "") -> dict[str, Any]:
    dev_scores, overlap_s = scores(model, thresholds, dev)
    demo_scores, _ = scores(model, thresholds, demo)
    f1 = {c: v["f1"] for c, v in demo_scores["classes"].items()}
    return {
        "model": name,
        "dev_sp": dev_scores["classes"]["sp"]["f1"],
        "dev_ov": dev_scores["classes"]["ov"]["f1"],
        "dev_ov_labelled_s": overlap_s,
        "dev_ov_true_s": dev_scores["classes"]["ov"]["reference_s"],
        "demo": {c: f1[c] for c in ("sp", "mu", "no")},
        "note": note,
    }


def run(model_path: Path, ami: Path, variants: Sequence[Variant]) -> list[dict[str, Any]]:
    from annotator.learn import FinetuneConfig, finetune_project

    torch.set_num_threads(1)
    dev, demo, train = ami_set(ami, "dev"), demo_set(), ami_set(ami, "train")
    base, info = load_model(model_path)
    rows = [row("starting model", base, info.thresholds, dev, demo)]
    with tempfile.TemporaryDirectory(prefix="finetune-bench-") as tmp:
        for i, variant in enumerate(variants):
            project = build_project(Path(tmp) / f"p{i}", train, variant.done)
            config = FinetuneConfig(device="cpu", **variant.settings)
            result = finetune_project(project, model_path, Path(tmp) / f"m{i}.safetensors", config)
            note = "" if result.saved else "refused: " + "; ".join(result.refusals)
            rows.append(row(variant.name, result.model, result.thresholds, dev, demo, note))
            print(format_table(rows[-1:]), file=sys.stderr)
    return rows


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    lines = [
        "| model | AMI dev speech F1 | AMI dev overlap F1 (s labelled, s true) "
        "| demo speech / music / noise F1 | note |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        demo = " / ".join(f"{r['demo'][c]:.3f}" for c in ("sp", "mu", "no"))
        lines.append(
            f"| {r['model']} | {r['dev_sp']:.3f} | {r['dev_ov']:.3f} "
            f"({r['dev_ov_labelled_s']:.1f} s, {r['dev_ov_true_s']:.1f} s) | {demo} | {r['note']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model to start from")
    parser.add_argument("--ami", type=Path, default=DEFAULT_AMI, help="the AMI clips folder")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only these rows (repeatable)"
    )
    parser.add_argument(
        "--threes", action="store_true", help="also five other choices of 3 of 10 done clips"
    )
    args = parser.parse_args(argv)
    for needed in (args.model, args.ami / "train.rttm", args.ami / "dev.rttm"):
        if not needed.exists():
            print(f"finetune_from_corrections: {needed}: not found", file=sys.stderr)
            return 1
    variants = [v for v in VARIANTS if not args.only or v.name in args.only]
    if args.threes:
        variants += [Variant(f"3 done: {', '.join(t)}", {}, t) for t in OTHER_THREES]
    rows = run(args.model, args.ami, variants)
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
