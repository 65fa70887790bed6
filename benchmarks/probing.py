"""What H carries beyond the four classes: file-level linear probes on the recipe's data (issue 20).

Run: ``python benchmarks/probing.py [--model resources/models/default.safetensors] [--cache
cache] [--work /tmp/nmf-probing] [--tasks voice,language,events,music] [--json out.json]``
(a few minutes on 2 CPU cores the first time; H and the spectrogram of every clip are kept under
``--work``, never in the recipe cache, which is only read).

The paper probes time-pooled H with one linear layer (GTZAN genre 0.55, UrbanSound8K 0.61,
TIMIT phones 0.51, Common Voice gender UAR 0.90). None of those sets is here, so the tasks are
built from the recipe's Debian packages (``segmenter/recipes/catalogue.py``):

* ``voice`` — who speaks: the recipe's speaker ids (a voice pack, a language's reader, an IVR
  voice) with at least 8 files, at most 30 files each; held-out *files*. Speakers are also
  packages here, so channel and recording style help (said in the table's notes).
* ``language`` — en / ru / fr / es, held-out *speakers*: every fold tests voices the probe never
  heard (en: 11 voices, ru 3, fr 2, es 2, at most 40 files each). Speaker sex is not a task:
  the recipe's voices with a documented sex are three (two female, one male), too few to hold
  voices out.
* ``events`` — sound-event category of the noise packages from the file's path (animals, water
  and weather, vehicles and machines, weapons and explosions, human vocal sounds; files matching
  none or two are left out), at most 60 files per category; held-out files.
* ``music`` — which soundtrack a 10 s excerpt comes from (the music sources: a game's composer
  and style, the closest thing to genre the packages allow; no package says which tracks have
  drums), 3 excerpts per track at most, 12 tracks per source at most; held-out *tracks*.

* ``sex`` — talker sex, *frame level*: the AMI clips beside the checkout (``--ami``), whose
  speaker ids start with F or M; a single-label probe on the 20 ms frames where only women or
  only men talk, folds of whole recordings (the clips are few: 12 × 30 s; a speaker may talk
  in two clips, so voices are not strictly held out). Two rows: ``sex-frames`` scores each
  frame ("clips" counts frames there), ``sex-turns`` each stretch of 0.5 s or more where one
  sex talks, H pooled over it (the paper's utterance-level reading).

Each clip (a file's first 8 s; music: 10 s at 25 / 50 / 75 % of the track) becomes its mean H
(K values) and, as the baseline, its mean log-power spectrogram (the F bins H is built to rebuild;
same STFT). The same probe (:func:`segmenter.probe.train.train_probe`: linear, class-weighted,
early-stopped on held-out groups of its training side) is trained on each, in 5 folds of whole
groups (stratified by class), and scored on the pooled held-out predictions: accuracy, UAR
(mean per-class recall) and chance (UAR 1/C; accuracy of always answering the largest class).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from segmenter.probe.metrics import single_label_metrics  # noqa: E402
from segmenter.probe.train import Example, TrainOptions, train_probe  # noqa: E402

TASKS = ("voice", "language", "events", "music", "sex")
FOLDS = 5
SEED = 0

#: Speaker id → language, for speakers whose language is documented (catalogue notes,
#: DEBIAN-AUDIO.md). Hedgewars' accent packs (British, Pirate, Mobster …) speak English; its
#: "Russian" and "Russian_pl" packs are left out (an accent or a language? not checked).
LANGUAGES: dict[str, str] = {
    "asterisk-en-allison": "en",
    "alsa-voice": "en",
    "tuxpaint-en": "en",
    **{
        f"hedgewars-{p}": "en"
        for p in (
            "british",
            "classic",
            "default",
            "hillbilly",
            "mobster",
            "pirate",
            "robot",
            "surfer",
        )
    },  # fmt: skip
    "festvox-ru-nsh": "ru",
    "tuxpaint-ru": "ru",
    "hedgewars-default_ru": "ru",
    "asterisk-fr-june": "fr",
    "tuxpaint-fr": "fr",
    "tuxpaint-es": "es",
    "hedgewars-default_es": "es",
}

#: Sound-event categories: a noise file belongs to the one whose pattern its id matches.
EVENTS: dict[str, tuple[str, ...]] = {
    "animals": ("animal", "bird", "duck", "frog", "cow", "pig", "dog", "bark", "cat", "cats",
                "sheep", "horse", "owl", "chicken", "rooster", "wolf", "wolves", "coyote",
                "cricket", "stag", "moose", "ox", "critter", "orni", "lion", "monkey", "goat",
                "donkey", "elephant", "seal", "crow", "gull", "insect", "bees"),
    "water_weather": ("rain", "thunder", "wind", "water", "wave", "waves", "sea", "ocean",
                      "storm", "bubbl", "drip", "splash", "creek", "river", "naturalforces"),
    "vehicles_machines": ("vehicle", "engine", "motor", "car", "cars", "truck", "train", "tram",
                          "traffic", "plane", "helicopter", "ugv", "diesel", "hover", "factory",
                          "mill", "saw", "industry", "generator", "machine"),
    "weapons_explosions": ("weapon", "gun", "shot", "explo", "blast", "rocket", "missile",
                           "cannon", "laser", "plasma", "grenade", "bomb", "fireball",
                           "firework", "shoot"),
    "human_vocal": ("laugh", "cough", "scream", "sneeze", "pain", "death", "die", "gasp", "baby",
                    "cry", "hurt"),
}  # fmt: skip
"""Words of each sound-event category. Words of five letters or more match anywhere in a file's
path ("femaledeath05"); shorter ones only between non-letters ("dog2", "rain_in", but not "box",
"soldier" or "beep"), where a short word inside a longer one is usually another word."""


def _word(word: str) -> str:
    return re.escape(word) if len(word) >= 5 else rf"(?<![a-z]){re.escape(word)}(?![a-z])"


_EVENT_PATTERNS = {
    name: re.compile("|".join(_word(w) for w in words)) for name, words in EVENTS.items()
}


@dataclass
class Clip:
    """One probed excerpt: what it is, its class, the group held out with it."""

    key: str  # cache key
    item: Any
    start: float
    seconds: float
    label: str
    group: str


# ----------------------------------------------------------------------------------- tasks
def _capped(items: list[Any], cap: int, seed: int) -> list[Any]:
    if len(items) <= cap:
        return items
    rng = np.random.default_rng(seed)
    return [items[i] for i in sorted(rng.choice(len(items), cap, replace=False))]


def _file_clip(item: Any, label: str, group: str, seconds: float = 8.0) -> Clip:
    return Clip(f"{item.id}|0|{seconds}", item, 0.0, min(seconds, item.seconds), label, group)


def voice_task(items: Sequence[Any], min_files: int = 8, cap: int = 30) -> list[Clip]:
    by: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        if item.kind == "speech" and item.speaker and item.seconds >= 0.3:
            by[item.speaker].append(item)
    clips = []
    for speaker in sorted(by):
        if len(by[speaker]) >= min_files:
            clips += [_file_clip(i, speaker, i.id) for i in _capped(by[speaker], cap, SEED)]
    return clips


def language_task(items: Sequence[Any], cap: int = 40) -> list[Clip]:
    by: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        if item.kind == "speech" and item.speaker in LANGUAGES and item.seconds >= 0.3:
            by[item.speaker].append(item)
    return [
        _file_clip(i, LANGUAGES[speaker], speaker)
        for speaker in sorted(by)
        for i in _capped(by[speaker], cap, SEED)
    ]


VOCAL_SOURCES = ("openarena-vocal-noise", "hedgewars-vocal-noise")


def event_of(item_id: str) -> str | None:
    """The one category whose words the file's path inside its source holds (None for none or
    several); the two vocal-noise sources are human vocal sounds whatever the file is called.
    Only the path is read, never the source's name ("tuxpaint" must not read as "pain")."""
    source, _, rel = item_id.lower().partition("/")
    found = {name for name, pattern in _EVENT_PATTERNS.items() if pattern.search(rel)}
    if source in VOCAL_SOURCES:
        found.add("human_vocal")
    return found.pop() if len(found) == 1 else None


def events_task(items: Sequence[Any], cap: int = 60) -> list[Clip]:
    by: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        if item.kind == "noise" and item.seconds >= 0.3:
            category = event_of(item.id)
            if category:
                by[category].append(item)
    return [
        _file_clip(i, category, i.id)
        for category in sorted(by)
        for i in _capped(by[category], cap, SEED)
    ]


def music_task(
    items: Sequence[Any], tracks: int = 12, per_track: int = 3, seconds: float = 10.0
) -> list[Clip]:
    by: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        if item.kind == "music" and item.seconds >= seconds:
            by[item.source].append(item)
    clips = []
    for source in sorted(by):
        if len(by[source]) < 2:
            continue  # one track: it cannot be on both sides of a split
        for item in _capped(by[source], tracks, SEED):
            starts = [f * item.seconds - seconds / 2 for f in (0.25, 0.5, 0.75)][:per_track]
            for k, start in enumerate(starts):
                start = min(max(start, 0.0), item.seconds - seconds)
                clips.append(
                    Clip(f"{item.id}|{k}|{seconds}", item, start, seconds, source, item.id)
                )
    return clips


BUILDERS: dict[str, Callable[[Sequence[Any]], list[Clip]]] = {
    "voice": voice_task,
    "language": language_task,
    "events": events_task,
    "music": music_task,
}
HELD_OUT = {
    "voice": "files",
    "language": "speakers",
    "events": "files",
    "music": "tracks",
    "sex": "recordings",
}


# ------------------------------------------------------------------------------- features
def clip_features(
    model: Any, clips: Sequence[Clip], read: Callable[[Any], np.ndarray], work: Path
) -> tuple[np.ndarray, np.ndarray]:
    """(pooled H (N, K), pooled log-spectrogram (N, F)), cached per clip under ``work``."""
    import torch

    from segmenter.features import log_power_spectrogram
    from segmenter.inference import predict_waveform
    from segmenter.probe import activation_fingerprint

    folder = work / activation_fingerprint(model)[:16]
    folder.mkdir(parents=True, exist_ok=True)
    rate = model.spectrogram.sample_rate
    hs, xs = [], []
    last_item, audio = None, None
    for n, clip in enumerate(clips, start=1):
        entry = folder / (hashlib.sha1(clip.key.encode()).hexdigest() + ".npz")
        if entry.exists():
            with np.load(entry) as data:
                hs.append(data["h"])
                xs.append(data["x"])
            continue
        if clip.item is not last_item:
            audio, last_item = read(clip.item), clip.item
        a = int(clip.start * rate)
        wave = audio[a : a + max(int(clip.seconds * rate), 1)]
        if wave.size < model.spectrogram.win_length:
            wave = np.pad(wave, (0, model.spectrogram.win_length - wave.size))
        prediction = predict_waveform(model, wave, activations="memory", device="cpu")
        with torch.no_grad():
            X = log_power_spectrogram(torch.from_numpy(wave)[None], model.spectrogram)[0]
        h = prediction.H.mean(axis=1, dtype=np.float64)
        x = X.double().mean(dim=1).numpy()
        tmp = entry.with_suffix(".tmp.npz")
        np.savez(tmp, h=h, x=x)
        tmp.replace(entry)
        hs.append(h)
        xs.append(x)
        if n % 50 == 0:
            print(f"  features {n}/{len(clips)}", file=sys.stderr, flush=True)
    return np.asarray(hs), np.asarray(xs)


# ------------------------------------------------------------------------------ evaluation
def group_folds(labels: Sequence[str], groups: Sequence[str], folds: int, seed: int) -> dict:
    """Group → fold, dealt round-robin within each class after a seeded shuffle, so every
    fold holds about the same share of each class's groups."""
    group_label: dict[str, str] = {}
    for label, group in zip(labels, groups, strict=True):
        group_label.setdefault(group, label)
    by_label: dict[str, list[str]] = defaultdict(list)
    for group, label in sorted(group_label.items()):
        by_label[label].append(group)
    rng = np.random.default_rng(seed)
    fold_of = {}
    offset = 0
    for label in sorted(by_label):
        members = by_label[label]
        for i, index in enumerate(rng.permutation(len(members))):
            fold_of[members[index]] = (offset + i) % folds
        offset += len(members)
    return fold_of


def cross_validate(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    folds: int = FOLDS,
    seed: int = SEED,
) -> dict[str, Any]:
    """Held-out predictions of a file-level probe for every clip, fold by fold."""
    classes = tuple(sorted(set(labels)))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    fold_of = group_folds(labels, groups, folds, seed)
    pred = np.full(len(labels), -1)
    started = time.perf_counter()
    for fold in range(folds):
        test = np.array([fold_of[g] == fold for g in groups])
        if not test.any():
            continue
        train = [Example(groups[i], features[i], int(y[i])) for i in np.flatnonzero(~test)]
        probe, _ = train_probe(train, classes, level="file", mode="single",
                               options=TrainOptions(seed=seed))  # fmt: skip
        pred[test] = probe.pooled_posteriors(features[test].T).argmax(axis=0)
    metrics = single_label_metrics(y, pred, classes)
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    return metrics


# ------------------------------------------------------------- talker sex, frame level (AMI)
def sex_recordings(ami_dir: Path) -> list[tuple[str, Path, list[Any]]]:
    """(uri, audio, turns) of the AMI clips; a turn's label is its speaker id, whose first
    letter is the talker's sex in AMI's naming (FEE078: female, MEO069: male)."""
    from segmenter.training.annotations import read_rttm

    out = []
    for rttm in sorted(Path(ami_dir).glob("*.rttm")):
        for uri, turns in sorted(read_rttm(rttm).items()):
            out.append((uri, Path(ami_dir) / f"{uri}.flac", turns))
    return out


def sex_targets(turns: Sequence[Any], n_frames: int, frame: float) -> np.ndarray:
    """Per frame 0 (only women talk), 1 (only men talk) or -1 (nobody, or both)."""
    from segmenter.probe.labels import span_frames

    talking = np.zeros((2, n_frames), dtype=bool)
    for turn in turns:
        sex = {"F": 0, "M": 1}.get(turn.label[:1].upper())
        if sex is not None:
            talking[sex, span_frames(turn.start, turn.end, frame, n_frames)] = True
    out = np.full(n_frames, -1, dtype=np.int64)
    out[talking[0] & ~talking[1]] = 0
    out[talking[1] & ~talking[0]] = 1
    return out


def sex_rows(model: Any, ami_dir: Path | None, work: Path, folds: int = 4) -> list[dict[str, Any]]:
    """Talker sex on the AMI clips, folds of whole recordings, H against the log-spectrogram:
    ``sex-frames``, a frame-level single-label probe on each 20 ms frame where one sex talks;
    ``sex-turns``, the same probe file-level on each stretch of at least 0.5 s where one sex
    talks (H and spectrogram pooled over the stretch: the paper's utterance-level reading)."""
    import torch

    from segmenter.audio import load_audio
    from segmenter.features import log_power_spectrogram
    from segmenter.inference import predict_file
    from segmenter.recipes.sources import DEFAULT_AMI_DIR

    recordings = sex_recordings(ami_dir or DEFAULT_AMI_DIR)
    frame = model.spectrogram.hop_length / model.spectrogram.sample_rate
    data = []
    for uri, audio, turns in recordings:
        H = predict_file(model, audio, activations="memory", device="cpu").H
        wave = torch.from_numpy(load_audio(audio, model.spectrogram.sample_rate))
        with torch.no_grad():
            X = log_power_spectrogram(wave[None], model.spectrogram)[0].numpy()
        T = min(H.shape[1], X.shape[1])
        data.append((uri, np.asarray(H[:, :T]), X[:, :T], sex_targets(turns, T, frame)))
    classes = ("female", "male")
    strata = [int(np.bincount(t[t >= 0], minlength=2).argmax()) for *_, t in data]
    fold_of = group_folds([classes[k] for k in strata], [d[0] for d in data], folds, SEED)
    result: dict[str, Any] = {}
    for side, pick in (("H", 1), ("logspec", 2)):
        ys, preds = [], []
        for fold in range(folds):
            test = [d for d in data if fold_of[d[0]] == fold]
            train = [Example(d[0], d[pick], d[3]) for d in data if fold_of[d[0]] != fold]
            if not test:
                continue
            probe, _ = train_probe(train, classes, level="frame", mode="single",
                                   options=TrainOptions(seed=SEED))  # fmt: skip
            for d in test:
                keep = d[3] >= 0
                ys.append(d[3][keep])
                preds.append(probe.posteriors(d[pick]).argmax(axis=0)[keep])
        metrics = single_label_metrics(np.concatenate(ys), np.concatenate(preds), classes)
        result[side] = metrics
    counts = np.bincount(np.concatenate([d[3][d[3] >= 0] for d in data]), minlength=2)
    frames_row = {
        "task": "sex-frames",
        "held_out": HELD_OUT["sex"],
        "classes": 2,
        "clips": int(counts.sum()),
        "groups": len(data),
        "per_class": {"female frames": int(counts[0]), "male frames": int(counts[1])},
        "chance_uar": 0.5,
        "majority_accuracy": float(counts.max() / counts.sum()),
        **{
            side: {
                "accuracy": m["accuracy"],
                "uar": m["uar"],
                "f1": {c: r["f1"] for c, r in m["classes"].items()},
            }
            for side, m in result.items()
        },  # fmt: skip
    }
    turns_row = _turn_row(data, folds)
    return [frames_row, turns_row]


def single_runs(target: np.ndarray, min_frames: int) -> list[tuple[int, int, int]]:
    """(start, end, class) of the runs of one class >= 0 at least ``min_frames`` long."""
    out = []
    start = 0
    for t in range(1, target.size + 1):
        if t == target.size or target[t] != target[start]:
            if target[start] >= 0 and t - start >= min_frames:
                out.append((start, t, int(target[start])))
            start = t
    return out


def _turn_row(data: list[tuple], folds: int) -> dict[str, Any]:
    clips_h, clips_x, labels, groups = [], [], [], []
    for uri, H, X, target in data:
        for a, b, k in single_runs(target, 25):
            clips_h.append(H[:, a:b].mean(axis=1, dtype=np.float64))
            clips_x.append(X[:, a:b].mean(axis=1, dtype=np.float64))
            labels.append(("female", "male")[k])
            groups.append(uri)
    on_h = cross_validate(np.asarray(clips_h), labels, groups, folds=folds)
    on_x = cross_validate(np.asarray(clips_x), labels, groups, folds=folds)
    counts = Counter(labels)
    return {
        "task": "sex-turns",
        "held_out": HELD_OUT["sex"],
        "classes": 2,
        "clips": len(labels),
        "groups": len(set(groups)),
        "per_class": dict(sorted(counts.items())),
        "chance_uar": 0.5,
        "majority_accuracy": on_h["majority_accuracy"],
        "H": {"accuracy": on_h["accuracy"], "uar": on_h["uar"]},
        "logspec": {"accuracy": on_x["accuracy"], "uar": on_x["uar"]},
    }


def run(
    model_path: Path,
    cache: Path,
    work: Path,
    tasks: Sequence[str],
    limit: int | None = None,
    ami_dir: Path | None = None,
) -> list[dict[str, Any]]:
    import torch

    from segmenter.checkpoint import load_model
    from segmenter.recipes.sources import load_manifest, read_audio

    torch.set_num_threads(1)
    model, _ = load_model(model_path)
    file_tasks = [t for t in tasks if t in BUILDERS]
    items = [i for i in load_manifest(cache) if i.kind != "conversation"] if file_tasks else []
    rows = []
    for task in tasks:
        if task == "sex":
            rows.extend(sex_rows(model, ami_dir, work))
            continue
        clips = BUILDERS[task](items)
        if limit is not None:
            clips = clips[:limit]
        if len({c.label for c in clips}) < 2:
            print(f"{task}: fewer than two classes in this cache; skipped", file=sys.stderr)
            continue
        print(f"{task}: {len(clips)} clips", file=sys.stderr, flush=True)
        H, X = clip_features(model, clips, lambda item: read_audio(cache, item), work)
        labels = [c.label for c in clips]
        groups = [c.group for c in clips]
        on_h = cross_validate(H, labels, groups)
        on_x = cross_validate(X, labels, groups)
        counts = Counter(labels)
        rows.append({
            "task": task,
            "held_out": HELD_OUT[task],
            "classes": len(counts),
            "clips": len(clips),
            "groups": len(set(groups)),
            "per_class": dict(sorted(counts.items())),
            "chance_uar": on_h["chance_uar"],
            "majority_accuracy": on_h["majority_accuracy"],
            "H": {"accuracy": on_h["accuracy"], "uar": on_h["uar"], "seconds": on_h["seconds"],
                  "f1": {c: r["f1"] for c, r in on_h["classes"].items()}},
            "logspec": {"accuracy": on_x["accuracy"], "uar": on_x["uar"],
                        "seconds": on_x["seconds"],
                        "f1": {c: r["f1"] for c, r in on_x["classes"].items()}},
            "dims": {"H": int(H.shape[1]), "logspec": int(X.shape[1])},
        })  # fmt: skip
    return rows


def table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| task | held out | classes | clips (groups) | chance acc / UAR | H acc / UAR | "
        "log-spec acc / UAR |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['held_out']} | {r['classes']} | {r['clips']} ({r['groups']}) | "
            f"{r['majority_accuracy']:.2f} / {r['chance_uar']:.2f} | "
            f"{r['H']['accuracy']:.2f} / {r['H']['uar']:.2f} | "
            f"{r['logspec']['accuracy']:.2f} / {r['logspec']['uar']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "resources/models/default.safetensors")
    parser.add_argument("--cache", type=Path, default=ROOT / "cache")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nmf-probing"))
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--limit", type=int, help="at most this many clips per task (smoke runs)")
    parser.add_argument("--ami", type=Path, help="AMI clips folder (default ../shared/data/ami)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        parser.error(f"unknown task(s) {', '.join(unknown)} (known: {', '.join(TASKS)})")
    try:
        rows = run(args.model, args.cache, args.work, tasks, args.limit, args.ami)
    except Exception as exc:  # one line: a missing cache or model names itself
        print(f"probing: {exc}", file=sys.stderr)
        return 1
    print(table(rows))
    for r in rows:
        print(f"{r['task']}: " + ", ".join(f"{c} {n}" for c, n in r["per_class"].items()))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
