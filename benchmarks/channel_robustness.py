"""Channel robustness: held-out speech through codecs and over faint noise floors (issue #5).

Run: ``python benchmarks/channel_robustness.py [--model A.safetensors --model B.safetensors]
[--cache cache/ood] [--minutes 3] [--json out.json]`` (about a minute per model on 2 CPU cores once
``benchmarks/out_of_domain.py`` has fetched its packages, which this reuses).

Real recordings are rarely clean 16 kHz studio prompts: archives are telephone calls, VoIP, MP3s,
tapes with mains hum. The same held-out speech (the out-of-domain benchmark's Italian and Spanish
Asterisk prompts, never used by the recipe) is played through each channel below and labelled.
Its reference is the clean file's activity (the recipe's own speech detector), so a channel that
makes the model miss speech lowers ``sp recall``, and any music, noise or overlap it labels on a
single talker is a false alarm (``lab:X`` = share of the time labelled X).

Channels: ``clean``; ``gsm`` (GSM 06.10, libgsm: the codec the recipe's ``--gsm-p`` trains on);
codecs the recipe never uses (ffmpeg): ``g723`` (G.723.1 6.3 kbit/s), ``speex`` (8 kHz, 8 kbit/s),
``opus`` (8 kbit/s), ``mp3`` (24 kbit/s); and faint floors (unlabelled in the recipe when
``--noise-floor-p`` is on): mains ``hum`` and ``pink`` hiss 40 and 30 dB under the speech.
A model is compared with itself across channels and with other models in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from out_of_domain import ROOT, SOURCES, Clip, prepare, score_file  # noqa: E402

from segmenter.checkpoint import ModelInfo, load_model  # noqa: E402
from segmenter.evaluation.detection import DetectionCounts  # noqa: E402
from segmenter.inference import predict_waveform  # noqa: E402
from segmenter.model import NMFSegmenter  # noqa: E402
from segmenter.recipes import RecipeError  # noqa: E402
from segmenter.recipes.codec import gsm_roundtrip  # noqa: E402
from segmenter.recipes.noises import generate  # noqa: E402
from segmenter.recipes.sources import SAMPLE_RATE  # noqa: E402

SPEECH_SOURCES = ("it-carlo", "es-allison")  # clean 16 kHz G.722 prompts
# ffmpeg encoder arguments and container of each held-out codec
FFMPEG_CODECS: dict[str, tuple[list[str], str]] = {
    "g723": (["-ar", "8000", "-c:a", "g723_1", "-b:a", "6300"], "wav"),
    "speex": (["-ar", "8000", "-c:a", "libspeex", "-b:a", "8000"], "ogg"),
    "opus": (["-c:a", "libopus", "-b:a", "8000"], "ogg"),
    "mp3": (["-c:a", "libmp3lame", "-b:a", "24k"], "mp3"),
}


def ffmpeg_roundtrip(audio: np.ndarray, codec: str) -> np.ndarray:
    """``audio`` (16 kHz) encoded with ``codec`` by ffmpeg and decoded back to 16 kHz, same length."""
    args, container = FFMPEG_CODECS[codec]
    with tempfile.TemporaryDirectory() as tmp:
        src, coded = Path(tmp) / "in.wav", Path(tmp) / f"coded.{container}"
        sf.write(src, audio, SAMPLE_RATE, subtype="PCM_16")
        quiet = ["ffmpeg", "-v", "error", "-y"]
        subprocess.run([*quiet, "-i", str(src), "-ac", "1", *args, str(coded)], check=True)
        out = subprocess.run(
            [*quiet, "-i", str(coded), "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"],
            check=True,
            capture_output=True,
        ).stdout
    decoded = np.frombuffer(out, dtype=np.float32)
    result = np.zeros(audio.size, dtype=np.float32)
    result[: min(audio.size, decoded.size)] = decoded[: audio.size]
    return result


def with_floor(audio: np.ndarray, kind: str, below_db: float, seed: int) -> np.ndarray:
    """``audio`` plus a generated ``kind`` noise ``below_db`` under the speech's active power."""
    loud = audio[np.abs(audio) > 0.1 * np.abs(audio).max()] if audio.any() else audio
    speech_db = 10 * np.log10(np.mean(loud.astype(np.float64) ** 2) + 1e-12)
    noise = generate(kind, audio.size, np.random.default_rng(seed))
    return (audio + noise * 10 ** ((speech_db - below_db) / 20)).astype(np.float32)


def channels() -> dict[str, Callable[[np.ndarray, int], np.ndarray]]:
    """Name → function(audio, seed) giving the audio heard through that channel."""
    table: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
        "clean": lambda a, s: a,
        "gsm": lambda a, s: gsm_roundtrip(a),
    }
    for codec in FFMPEG_CODECS:
        table[codec] = lambda a, s, c=codec: ffmpeg_roundtrip(a, c)
    for kind in ("hum", "pink"):
        for below in (40, 30):
            table[f"{kind}-{below}dB"] = lambda a, s, k=kind, b=below: with_floor(a, k, b, s)
    return table


def score_channel(
    model: NMFSegmenter, info: ModelInfo, clips: list[Clip], audio: list[np.ndarray]
) -> dict[str, float]:
    """Speech recall against the clean reference and the share of time labelled each class
    (each file scored by the out-of-domain benchmark's :func:`score_file`)."""
    seconds, speech = 0.0, DetectionCounts()
    labelled = {c: 0.0 for c in info.classes}
    for clip, wave in zip(clips, audio, strict=True):
        duration = wave.size / SAMPLE_RATE
        prediction = predict_waveform(
            model, torch.from_numpy(wave), device="cpu", activations="none"
        )
        counts, per_class = score_file(
            clip.reference, prediction.segments(info.thresholds), "sp", duration
        )
        speech = speech + counts
        for cls, s in per_class.items():
            labelled[cls] += s
        seconds += duration
    row = {"sp_recall": speech.recall}
    row.update({f"lab_{c}": s / seconds for c, s in labelled.items()})
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, action="append", help="repeatable; default: the shipped model"
    )
    parser.add_argument("--cache", type=Path, default=Path("cache/ood"))
    parser.add_argument("--minutes", type=float, default=3.0, help="speech per source")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    models = args.model or [ROOT / "resources/models/default.safetensors"]
    torch.set_num_threads(1)
    start = time.perf_counter()
    sources = tuple(s for s in SOURCES if s.name in SPEECH_SOURCES)
    try:
        clips = prepare(
            args.cache, sources, minutes=args.minutes, music_seconds=0, seed=args.seed,
            train_cache=None,
        )  # fmt: skip
    except RecipeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    clean = [sf.read(c.path, dtype="float32")[0] for c in clips]
    minutes = sum(a.size for a in clean) / SAMPLE_RATE / 60
    print(f"{len(clips)} held-out prompts, {minutes:.1f} min ({', '.join(SPEECH_SOURCES)})")
    loaded = {str(m): load_model(m, device="cpu") for m in models}
    results: dict[str, dict[str, dict[str, float]]] = {m: {} for m in loaded}
    for name, channel in channels().items():
        heard = [channel(a, i) for i, a in enumerate(clean)]
        for model, (segmenter, info) in loaded.items():
            results[model][name] = score_channel(segmenter, info, clips, heard)
    for model in models:
        print(f"\n{model}")
        print(f"{'channel':<11} sp recall  lab:sp  lab:mu  lab:no  lab:ov")
        for name, row in results[str(model)].items():
            print(
                f"{name:<11} {row['sp_recall']:9.3f} {row['lab_sp']:7.3f} {row['lab_mu']:7.3f} "
                f"{row['lab_no']:7.3f} {row['lab_ov']:7.3f}"
            )
    print(f"\n{time.perf_counter() - start:.0f} s")
    if args.json:
        report: dict[str, Any] = {"minutes": minutes, "files": len(clips), "results": results}
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
