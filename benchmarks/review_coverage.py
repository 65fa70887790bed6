"""How much of the model's wrong time the review queue points at (issue 22, part 3).

Run: ``python benchmarks/review_coverage.py [--model resources/models/default.safetensors]
[--ami ../shared/data/ami] [--demo resources/demo] [--cache cache [--tuning]] [--items 10]
[--json out.json]`` (under a minute on 2 CPU cores; ``--ami`` defaults to ``../shared/data/ami``
beside the checkout).

For each recording of a set it runs the model exactly as the editor does (the ``nmf`` bridge,
H and reconstruction norms kept), builds the review queue with the model's thresholds and no
human labels, and rasterises 20 ms frames:

* **wrong time** — per lane, frames where the model's decision differs from the reference, inside
  the UEM, summed over lanes (an error in two lanes at once counts twice);
* an item **holds** the wrong frames of every lane within its time span: a person sent to a
  place sees all lanes stacked there, and the baselines (which are stretches of time) are
  counted the same way. **Audio covered** is the union of the items' spans over the annotated
  region;
* per set (sums over files): the share of audio the first ``--items`` items of each file cover,
  the share of wrong time they hold, the same for the whole queue, and two baselines covering the
  same audio in each file: ``random`` (stretches with the lengths of that file's first items,
  placed uniformly at random without overlap, mean of ``--draws`` draws) and ``chronological``
  (the file from its start, as long as those items cover).

Each set is printed three times in one run: ``posterior``, the queue before issue 22
(``uncertain``, ``disagreement``, ``flicker`` only); ``before``, with the ``unfamiliar`` and
``rare`` kinds (the queue without a review calibration); ``after``, the calibrated queue: every
model segment and every stretch where a lane's posterior rises without reaching its onset,
ranked by the wrong time it is expected to hold per second of review, learned on held-out
mixtures (``training.review_calibration`` of the model file, ``scripts/review_calibration.py``;
without one, ``after`` equals ``before``).

Sets: ``demo`` (``resources/demo``: all four lanes annotated) and ``ami_dev`` (the AMI dev clips:
speech is the union of the speaker turns, overlap where two or more speakers talk). **AMI music
and noise do not count** (not as errors, not as wrong time): meetings are annotated for who
speaks, not for sounds, and their chairs, paper and doors are real noise a person would keep, so
the model's noise there cannot be called wrong. ``--ami-empty-lanes`` counts them as annotated
empty instead (every model music or noise segment is then an error). With ``--cache`` (the
recipe cache), ``validation``: the recipe's scoring mixtures (seed + 2000, 150 chunks of held-out
source files, exact four-class references), built as ``benchmarks/prelabel_edit_cost.py``'s
``validation_set`` builds them, from the validation files of the sources the model was built
with (packages added to the cache later are left out unless ``--all-sources``); the calibration
never saw them (it is fitted on seed + 4000). ``--tuning``
adds the recipe's tuning mixtures (seed + 1000), where the queue's constants were chosen: not a
held-out reading, there to show what the choice was made on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = CHECKOUT / "resources" / "models" / "default.safetensors"
DEFAULT_DEMO = CHECKOUT / "resources" / "demo"
DEFAULT_AMI = CHECKOUT / ".." / "shared" / "data" / "ami"
FRAME = 0.02


@dataclass
class FileFrames:
    """One recording as frames: the annotated region, the wrong frames per lane, the queue."""

    uri: str
    region: np.ndarray  # (T,) bool
    wrong: dict[str, np.ndarray]  # lane -> (T,) bool, already inside the region
    items: dict[str, list]  # queue name -> ReviewItems, best first
    frame: float = FRAME

    @property
    def wrong_count(self) -> np.ndarray:
        """(T,) number of lanes wrong at each frame."""
        T = self.region.size
        return sum((w.astype(np.int64) for w in self.wrong.values()), np.zeros(T, np.int64))


def span_mask(spans: Iterable[tuple[float, float]], n: int, d: float) -> np.ndarray:
    """Frames whose centre lies in one of ``spans`` (the rule `segmenter.evaluation` uses)."""
    from segmenter.evaluation import to_frames

    return to_frames([(a, b) for a, b in spans if b > a], n, d)


def random_mask(lengths: Sequence[int], region: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Stretches of ``lengths`` frames placed uniformly at random, without overlap, over the
    region's frames (taken in order, so a stretch may bridge a hole in the UEM)."""
    where = np.flatnonzero(region)
    lengths = [int(x) for x in lengths if x > 0]
    free = where.size - sum(lengths)
    out = np.zeros(region.size, dtype=bool)
    if not lengths or free < 0:
        out[where] = free < 0
        return out
    # gaps before, between and after the stretches: a uniform composition of the free frames
    cuts = np.sort(rng.integers(0, free + 1, size=len(lengths)))
    gaps = np.diff(np.concatenate([[0], cuts]))
    position = 0
    for gap, length in zip(gaps, rng.permutation(lengths), strict=True):
        position += int(gap)
        out[where[position : position + length]] = True
        position += length
    return out


def chronological_mask(count: int, region: np.ndarray) -> np.ndarray:
    """The first ``count`` frames of the region."""
    out = np.zeros(region.size, dtype=bool)
    out[np.flatnonzero(region)[:count]] = True
    return out


@dataclass
class Tally:
    """Frame counts summed over the files of a set, for one queue."""

    audio: int = 0
    wrong: int = 0
    covered_first: int = 0
    held_first: int = 0
    covered_all: int = 0
    held_all: int = 0
    held_random: float = 0.0
    held_chrono: int = 0
    items: int = 0
    kinds_first: dict[str, int] = field(default_factory=dict)

    def row(self) -> dict[str, float]:
        def share(a: float, b: float) -> float:
            return a / b if b else float("nan")

        return {
            "audio_s": self.audio * FRAME,
            "wrong_s": self.wrong * FRAME,
            "items": self.items,
            "first_audio": share(self.covered_first, self.audio),
            "first_wrong": share(self.held_first, self.wrong),
            "random_wrong": share(self.held_random, self.wrong),
            "chrono_wrong": share(self.held_chrono, self.wrong),
            "all_audio": share(self.covered_all, self.audio),
            "all_wrong": share(self.held_all, self.wrong),
        }


def tally_file(
    f: FileFrames, queue: str, n_items: int, draws: int, rng: np.random.Generator, into: Tally
) -> None:
    """Add one file's counts for ``queue`` to ``into``."""
    items = f.items[queue]
    T = f.region.size
    count = f.wrong_count
    first = span_mask([(i.start, i.end) for i in items[:n_items]], T, f.frame) & f.region
    whole = span_mask([(i.start, i.end) for i in items], T, f.frame) & f.region
    lengths = [int(span_mask([(i.start, i.end)], T, f.frame).sum()) for i in items[:n_items]]
    # the random stretches cover what the items cover: overlapping items are cut back to it
    excess = sum(lengths) - int(first.sum())
    while excess > 0 and lengths:
        k = int(np.argmax(lengths))
        cut = min(excess, lengths[k])
        lengths[k] -= cut
        excess -= cut
    held_random = [
        float(count[random_mask(lengths, f.region, rng)].sum()) for _ in range(max(1, draws))
    ]
    into.audio += int(f.region.sum())
    into.wrong += int(count.sum())
    into.covered_first += int(first.sum())
    into.held_first += int(count[first].sum())
    into.covered_all += int(whole.sum())
    into.held_all += int(count[whole].sum())
    into.held_random += float(np.mean(held_random))
    into.held_chrono += int(count[chronological_mask(int(first.sum()), f.region)].sum())
    into.items += len(items)
    for item in items[:n_items]:
        into.kinds_first[item.kind] = into.kinds_first.get(item.kind, 0) + 1


def file_frames(prelabeler, recording, annotated: Sequence[str], queues: Mapping[str, object]):
    """Run the model on one recording, build each queue, rasterise references and decisions.

    A recording on disk is decoded from its file, as the editor does; a mixture (no file, its
    samples in memory at 16 kHz) is handed over as a waveform."""
    from annotator.extensions import Waveform
    from annotator.review.queue import Band, review_items

    if recording.audio is not None and not Path(recording.path).is_file():
        result = prelabeler(Waveform(recording.audio, 16000, recording.uri))
    else:
        result = prelabeler(recording.path)
    ev = result.evidence
    T = int(ev.posteriors.shape[1])
    d = float(ev.frame_duration)
    region = span_mask(recording.region, T, d)
    bands = {c: Band(t.onset, t.offset) for c, t in prelabeler.thresholds.items()}
    wrong = {}
    for code, lane in zip(ev.classes, ev.lanes, strict=True):
        if code not in annotated:
            continue
        hyp = span_mask([(s.start, s.end) for s in result.annotation.lane(lane)], T, d)
        ref = span_mask(recording.spans.get(code, []), T, d)
        wrong[lane] = (hyp != ref) & region
    items = {
        name: review_items(ev, result.annotation, bands, settings)
        for name, settings in queues.items()
    }
    return FileFrames(recording.uri, region, wrong, items, d)


def _reference_profile_script():
    import importlib.util

    path = CHECKOUT / "scripts" / "reference_profile.py"
    spec = importlib.util.spec_from_file_location("reference_profile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def held_out_sources(cache: Path, training: Mapping) -> tuple[str, ...]:
    """Sources added to the cache after the model was built (left out of the mixture sets):
    ``scripts/reference_profile.py``'s `sources_as_trained`."""
    return _reference_profile_script().sources_as_trained(cache, dict(training))


def validation_set(cache: Path, exclude: Sequence[str] = ()) -> list:
    """The recipe's scoring mixtures (seed + 2000, 150 plain chunks, a new scenario every 4 s):
    ``prelabel_edit_cost.validation_set``'s recordings, drawn from the validation files of the
    sources the model was built with (``exclude`` leaves out the others)."""
    from segmenter.recipes.bank import SourceBank
    from segmenter.recipes.mixing import ChunkGenerator, MixConfig
    from segmenter.recipes.train import RecipeConfig
    from segmenter.recipes.tuning import scoring_set

    config = RecipeConfig()
    bank = SourceBank.from_cache(cache, "validation", tuple(exclude))
    generator = ChunkGenerator(bank, MixConfig())
    return scoring_set(generator, config.eval_chunks, config.chunks_per_recording, config.seed)


def tuning_set(cache: Path, recipe: Mapping, exclude: Sequence[str] = ()) -> list:
    """The recipe's tuning mixtures (seed + 1000), as ``scripts/reference_profile.py`` and
    ``scripts/review_calibration.py`` rebuild them from the model's recorded settings."""
    module = _reference_profile_script()
    recordings, _ = module.validation_mixtures(cache, dict(recipe), None, exclude=tuple(exclude))
    return recordings


def load_sets(
    demo: Path | None,
    ami: Path | None,
    ami_empty_lanes: bool,
    cache: Path | None = None,
    recipe: Mapping | None = None,
    exclude: Sequence[str] = (),
):
    """(name, recordings, lanes that count) of each set whose files exist; the mixture sets
    (with ``cache``) without the sources in ``exclude``, the tuning set only with ``recipe``."""
    from segmenter.training.data import Corpus, load_corpus

    sets = []
    if demo is not None and (demo / "demo.rttm").is_file():
        everything = ("sp", "mu", "no", "ov")
        corpus = Corpus(rttm=demo / "demo.rttm", audio_dir=demo, annotated=everything)
        sets.append(("demo", load_corpus(corpus), everything))
    if ami is not None and (ami / "dev.rttm").is_file():
        lanes = ("sp", "mu", "no", "ov") if ami_empty_lanes else ("sp", "ov")
        uem = [ami / "dev.uem"] if (ami / "dev.uem").is_file() else []
        corpus = Corpus(rttm=ami / "dev.rttm", audio_dir=ami, uem=uem, annotated=lanes)
        sets.append(("ami_dev", load_corpus(corpus), lanes))
    everything = ("sp", "mu", "no", "ov")
    if cache is not None:
        sets.append(("validation", validation_set(cache, exclude), everything))
        if recipe is not None:
            sets.append(("tuning", tuning_set(cache, recipe, exclude), everything))
    return sets


def format_table(rows: Sequence[dict], n_items: int) -> str:
    head = (
        f"{'set':<10} {'queue':<9} {'audio s':>8} {'wrong s':>8} {'items':>5} | "
        f"{'first ' + str(n_items) + ': audio':>15} {'wrong':>6} {'random':>7} {'chrono':>7} | "
        f"{'all: audio':>10} {'wrong':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['set']:<10} {r['queue']:<9} {r['audio_s']:8.1f} {r['wrong_s']:8.1f} "
            f"{r['items']:5d} | {r['first_audio']:15.1%} {r['first_wrong']:6.1%} "
            f"{r['random_wrong']:7.1%} {r['chrono_wrong']:7.1%} | "
            f"{r['all_audio']:10.1%} {r['all_wrong']:6.1%}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--demo", type=Path, default=DEFAULT_DEMO)
    parser.add_argument("--ami", type=Path, default=DEFAULT_AMI)
    parser.add_argument("--items", type=int, default=10, help="first items per file (10)")
    parser.add_argument("--draws", type=int, default=200, help="random placements per file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ami-empty-lanes", action="store_true",
                        help="count AMI music and noise as annotated empty")  # fmt: skip
    parser.add_argument(
        "--cache", type=Path, default=None, help="recipe cache: adds the validation mixtures"
    )
    parser.add_argument(
        "--tuning",
        action="store_true",
        help="with --cache: add the tuning mixtures the queue was tuned on",
    )
    parser.add_argument(
        "--all-sources",
        action="store_true",
        help="with --cache: draw the mixtures from every source in the cache, also those added "
        "after the model was built",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    import torch
    from nmf_prelabeler.prelabeler import NMFPrelabeler

    from annotator.review.queue import KINDS, POSTERIOR_KINDS, UNCALIBRATED_KINDS, QueueSettings

    torch.set_num_threads(1)
    started = time.perf_counter()
    prelabeler = NMFPrelabeler(args.model, device="cpu", activations="memory")
    queues = {
        "posterior": QueueSettings(kinds=POSTERIOR_KINDS),
        "before": QueueSettings(kinds=UNCALIBRATED_KINDS),
        "after": QueueSettings(kinds=KINDS),
    }
    training = prelabeler.info.training
    reference = training.get("reference_profile")
    source = reference.get("source", "?") if isinstance(reference, dict) else None
    print(f"model: {args.model.name}; reference profile: "
          f"{source or 'none stored (each recording is its own reference)'}")  # fmt: skip
    calibration = training.get("review_calibration")
    print("review calibration: " + (
        calibration.get("source", "?") if isinstance(calibration, dict)
        else "none stored ('after' is the uncalibrated queue)"
    ))  # fmt: skip
    recipe = training.get("recipe_config") if args.tuning else None
    if args.tuning and not isinstance(recipe, dict):
        print("note: the model records no recipe settings; --tuning left out", file=sys.stderr)
        recipe = None
    exclude: tuple[str, ...] = ()
    if args.cache is not None and not args.all_sources:
        exclude = held_out_sources(args.cache, training)
        if exclude:
            print(f"mixtures without the sources added to the cache after the model was built "
                  f"({len(exclude)}: {', '.join(exclude)}; --all-sources keeps them)")  # fmt: skip
    rows = []
    sets = load_sets(args.demo, args.ami, args.ami_empty_lanes, args.cache, recipe, exclude)
    for name, recordings, annotated in sets:
        frames = [file_frames(prelabeler, r, annotated, queues) for r in recordings]
        for queue in queues:
            tally = Tally()
            rng = np.random.default_rng(args.seed)
            for f in frames:
                tally_file(f, queue, args.items, args.draws, rng, tally)
            rows.append({"set": name, "queue": queue, "files": len(frames), **tally.row(),
                         "kinds_first": dict(sorted(tally.kinds_first.items()))})  # fmt: skip
    if not rows:
        print("no set found (check --demo and --ami)", file=sys.stderr)
        return 1
    print(format_table(rows, args.items))
    for r in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in r["kinds_first"].items())
        print(f"{r['set']} {r['queue']}: first {args.items} items per file by kind: {kinds}")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
