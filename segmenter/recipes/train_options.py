"""The ``train`` command's options: what each recipe knob is called on the command line, the
argparse types that check it, and the :class:`~segmenter.recipes.train.RecipeConfig` they make.

Kept apart from :mod:`.cli` because the knobs grow with every augmentation, while the other
commands stay small.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from segmenter.recipes.codec import LOSSY_CODECS
from segmenter.recipes.mixing import SCENARIOS
from segmenter.recipes.noises import EVENT_KINDS, FLOOR_ONLY_KINDS, KINDS
from segmenter.recipes.sources import DEFAULT_AMI_DIR
from segmenter.recipes.train import TUNE_STREAMS, RecipeConfig

__all__ = ["add_train_parser", "recipe_config", "tune_objective", "tuning_options"]


def add_train_parser(sub: argparse._SubParsersAction) -> None:
    d = RecipeConfig()
    train = sub.add_parser("train", help="train, tune and score the default model")
    a = train.add_argument
    a("--cache", type=Path, required=True)
    a(
        "--out",
        type=Path,
        required=True,
        help="model file to write (a folder: FOLDER/default.safetensors)",
    )
    a("--seed", type=int, default=d.seed)
    a("--front-end", choices=("spectrogram", "wavlm"), default=d.front_end)
    a(
        "--input-compression",
        choices=("log1p", "log"),
        default=d.input_compression,
        help="what Ψ reads with the spectrogram front end: log(1+|S|²) or log(|S|²+1e-6)",
    )
    a("--wavlm", default=d.wavlm, help="local WavLM directory (with --front-end wavlm)")
    a("--minutes", type=float, default=d.minutes, help="wall-clock cap on the training stage")
    a("--epochs", type=int, default=d.epochs)
    a("--steps-per-epoch", type=int, default=d.steps_per_epoch)
    a("--batch-size", type=int, default=d.batch_size)
    a("--components", type=int, default=d.n_components)
    a("--n-fft", type=int, default=d.n_fft)
    a("--win-length", type=int, default=d.win_length)
    a("--lr", type=float, default=d.lr)
    a("--lr-schedule", choices=("constant", "cosine"), default=d.lr_schedule)
    a(
        "--layers-per-repeat",
        type=int,
        default=d.layers_per_repeat,
        help="TCN blocks per repeat (dilations 1, 2, 4, …): sets the receptive field",
    )
    a("--threads", type=int, default=d.threads, help="torch CPU threads")
    a(
        "--event-noises",
        action="store_true",
        help="also generate engine, ticking, siren and wind noises (same as --event-kinds all)",
    )
    a(
        "--event-kinds",
        type=_names_from((*EVENT_KINDS, "all")),
        default=None,
        help=f"generated event noises to add, comma-separated, from {','.join(EVENT_KINDS)}",
    )
    a(
        "--event-scenarios",
        type=_names_from((*SCENARIOS, "extra")),
        default=(),
        help="scenarios whose noise may be an event (default: all), comma-separated, from "
        f"{','.join(SCENARIOS)},extra (the extra noise layer)",
    )
    a(
        "--music-lowpass-p",
        type=float,
        default=d.music_lowpass_p,
        help="share of music layers heard through a random low-pass (bass-only music)",
    )
    a(
        "--music-lowpass-keeps-level",
        action=argparse.BooleanOptionalAction,
        default=d.music_lowpass_keeps_level,
        help="level a low-passed track under speech as the whole song, then filter it "
        "(its bass-only passages are quieter, as in a real mix)",
    )
    a(
        "--narrowband-p",
        type=float,
        default=d.narrowband_p,
        help="share of chunks heard through a 3-4 kHz low-pass (telephone, 8 kHz archives)",
    )
    a(
        "--noise-speed-p",
        type=float,
        default=d.noise_speed_p,
        help="share of recorded noise events replayed 0.5-2x faster (pitch with speed)",
    )
    a(
        "--noise-floor-p",
        type=float,
        default=d.noise_floor_p,
        help="share of chunks given an unlabelled hiss, rumble or hum 30-50 dB under the "
        "labelled content (a recording's noise floor)",
    )
    a(
        "--floor-kinds",
        type=_names_from((*KINDS, *FLOOR_ONLY_KINDS), required=True),
        default=d.floor_kinds,
        help="generated noise floors --noise-floor-p draws from, comma-separated, from "
        f"{','.join((*KINDS, *FLOOR_ONLY_KINDS))} (default {','.join(d.floor_kinds)}); a kind "
        "named twice is drawn twice as often",
    )
    a(
        "--gsm-p",
        type=float,
        default=d.gsm_p,
        help="share of chunks sent through the GSM 06.10 telephone codec (needs libgsm1)",
    )
    a(
        "--reverb-p",
        type=float,
        default=d.reverb_p,
        help="share of chunks heard in a random room (RT60 0.15-0.9 s, direct-to-reverberant "
        "ratio -5..+10 dB: a distant microphone); labels stay the dry sound",
    )
    a(
        "--lossy-p",
        type=float,
        default=d.lossy_p,
        help="share of chunks sent through a low-rate MP3 (32-64 kbit/s) or Opus (12-32 kbit/s) "
        "round trip (MP3 in-process, ~0.04 s a chunk; Opus by ffmpeg, ~0.3 s; skipped where "
        "an encoder is missing)",
    )
    a(
        "--lossy-codecs",
        type=_names_from(LOSSY_CODECS),
        default=d.lossy_codecs,
        help=f"codecs --lossy-p draws from, comma-separated, from {','.join(LOSSY_CODECS)} "
        f"(default {','.join(d.lossy_codecs)})",
    )
    a(
        "--level-dbfs",
        type=_db_range,
        default=d.level_dbfs,
        metavar="LOW,HIGH",
        help="range of the training chunks' level in dBFS over their labelled samples "
        f"(default {d.level_dbfs[0]:g},{d.level_dbfs[1]:g}; validation keeps the default); "
        "write it with '=': --level-dbfs=-45,-10",
    )
    a(
        "--noise-floor-dbfs",
        type=_db_range,
        default=d.noise_floor_dbfs,
        metavar="LOW,HIGH",
        help="level range in dBFS of the unlabelled noise floor in a chunk with nothing labelled "
        f"(default {d.noise_floor_dbfs[0]:g},{d.noise_floor_dbfs[1]:g}): a quiet room's tone "
        "(a meeting room sits near -50), which is neither music nor noise to label",
    )
    a(
        "--music-below-speech-db",
        type=_db_range,
        default=d.music_below_speech_db,
        metavar="LOW,HIGH",
        help="how far below the speech a music bed is set in training, in dB (default "
        f"{d.music_below_speech_db[0]:g},{d.music_below_speech_db[1]:g}; validation keeps it)",
    )
    a(
        "--balance-sources",
        action="store_true",
        help="draw music and recorded noise source first (each catalogue source equally likely), "
        "not file by file, so the largest packs do not set what a class sounds like",
    )
    a(
        "--room-tone-p",
        type=float,
        default=d.room_tone_p,
        help="share of the noise floors (--noise-floor-p) that are real room tone, taken from the "
        "training conversations' quiet stretches (AMI train clips), not generated",
    )
    a(
        "--overlap-sets-level",
        action="store_true",
        help="level a chunk where two talkers overlap on the overlapping stretch, so summed "
        "voices are no louder than a lone talker over the stream (loudness must not mean overlap)",
    )
    a(
        "--class-weight",
        action="append",
        default=[],
        type=_class_weight,
        metavar="CLASS=W",
        help="scale a class's BCE term (repeatable), e.g. mu=2; classes sp, mu, no, ov; "
        f"default {_weights_text(d.class_weights)} (the shipped model's; mu=1 undoes it)",
    )
    a(
        "--exclude-source",
        action="append",
        default=[],
        metavar="NAME",
        help="leave a catalogue source out (repeatable), e.g. to avoid its licence; "
        "names: python -m segmenter.recipes stats",
    )
    a(
        "--hold-out-packages",
        type=float,
        default=d.hold_out_packages,
        metavar="FRACTION",
        help="hold out this share of the Debian packages of each class (at least one when a "
        "class has two): train on the rest, then score unseen-package mixtures beside "
        "in-package ones and print the gap (benchmarks/unseen_packages.py); 0: off",
    )
    a("--hold-out-seed", type=int, default=d.hold_out_seed, help="seed of the package draw")
    a(
        "--hold-out-ami",
        action="store_true",
        help="with --hold-out-packages, hold out the AMI conversations too (kept by default)",
    )
    a(
        "--init-from",
        default=d.init_from,
        metavar="MODEL",
        help="start from this model file's dictionary and weights instead of a new dictionary "
        "(a warm start; same architecture as the recipe's)",
    )
    a("--dict-iterations", type=int, default=d.dictionary_iterations)
    a("--dict-chunks", type=int, default=d.dictionary_chunks)
    a("--val-chunks", type=int, default=d.val_chunks)
    a("--eval-chunks", type=int, default=d.eval_chunks, help="validation chunks to score")
    a("--tune-chunks", type=int, default=d.tune_chunks, help="validation chunks to tune on")
    a(
        "--tune-longest-run",
        type=int,
        default=d.tune_longest_run,
        help="a tuning scenario lasts 1..N chunks of 4 s (1: a new scenario every chunk)",
    )
    tuning_options(a, d)
    a("--ami", type=Path, default=DEFAULT_AMI_DIR, help="AMI clips folder (dev.rttm is scored)")
    a("--demo", type=Path, default=Path("resources/demo"), help="demo folder (demo.rttm scored)")
    a("--work", type=Path, default=None, help="checkpoint folder (default: CACHE/recipe-train)")
    a(
        "--resume",
        action="store_true",
        help="continue from the work folder's checkpoint (same settings) instead of starting over",
    )


def tuning_options(a: Callable[..., Any], d: Any, retune: bool = False) -> None:
    """The decision-tuning options of ``train`` and ``retune`` (``retune``: a stream not given
    keeps the one the model was tuned on)."""
    a(
        "--tune-objective",
        action="append",
        default=[],
        type=_objective,
        metavar="[CLASS=]OBJECTIVE",
        help="edits: fewest edits to correct the lane within --tune-f1-tolerance of the best F1; "
        "f1: the best F1; for every class or one (repeatable), e.g. mu=edits; default "
        + " ".join(f"{c}={o}" for c, o in d.tune_objective.items()),
    )
    a("--tune-f1-tolerance", type=float, default=d.tune_f1_tolerance)
    a(
        "--tune-min-saving",
        type=_share,
        default=None if retune else d.tune_min_saving,
        metavar="SHARE",
        help="leave a lane empty unless its tuned thresholds save at least this share of the "
        f"empty lane's edits on the tuning set (default {d.tune_min_saving:g}: only the "
        "empty-lane guard; retune: what the model was tuned with)",
    )
    a(
        "--tune-stream",
        choices=TUNE_STREAMS,
        default=None if retune else d.tune_stream,
        help="mixtures the decisions are tuned on: plain (the validation stream) or training "
        "(validation sources heard as training hears them: rooms, levels, floors, codecs); "
        f"default {d.tune_stream} (retune: the one the model was tuned on)",
    )


def _objective(text: str) -> dict[str, str]:
    """An argparse type: ``OBJECTIVE`` (every class) or ``CLASS=OBJECTIVE``."""
    from segmenter.model import CLASSES
    from segmenter.recipes.tuning import OBJECTIVES

    name, sep, objective = text.rpartition("=")
    names = (name,) if sep else CLASSES
    if objective not in OBJECTIVES or any(n not in CLASSES for n in names):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected OBJECTIVE or CLASS=OBJECTIVE with OBJECTIVE one of "
            f"{', '.join(OBJECTIVES)} and CLASS one of {', '.join(CLASSES)}"
        )
    return dict.fromkeys(names, objective)


def tune_objective(given: list[dict[str, str]], default: dict[str, str]) -> dict[str, str]:
    """The default objectives with the command line's merged over them, in order."""
    out = dict(default)
    for item in given:
        out.update(item)
    return out


def _names_from(known: tuple[str, ...], required: bool = False):
    """An argparse type: comma-separated names, each one of ``known`` (repeats kept, in order);
    ``required``: at least one."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(",") if name.strip())
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; expected from {known}")
        if required and not names:
            raise argparse.ArgumentTypeError(f"name at least one of {known}")
        return names

    return parse


def _share(text: str) -> float:
    """An argparse type: a share in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a share in [0, 1)")
    return value


def _db_range(text: str) -> tuple[float, float]:
    """An argparse type: ``LOW,HIGH`` in dB with LOW <= HIGH."""
    low, sep, high = text.partition(",")
    try:
        pair = (float(low), float(high))
    except ValueError:
        pair = (float("nan"), float("nan"))
    if not sep or not pair[0] <= pair[1] or not all(abs(x) < float("inf") for x in pair):
        raise argparse.ArgumentTypeError(f"{text!r}: expected LOW,HIGH in dB with LOW <= HIGH")
    return pair


def _weights_text(weights: dict[str, float]) -> str:
    return " ".join(f"{c}={w:g}" for c, w in weights.items()) or "none"


def _class_weight(text: str) -> tuple[str, float]:
    """An argparse type: ``CLASS=WEIGHT`` with a known class and a positive weight."""
    from segmenter.model import CLASSES

    name, sep, value = text.partition("=")
    try:
        weight = float(value)
    except ValueError:
        weight = float("nan")
    if not sep or name not in CLASSES or not weight > 0 or weight == float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected CLASS=WEIGHT with CLASS one of {', '.join(CLASSES)} "
            "and a positive weight"
        )
    return name, weight


def _event_kinds(args: argparse.Namespace) -> tuple[str, ...]:
    if args.event_kinds is not None:
        return EVENT_KINDS if args.event_kinds == ("all",) else args.event_kinds
    return EVENT_KINDS if args.event_noises else ()


def recipe_config(args: argparse.Namespace) -> RecipeConfig:
    """The recipe configuration a parsed ``train`` command line asks for."""
    return RecipeConfig(
        seed=args.seed, front_end=args.front_end, wavlm=args.wavlm, minutes=args.minutes,
        epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, batch_size=args.batch_size,
        n_components=args.components, n_fft=args.n_fft, win_length=args.win_length, lr=args.lr,
        threads=args.threads, dictionary_iterations=args.dict_iterations,
        dictionary_chunks=args.dict_chunks, val_chunks=args.val_chunks,
        tune_chunks=args.tune_chunks, eval_chunks=args.eval_chunks,
        tune_longest_run=args.tune_longest_run,
        lr_schedule=args.lr_schedule, input_compression=args.input_compression,
        exclude_sources=tuple(args.exclude_source), layers_per_repeat=args.layers_per_repeat,
        event_kinds=_event_kinds(args), event_scenarios=args.event_scenarios,
        music_lowpass_p=args.music_lowpass_p, narrowband_p=args.narrowband_p,
        music_lowpass_keeps_level=args.music_lowpass_keeps_level,
        noise_speed_p=args.noise_speed_p, noise_floor_p=args.noise_floor_p,
        floor_kinds=args.floor_kinds,
        gsm_p=args.gsm_p, reverb_p=args.reverb_p, lossy_p=args.lossy_p,
        lossy_codecs=args.lossy_codecs,
        level_dbfs=args.level_dbfs, noise_floor_dbfs=args.noise_floor_dbfs,
        music_below_speech_db=args.music_below_speech_db,
        balance_sources=args.balance_sources,
        room_tone_p=args.room_tone_p, overlap_sets_level=args.overlap_sets_level,
        tune_objective=tune_objective(args.tune_objective, RecipeConfig().tune_objective),
        tune_f1_tolerance=args.tune_f1_tolerance, tune_stream=args.tune_stream,
        tune_min_saving=args.tune_min_saving,
        class_weights={**RecipeConfig().class_weights, **dict(args.class_weight)},
        hold_out_packages=args.hold_out_packages, hold_out_seed=args.hold_out_seed,
        hold_out_ami=args.hold_out_ami, init_from=args.init_from,
    )  # fmt: skip
