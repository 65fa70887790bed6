"""AMI speaker turns as sample masks: speech = union of turns, overlap = two or more at once.

A tiny strict RTTM reader of our own (the segmenter must not import the annotator's formats):
only ``SPEAKER`` lines, 10 fields, onset and duration in seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from segmenter.recipes import RecipeError

__all__ = ["Turn", "read_turns", "turn_masks"]

Turn = tuple[str, float, float, str]  # (uri, onset s, duration s, speaker)


def read_turns(path: Path) -> list[Turn]:
    """Speaker turns of an RTTM file; a malformed line raises naming the file and line."""
    turns = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        try:
            if len(fields) < 9:
                raise ValueError("fewer than 9 fields")
            onset, duration = float(fields[3]), float(fields[4])
            if duration < 0:
                raise ValueError("negative duration")
        except ValueError as error:
            raise RecipeError(f"{path}:{number}: bad RTTM line ({error})") from error
        turns.append((fields[1], onset, duration, fields[7]))
    return turns


def turn_masks(
    turns: list[Turn], uri: str, n_samples: int, rate: int = 16000
) -> tuple[np.ndarray, np.ndarray]:
    """(speech, overlap) boolean masks of length ``n_samples`` for recording ``uri``.

    Turn edges are rounded to the nearest sample; turns of the same speaker that touch or overlap
    count once (one talker cannot overlap with themself).
    """
    per_speaker: dict[str, np.ndarray] = {}
    for turn_uri, onset, duration, speaker in turns:
        if turn_uri != uri:
            continue
        mask = per_speaker.setdefault(speaker, np.zeros(n_samples, dtype=bool))
        start = min(max(int(round(onset * rate)), 0), n_samples)
        end = min(max(int(round((onset + duration) * rate)), 0), n_samples)
        mask[start:end] = True
    if not per_speaker:
        empty = np.zeros(n_samples, dtype=bool)
        return empty, empty.copy()
    count = np.sum(np.stack(list(per_speaker.values())), axis=0)
    return count >= 1, count >= 2
