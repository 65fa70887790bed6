"""Does a pre-label save work? Edits per minute to correct each lane, beside labelling from scratch.

Run: ``python benchmarks/prelabel_edit_cost.py [--model resources/models/default.safetensors]...
[--ami ../shared/data/ami] [--cache cache] [--json out.json]`` (about a minute on 2 CPU cores;
the validation mixtures need the recipe cache, ``python -m segmenter.recipes fetch``).

For every set and system it prints, per lane, time-based F1 and the edits per minute of audio a
person needs to turn the system's segments into the reference (the rule of
``../shared/tools/edit_cost.py``, ported in :mod:`segmenter.evaluation.edit_cost`), and the total.
Systems: each ``--model`` with the thresholds stored in it, **empty lanes** (start from scratch:
every reference segment must be added), and **silero-vad** for the speech lane when the
``silero-vad`` package is installed (``pip install 'nmf-annotator[baselines]'``; its weights ship
in the package, nothing is downloaded), run with its documented defaults.

Sets (each lane is scored only where the set annotates it):

* ``demo`` — ``resources/demo/demo.flac`` with its four-class reference;
* ``ami_dev`` — the AMI dev clips: speech is the union of the speaker turns and overlap where two
  or more talk (inside the UEM); **music counts as annotated and empty** (a meeting has none, so
  every music segment is an edit to delete), noise is not scored (the meetings' door knocks and
  paper rustle are not annotated);
* ``validation`` — the recipe's scoring mixtures (150 chunks of held-out source files, exact
  references; with ``--cache``), the same recordings the recipe reports its F1 on. They are
  drawn from every source in the cache; ``--first-sources`` keeps the first catalogue's eleven
  (the figures measured before issue 16 added packages).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from segmenter.checkpoint import load_model
from segmenter.decisions import CLASSES, decide
from segmenter.training.assess import predict_recordings, score_segments
from segmenter.training.data import Corpus, Recording, load_corpus

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "resources" / "models" / "default.safetensors"
DEFAULT_AMI = ROOT.parent / "shared" / "data" / "ami"
Hypotheses = dict[str, dict[str, list[tuple[float, float]]]]


def demo_set(folder: Path = ROOT / "resources" / "demo") -> list[Recording]:
    return load_corpus(Corpus(rttm=folder / "demo.rttm", audio_dir=folder, annotated=CLASSES))


def ami_set(folder: Path, split: str = "dev") -> list[Recording]:
    uem = folder / f"{split}.uem"
    return load_corpus(
        Corpus(
            rttm=folder / f"{split}.rttm", audio_dir=folder, uem=[uem] if uem.is_file() else [],
            annotated=("sp", "mu", "ov"),
        )
    )  # fmt: skip


FIRST_SOURCES = (
    "alsa-noise", "alsa-speech", "ami", "asc-music", "asterisk-en", "asterisk-fr",
    "asterisk-moh", "fillets-music", "fillets-noise", "fillets-speech", "freedesktop-noise",
)  # fmt: skip
"""The catalogue before issue 16 grew it: what the models up to the edit-tuned D0 heard."""


def validation_set(cache: Path, exclude: Sequence[str] = ()) -> list[Recording]:
    """The recipe's scoring mixtures, built exactly as ``recipes.train`` builds them, from the
    validation files of the cache's sources (less ``exclude``)."""
    from segmenter.recipes.bank import SourceBank
    from segmenter.recipes.mixing import ChunkGenerator, MixConfig
    from segmenter.recipes.train import RecipeConfig
    from segmenter.recipes.tuning import scoring_set

    config = RecipeConfig()
    bank = SourceBank.from_cache(cache, "validation", tuple(exclude))
    generator = ChunkGenerator(bank, MixConfig())
    return scoring_set(generator, config.eval_chunks, config.chunks_per_recording, config.seed)


def system_name(path: Path) -> str:
    """A model's row name: the shipped one by name, any other by the path given (two runs'
    files are often both called ``default.safetensors``, and rows must not merge)."""
    return "shipped model" if path.resolve() == DEFAULT_MODEL.resolve() else str(path)


def model_system(path: Path) -> Callable[[list[Recording]], Hypotheses]:
    model, info = load_model(path)

    def run(recordings: list[Recording]) -> Hypotheses:
        predictions = predict_recordings(model, recordings, device="cpu")
        return {
            r.uri: decide(
                predictions[r.uri].posteriors, info.thresholds, model.classes,
                duration=predictions[r.uri].duration,
            )
            for r in recordings
        }  # fmt: skip

    return run


def silero_system() -> Callable[[list[Recording]], Hypotheses] | None:
    """silero-vad with its defaults, or None when the package is not installed."""
    try:
        from silero_vad import get_speech_timestamps, load_silero_vad
    except ImportError:
        return None
    model = load_silero_vad()

    def run(recordings: list[Recording]) -> Hypotheses:
        out: Hypotheses = {}
        for r in recordings:
            audio = r.audio if r.audio is not None else r.samples(0, int(r.duration * 16000), 16000)
            stamps = get_speech_timestamps(
                torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)), model,
                sampling_rate=16000, return_seconds=True, time_resolution=3,
            )  # fmt: skip
            out[r.uri] = {"sp": [(float(s["start"]), float(s["end"])) for s in stamps]}
        return out

    return run


def run_benchmark(
    sets: Mapping[str, list[Recording]],
    systems: Mapping[str, Callable[[list[Recording]], Hypotheses]],
    classes: Sequence[str] = CLASSES,
) -> dict[str, dict[str, Any]]:
    """``{set: {system: score_segments(...)}}``, with ``empty lanes`` added to every set."""
    out: dict[str, dict[str, Any]] = {}
    for set_name, recordings in sets.items():
        rows: dict[str, Any] = {}
        for system, run in systems.items():
            hyps = run(recordings)
            scored = [c for c in classes if any(c in h for h in hyps.values())]
            rows[system] = score_segments(hyps, recordings, scored)
        rows["empty lanes"] = score_segments({}, recordings, classes)
        out[set_name] = rows
    return out


def format_results(results: Mapping[str, Mapping[str, Any]], classes: Sequence[str]) -> str:
    """One table per set: per lane 'F1 / edits per min', and the total edits per minute."""
    lines = []
    for set_name, rows in results.items():
        scored = [c for c in classes if any(c in r["classes"] for r in rows.values())]
        minutes = max(
            (m["minutes"] for r in rows.values() for m in r["classes"].values()), default=0.0
        )
        lines.append(f"\n{set_name} ({minutes:.1f} min): F1 / edits per minute")
        lines.append(f"{'system':<28}" + "".join(f"{c:>15}" for c in scored) + f"{'total':>9}")
        for system, result in rows.items():
            cells = []
            for c in scored:
                m = result["classes"].get(c)
                if m is None:
                    cells.append(f"{'-':>15}")
                elif system == "empty lanes":
                    cells.append(f"{'- / ':>10}{m['edits_per_min']:5.2f}")
                else:
                    cells.append(f"{m['f1']:>8.3f} / {m['edits_per_min']:4.2f}")
            total = sum(result["classes"][c]["edits_per_min"] for c in result["classes"])
            lines.append(f"{system:<28}" + "".join(cells) + f"{total:>9.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, action="append", help="(repeatable)")
    parser.add_argument("--ami", type=Path, default=DEFAULT_AMI, help="AMI clips folder")
    parser.add_argument("--cache", type=Path, help="recipe cache: adds the validation mixtures")
    parser.add_argument(
        "--first-sources",
        action="store_true",
        help="validation mixtures from the first catalogue's sources only (what D0 heard), so "
        "figures compare with those measured before the catalogue grew",
    )
    parser.add_argument("--no-silero", action="store_true", help="leave silero-vad out")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)

    sets: dict[str, list[Recording]] = {"demo": demo_set()}
    if (args.ami / "dev.rttm").is_file():
        sets["ami_dev"] = ami_set(args.ami)
    else:
        print(f"note: {args.ami}/dev.rttm not found; AMI dev left out", file=sys.stderr)
    if args.cache is not None:
        exclude: tuple[str, ...] = ()
        if args.first_sources:
            from segmenter.recipes.sources import load_manifest

            known = {item.source for item in load_manifest(args.cache)}
            exclude = tuple(sorted(known - set(FIRST_SOURCES)))
        sets["validation"] = validation_set(args.cache, exclude)
    systems: dict[str, Callable[[list[Recording]], Hypotheses]] = {}
    for path in args.model or [DEFAULT_MODEL]:
        name = system_name(path)
        systems[name] = model_system(path)
    silero = None if args.no_silero else silero_system()
    if silero is not None:
        systems["silero-vad (speech)"] = silero
    elif not args.no_silero:
        print("note: silero-vad not installed; its row is left out", file=sys.stderr)

    results = run_benchmark(sets, systems)
    print(format_results(results, CLASSES))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
