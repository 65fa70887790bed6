"""Frame energies → speech segments, streaming so a ten-hour file needs memory for its frame
energies only (180 000 floats an hour), not for its samples.

The threshold adapts to each recording: the 10th percentile of the frame levels estimates the
noise floor, and frames ``margin_db`` above it (and above the absolute ``floor_db``) count as
speech. Gaps shorter than ``min_silence`` are bridged, then segments shorter than ``min_speech``
dropped. Confidence is a logistic function of how far a segment's mean level clears the threshold.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

BLOCK_SECONDS = 30.0
_EPS = 1e-10


class EnergyPrelabeler:
    """Speech where a frame is louder than the recording's noise floor plus a margin."""

    description = "energy-based speech/silence (example plugin)"

    def __init__(
        self,
        margin_db: float = 10.0,
        floor_db: float = -50.0,
        min_speech: float = 0.25,
        min_silence: float = 0.3,
        frame: float = 0.02,
    ) -> None:
        if not frame > 0:
            raise ValueError(f"frame must be positive, got {frame}")
        if min_speech < 0 or min_silence < 0:
            raise ValueError("min_speech and min_silence must be >= 0 s")
        self.margin_db, self.floor_db = margin_db, floor_db
        self.min_speech, self.min_silence, self.frame = min_speech, min_silence, frame
        self.depends_on: tuple[Path, ...] = ()

    def __call__(
        self,
        source: Any,
        *,
        progress: Callable[[float, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> dict[str, list[tuple[float, float, str, float]]]:
        if hasattr(source, "samples"):
            levels, duration = self._levels_of(np.asarray(source.samples), source.sample_rate)
        else:
            levels, duration = self._levels_of_file(Path(source), progress, cancel)
        return {"speech": self.segments(levels, duration)}

    # ------------------------------------------------------------------ levels
    def _levels_of(self, samples: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples
        hop = max(1, int(round(self.frame * rate)))
        usable = mono[: mono.size - mono.size % hop].astype(np.float64)
        power = (usable.reshape(-1, hop) ** 2).mean(axis=1)
        if mono.size % hop:
            power = np.append(power, np.mean(mono[usable.size :].astype(np.float64) ** 2))
        return 10 * np.log10(power + _EPS), mono.size / rate

    def _levels_of_file(
        self,
        path: Path,
        progress: Callable[[float, str], None] | None,
        cancel: threading.Event | None,
    ) -> tuple[np.ndarray, float]:
        with sf.SoundFile(str(path)) as handle:
            rate, total = handle.samplerate, handle.frames
            hop = max(1, int(round(self.frame * rate)))
            block = hop * max(1, int(BLOCK_SECONDS / self.frame))
            parts, done = [], 0
            for chunk in handle.blocks(blocksize=block, dtype="float32", always_2d=True):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError(f"{path}: cancelled")
                parts.append(self._levels_of(chunk.mean(axis=1), rate)[0])
                done += chunk.shape[0]
                if progress is not None and total > 0:
                    progress(min(1.0, done / total), "measuring energy")
        if done == 0:
            raise ValueError(f"{path}: audio file contains no samples")
        return np.concatenate(parts), done / rate

    # ------------------------------------------------------------------ decisions
    def threshold(self, levels: np.ndarray) -> float:
        return max(self.floor_db, float(np.percentile(levels, 10)) + self.margin_db)

    def segments(
        self, levels: np.ndarray, duration: float
    ) -> list[tuple[float, float, str, float]]:
        """Runs of loud frames, gap-bridged and length-filtered, as (start, end, label, conf)."""
        if levels.size == 0:
            return []
        threshold = self.threshold(levels)
        loud = np.concatenate(([0], (levels >= threshold).astype(np.int8), [0]))
        edges = np.diff(loud)
        starts, ends = list(np.flatnonzero(edges == 1)), list(np.flatnonzero(edges == -1))
        runs: list[list[int]] = []
        for s, e in zip(starts, ends, strict=True):
            if runs and (s - runs[-1][1]) * self.frame < self.min_silence:
                runs[-1][1] = e
            else:
                runs.append([s, e])
        out = []
        for s, e in runs:
            if (e - s) * self.frame + 1e-9 < self.min_speech:
                continue
            margin = float(np.mean(levels[s:e])) - threshold
            confidence = 1.0 / (1.0 + math.exp(-margin / 3.0))
            start, end = s * self.frame, min(e * self.frame, duration)
            if end > start:
                out.append((round(start, 6), round(end, 6), "speech", round(confidence, 4)))
        return out
