"""From RTTM turns to class spans, and from class spans to frame labels with a mask.

Label mapping (SPEC): a name field that spells a class (``sp``/``speech``, ``mu``/``music``,
``no``/``noise``, ``ov``/``overlap``, any case) is that class; any other name is a speaker, and
speakers are speech. Overlap is where two *different* speakers' turns overlap (a speaker's own
overlapping turns are merged first) or where an explicit ``ov`` label says so; ``ov`` implies
``sp``. Explicit ``sp`` turns are speech of no known speaker and never make overlap.

Which classes a corpus annotates decides what its silence means: a meeting corpus without
music labels says nothing about music, so by default an unannotated class is *unknown* (mask 0,
left out of the BCE); ``unannotated="negative"`` makes it a known 0 instead, for corpora where the
class truly never occurs. Frames outside the UEM are unknown for every class.

Frame convention: frame t of a chunk starting at ``start`` analyses
``[start + t·hop, start + t·hop + frame_length)`` samples (see :mod:`segmenter.features`), and a
label (or the UEM) holds for the frame when it covers at least half of that window — the same
rule as the recipe's chunk generator, so both training streams agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from segmenter.features import SpectrogramConfig, num_frames
from segmenter.model import CLASSES
from segmenter.spans import covered, union
from segmenter.training.annotations import Turn

__all__ = [
    "CLASS_ALIASES",
    "UNANNOTATED_POLICIES",
    "Spans",
    "map_turns",
    "infer_annotated",
    "frame_coverage",
    "frame_labels",
]

CLASS_ALIASES: dict[str, str] = {
    "sp": "sp", "speech": "sp", "mu": "mu", "music": "mu",
    "no": "no", "noise": "no", "ov": "ov", "overlap": "ov",
}  # fmt: skip
UNANNOTATED_POLICIES = ("unknown", "negative")

Spans = list[tuple[float, float]]


def map_turns(turns: Iterable[Turn]) -> dict[str, Spans]:
    """Class spans of one file's turns (see the module docstring for the rules)."""
    explicit: dict[str, list[tuple[float, float]]] = {c: [] for c in CLASSES}
    per_speaker: dict[str, list[tuple[float, float]]] = {}
    for turn in turns:
        cls = CLASS_ALIASES.get(turn.label.lower())
        if cls is None:
            per_speaker.setdefault(turn.label, []).append((turn.start, turn.end))
        else:
            explicit[cls].append((turn.start, turn.end))
    speakers = {name: union(spans) for name, spans in per_speaker.items()}
    ov = union(explicit["ov"] + covered(list(speakers.values()), at_least=2))
    sp = union(explicit["sp"] + [s for spans in speakers.values() for s in spans] + ov)
    return {"sp": sp, "mu": union(explicit["mu"]), "no": union(explicit["no"]), "ov": ov}


def infer_annotated(turns_per_file: Iterable[Iterable[Turn]]) -> tuple[str, ...]:
    """Classes a corpus annotates, judged from its labels: speaker names annotate speech and
    overlap; explicit class labels annotate their class (``ov`` also ``sp``)."""
    found: set[str] = set()
    for turns in turns_per_file:
        for turn in turns:
            cls = CLASS_ALIASES.get(turn.label.lower())
            found |= {"sp", "ov"} if cls is None else ({"sp", "ov"} if cls == "ov" else {cls})
    return tuple(c for c in CLASSES if c in found)


def frame_coverage(
    spans: Sequence[tuple[float, float]], start: float, n_frames: int, cfg: SpectrogramConfig
) -> np.ndarray:
    """Seconds of each frame's analysis window covered by (merged) ``spans``; shape (T,)."""
    hop, win = cfg.hop_length / cfg.sample_rate, cfg.frame_length / cfg.sample_rate
    lo = start + np.arange(n_frames) * hop
    hi = lo + win
    cover = np.zeros(n_frames)
    if n_frames == 0:
        return cover
    for a, b in spans:
        if b <= lo[0] or a >= hi[-1]:
            continue
        cover += np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
    return cover


def frame_labels(
    spans: Mapping[str, Spans],
    annotated: Iterable[str],
    start: float,
    n_samples: int,
    cfg: SpectrogramConfig,
    *,
    uem: Spans | None = None,
    unannotated: str = "unknown",
    classes: Sequence[str] = CLASSES,
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and mask (C, T) float32 for the chunk of ``n_samples`` starting at ``start`` s."""
    if unannotated not in UNANNOTATED_POLICIES:
        raise ValueError(f"unannotated must be one of {UNANNOTATED_POLICIES}, got {unannotated!r}")
    T = num_frames(n_samples, cfg)
    half = 0.5 * cfg.frame_length / cfg.sample_rate
    annotated = set(annotated)
    labels = np.zeros((len(classes), T), dtype=np.float32)
    mask = np.zeros((len(classes), T), dtype=np.float32)
    for i, c in enumerate(classes):
        labels[i] = frame_coverage(spans.get(c, []), start, T, cfg) >= half - 1e-9
        mask[i] = 1.0 if c in annotated or unannotated == "negative" else 0.0
    if uem is not None:
        mask *= (frame_coverage(union(uem), start, T, cfg) >= half - 1e-9)[None, :]
    return labels, mask
