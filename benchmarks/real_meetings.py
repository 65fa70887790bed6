"""Real meeting rooms: does a model call speech speech and leave music alone where there is none?

Run: ``python benchmarks/real_meetings.py [--model resources/models/default.safetensors]...
[--ami ../shared/data/ami] [--json out.json]`` (under a minute on 2 CPU cores).

The checks of issue 16 on the twelve AMI clips (far-field meeting audio, speaker turns only):

* **AMI dev speech F1** (target ≥ 0.93) and overlap F1, time-based, collar 0, within the UEM;
  the train clips' figures are printed too, but the recipe trains on them (its conversations), so
  only dev is a held-out figure;
* **music per clip**: seconds labelled music in each of the twelve clips (a meeting has none;
  target: no clip over 3 s);
* **room tone**: a 30-s recording of the clips' quiet parts alone — every stretch at least 1 s
  long and 0.5 s clear of any speaker turn, joined in clip order with 20-ms crossfades — and
  what the model labels in it (target: no music; speech there is a false alarm too; noise is
  not wrong — a door or paper may sound in a quiet stretch).

Each ``--model`` is run with the thresholds stored in it.
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

from segmenter.decisions import CLASSES
from segmenter.evaluation.intervals import normalise
from segmenter.spans import total
from segmenter.training.assess import score_segments
from segmenter.training.data import Recording

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prelabel_edit_cost import (  # noqa: E402
    DEFAULT_AMI,
    DEFAULT_MODEL,
    ami_set,
    model_system,
    system_name,
)

RATE = 16000
MUSIC_LIMIT_S = 3.0
ROOM_TONE_S = 30.0
QUIET_MARGIN_S = 0.5
QUIET_MIN_S = 1.0
CROSSFADE_S = 0.02
Hypotheses = dict[str, dict[str, list[tuple[float, float]]]]


def quiet_stretches(recording: Recording) -> list[tuple[float, float]]:
    """Stretches of the annotated region at least ``QUIET_MIN_S`` long and ``QUIET_MARGIN_S``
    clear of every speaker turn: a meeting room with nobody talking."""
    talk = normalise(
        [(s - QUIET_MARGIN_S, e + QUIET_MARGIN_S) for s, e in recording.spans.get("sp", [])]
    )
    quiet: list[tuple[float, float]] = []
    for start, end in recording.region:
        cursor = start
        for s, e in talk:
            if e <= cursor or s >= end:
                continue
            if s - cursor >= QUIET_MIN_S:
                quiet.append((cursor, s))
            cursor = max(cursor, e)
        if end - cursor >= QUIET_MIN_S:
            quiet.append((cursor, end))
    return quiet


def room_tone(recordings: Sequence[Recording], seconds: float = ROOM_TONE_S) -> np.ndarray:
    """``seconds`` of the recordings' quiet stretches joined with short crossfades (in the order
    given; repeated if they hold less). Raises ValueError when there is no quiet stretch."""
    pieces = [
        r.samples(int(s * RATE), int((e - s) * RATE), RATE)
        for r in recordings
        for s, e in quiet_stretches(r)
    ]
    if not pieces:
        raise ValueError("no quiet stretch of 1 s in these recordings")
    fade = int(CROSSFADE_S * RATE)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    target = int(seconds * RATE)
    out = pieces[0].copy()
    i = 1
    while out.size < target:
        piece = pieces[i % len(pieces)]
        i += 1
        head = piece[:fade] * ramp + out[-fade:] * ramp[::-1]
        out = np.concatenate([out[:-fade], head, piece[fade:]])
    return out[:target]


def room_tone_recording(audio: np.ndarray) -> Recording:
    """The room tone as a recording whose reference is empty for every class."""
    duration = audio.size / RATE
    return Recording(
        uri="room_tone", path=Path("room_tone"), duration=duration, spans={},
        annotated=CLASSES, audio=audio,
    )  # fmt: skip


def labelled_seconds(hyps: Hypotheses) -> dict[str, dict[str, float]]:
    """Seconds labelled per class in each recording."""
    return {
        uri: {c: total(normalise(lanes.get(c, []))) for c in CLASSES} for uri, lanes in hyps.items()
    }


def check_model(run: Callable[[list[Recording]], Hypotheses], ami: Path) -> dict[str, Any]:
    """Every figure of this benchmark for one system."""
    dev, train = ami_set(ami, "dev"), ami_set(ami, "train")
    hyps_dev, hyps_train = run(dev), run(train)
    tone = room_tone_recording(room_tone(train + dev))
    hyps_tone = run([tone])
    # the dev clips' quiet stretches alone: a room the recipe never trains on (its room-tone
    # floors come from the train clips), so the only figure of the two that is out of sample
    dev_tone = room_tone_recording(room_tone(dev))
    hyps_dev_tone = run([dev_tone])
    music = {uri: s["mu"] for uri, s in labelled_seconds({**hyps_train, **hyps_dev}).items()}
    return {
        "dev": score_segments(hyps_dev, dev, ("sp", "ov")),
        "train": score_segments(hyps_train, train, ("sp", "ov")),
        "music_seconds": music,
        "room_tone_seconds": labelled_seconds(hyps_tone)["room_tone"],
        "dev_room_tone_seconds": labelled_seconds(hyps_dev_tone)["room_tone"],
    }


def format_results(results: Mapping[str, Mapping[str, Any]]) -> str:
    lines = [
        f"{'system':<36}{'dev sp F1':>10}{'dev ov F1':>10}{'train sp F1':>12}"
        f"{'music s: max clip':>19}{'clips > 3 s':>12}{'room tone mu/sp/no s':>22}"
        f"{'dev room mu s':>15}"
    ]
    for system, r in results.items():
        music = r["music_seconds"]
        worst = max(music, key=music.get)
        over = sum(v > MUSIC_LIMIT_S for v in music.values())
        tone = r["room_tone_seconds"]
        lines.append(
            f"{system:<36}{r['dev']['classes']['sp']['f1']:>10.3f}"
            f"{r['dev']['classes']['ov']['f1']:>10.3f}{r['train']['classes']['sp']['f1']:>12.3f}"
            f"{music[worst]:>11.1f} ({worst}){over:>8d}/{len(music)}"
            f"{tone['mu']:>10.1f} /{tone['sp']:5.1f} /{tone['no']:5.1f}"
            f"{r['dev_room_tone_seconds']['mu']:>15.1f}"
        )
    lines.append(
        "targets (issue 16): dev speech F1 >= 0.93; no clip with more than 3 s of music; "
        "no music in the room tone (train + dev clips' quiet parts; 'dev room' = dev clips only)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, action="append", help="(repeatable)")
    parser.add_argument("--ami", type=Path, default=DEFAULT_AMI, help="AMI clips folder")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    if not (args.ami / "dev.rttm").is_file() or not (args.ami / "train.rttm").is_file():
        print(f"error: {args.ami}: AMI clips (train.rttm, dev.rttm) not found", file=sys.stderr)
        return 1
    torch.set_num_threads(2)
    results: dict[str, Any] = {}
    for path in args.model or [DEFAULT_MODEL]:
        name = system_name(path)
        results[name] = check_model(model_system(path), args.ami)
    print(format_results(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
