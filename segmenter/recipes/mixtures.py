"""Validation *recordings* made of mixed chunks: what the recipe tunes thresholds on and scores.

Chunks are laid end to end with exact sample-level references (the chunks' own masks), so a
recording of mixtures can be scored like any annotated file. The tuning set may keep a scenario
for a few chunks in a row, because minimum durations tuned on a new scenario every 4 s are biased
towards choppy output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from segmenter.recipes.mixing import SAMPLE_RATE, Chunk, ChunkGenerator
from segmenter.training.data import Recording

__all__ = ["mixture_recordings"]


def _runs(mask: np.ndarray, offset: float) -> list[tuple[float, float]]:
    """Runs of True in a sample mask, as (start, end) seconds shifted by ``offset``."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(offset + a / SAMPLE_RATE, offset + b / SAMPLE_RATE) for a, b in edges.reshape(-1, 2)]


def mixture_recordings(
    generator: ChunkGenerator,
    count: int,
    per_recording: int,
    seed: int,
    prefix: str,
    longest_run: int = 1,
) -> list[Recording]:
    """``count`` seeded chunks laid end to end in recordings of ``per_recording`` chunks, with
    exact references from the chunks' sample masks (all four classes annotated).

    With ``longest_run`` > 1 a scenario lasts 1..``longest_run`` chunks in a row (4–20 s for 5),
    closer to real recordings, where music or a conversation goes on for a while, than a new
    scenario every 4 s; the minimum durations tuned on such mixtures are not biased towards
    choppy output."""
    rng = np.random.default_rng(seed)
    classes = ("sp", "mu", "no", "ov")
    out: list[Recording] = []
    draw = _scenario_runs(generator, rng, longest_run)
    for r in range(0, count, per_recording):
        chunks = [draw() for _ in range(min(per_recording, count - r))]
        audio = np.concatenate([c.audio for c in chunks]).astype(np.float32)
        spans: dict[str, list[tuple[float, float]]] = {c: [] for c in classes}
        for i, chunk in enumerate(chunks):
            start = i * chunk.audio.size / SAMPLE_RATE
            for row, cls in enumerate(classes):
                spans[cls].extend(_runs(chunk.masks[row], start))
        for cls in classes:  # join runs that touch across chunk boundaries
            merged: list[tuple[float, float]] = []
            for a, b in spans[cls]:
                if merged and abs(merged[-1][1] - a) < 1e-9:
                    merged[-1] = (merged[-1][0], b)
                else:
                    merged.append((a, b))
            spans[cls] = merged
        out.append(
            Recording(
                uri=f"{prefix}{r // per_recording:02d}", path=Path(f"{prefix}.mix"),
                duration=audio.size / SAMPLE_RATE, spans=spans, annotated=classes, audio=audio,
            )
        )  # fmt: skip
    return out


def _scenario_runs(
    generator: ChunkGenerator, rng: np.random.Generator, longest_run: int
) -> Callable[[], Chunk]:
    """Chunks whose scenario repeats 1..``longest_run`` times (1: a fresh draw every chunk,
    exactly :meth:`ChunkGenerator.chunk`'s stream)."""
    if longest_run <= 1:
        return lambda: generator.chunk(rng)
    state = {"scenario": "", "left": 0}

    def draw() -> Chunk:
        if state["left"] == 0:
            state["scenario"] = generator.draw_scenario(rng)
            state["left"] = int(rng.integers(1, longest_run + 1))
        state["left"] -= 1
        return generator.chunk(rng, state["scenario"])

    return draw
