"""Train/validation split by source *file*, stratified per source, deterministic with a seed.

A file is wholly on one side, so validation never hears a recording (or a stretch of a music
track) that training saw. Each source is split on its own, by duration: files are shuffled with
the seed and moved to validation until it holds ``fraction`` of that source's seconds, keeping at
least one file on each side when the source has two or more. Sources that come split (AMI) keep
their own split. The files of the demo recording can be reserved for validation. The result is written beside the manifest so training and the demo agree.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

import numpy as np

from segmenter.recipes import RecipeError
from segmenter.recipes.sources import Item, load_manifest

__all__ = ["SPLITS", "make_split", "save_split", "load_split", "items_of", "minutes_per_class"]

SPLITS = ("train", "validation")
SPLIT_FILE = "split.json"


def make_split(
    items: list[Item], fraction: float = 0.2, seed: int = 0, reserve: Collection[str] = ()
) -> dict[str, str]:
    """Map item id → "train" | "validation"; the same items and seed give the same split.

    Ids in ``reserve`` are put on the validation side first (the demo recording's files, so the
    shipped model is never shown a demo it was trained on); they count towards the fraction.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")
    split: dict[str, str] = {}
    by_source: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.split:
            if item.split not in SPLITS:
                raise RecipeError(f"{item.id}: unknown fixed split {item.split!r}")
            split[item.id] = item.split
        else:
            by_source[item.source].append(item)
    for source in sorted(by_source):
        group = sorted(by_source[source], key=lambda item: item.id)
        # One generator per source, seeded by (seed, source name): adding a source elsewhere in
        # the catalogue does not reshuffle this one.
        rng = np.random.default_rng([seed, *source.encode()])
        order = [group[i] for i in rng.permutation(len(group))]
        order = [i for i in order if i.id in reserve] + [i for i in order if i.id not in reserve]
        total = sum(item.seconds for item in group)
        held = 0.0
        for k, item in enumerate(order):
            remaining = len(order) - k
            wanted = item.id in reserve or k == 0 or held < fraction * total
            take = len(group) >= 2 and remaining > 1 and wanted
            split[item.id] = "validation" if take else "train"
            held += item.seconds if take else 0.0
    return split


def save_split(cache: Path, split: dict[str, str]) -> Path:
    """Write the split beside the manifest (atomically)."""
    path = Path(cache) / SPLIT_FILE
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(dict(sorted(split.items())), indent=1))
    os.replace(partial, path)
    return path


def load_split(cache: Path) -> dict[str, str]:
    """The split written by ``fetch``; a missing file says to run ``fetch`` first."""
    path = Path(cache) / SPLIT_FILE
    if not path.exists():
        raise RecipeError(f"{path}: missing; run `python -m segmenter.recipes fetch` first")
    return json.loads(path.read_text())


def items_of(items: list[Item], split: dict[str, str], name: str) -> list[Item]:
    """The items on side ``name`` of ``split`` (items the split does not know are left out)."""
    if name not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {name!r}")
    return [item for item in items if split.get(item.id) == name]


def minutes_per_class(
    cache: Path, split: dict[str, str]
) -> dict[tuple[str, str], tuple[int, float, float]]:
    """(split, kind) → (files, minutes of audio, minutes labelled active for that class).

    Active minutes come from the same detector the mixer uses (speech for prompts, union of turns
    for conversations; "conversation/overlap" lists the AMI overlap minutes).
    """
    from segmenter.recipes.bank import item_masks  # the bank reads audio; keep this import lazy

    table: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for item in load_manifest(cache):
        side = split.get(item.id)
        if side is None:
            continue
        active, overlap = item_masks(cache, item)
        row = table[(side, item.kind)]
        row[0] += 1
        row[1] += item.seconds / 60
        row[2] += active.sum() / 16000 / 60
        if overlap is not None:
            ov = table[(side, "conversation/overlap")]
            ov[0] += 1
            ov[1] += item.seconds / 60
            ov[2] += overlap.sum() / 16000 / 60
    return {key: (int(v[0]), float(v[1]), float(v[2])) for key, v in table.items()}
