"""A split's recordings in memory, each with its exact sample-level activity.

The mixer draws thousands of chunks per epoch; decoding FLAC each time would dominate, so a
:class:`SourceBank` loads one side of the split once (about 0.4 GB of float32 for the training
side) and hands out :class:`Clip` objects. Tests build banks from synthetic clips directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segmenter.recipes import RecipeError
from segmenter.recipes.activity import MUSIC, NOISE, SPEECH, activity
from segmenter.recipes.ami import read_turns, turn_masks
from segmenter.recipes.sources import Item, load_manifest, read_audio
from segmenter.recipes.splits import items_of, load_split

__all__ = ["Clip", "SourceBank", "item_masks", "clip_from_item"]

_PARAMS = {"speech": SPEECH, "music": MUSIC, "noise": NOISE}


@dataclass(frozen=True, eq=False)
class Clip:
    """One recording with its labels at sample resolution.

    ``active`` is where the clip's own class is present (speech for speech and conversations,
    music, noise); ``overlap`` is set for conversations only (two or more of its talkers).
    ``speakers`` are the talkers a clip contains (empty for music and noise).
    """

    id: str
    kind: str
    audio: np.ndarray
    active: np.ndarray
    speakers: frozenset[str] = frozenset()
    overlap: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.audio.ndim != 1 or self.active.shape != self.audio.shape:
            raise ValueError(f"{self.id}: audio and activity must be 1-D of the same length")
        if self.overlap is not None and self.overlap.shape != self.audio.shape:
            raise ValueError(f"{self.id}: overlap mask length differs from the audio")


def item_masks(cache: Path, item: Item) -> tuple[np.ndarray, np.ndarray | None]:
    """(active, overlap) sample masks of a manifest item; overlap only for conversations."""
    return _masks(item, read_audio(cache, item))


def _masks(item: Item, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if item.kind == "conversation":
        uri = item.id.split("/", 1)[1]
        return turn_masks(read_turns(Path(item.rttm)), uri, audio.size)
    if item.kind not in _PARAMS:
        raise RecipeError(f"{item.id}: unknown kind {item.kind!r} in the manifest")
    return activity(audio, _PARAMS[item.kind]), None


def clip_from_item(cache: Path, item: Item) -> Clip:
    """Load a manifest item as a clip (audio + labels)."""
    audio = read_audio(cache, item)
    active, overlap = _masks(item, audio)
    if item.kind == "conversation":
        speakers = frozenset(t[3] for t in read_turns(Path(item.rttm)) if f"ami/{t[0]}" == item.id)
    else:
        speakers = frozenset({item.speaker}) if item.speaker else frozenset()
    return Clip(item.id, item.kind, audio, active, speakers, overlap)


@dataclass
class SourceBank:
    """Clips of one split, grouped by what the mixer needs."""

    speech: list[Clip] = field(default_factory=list)
    conversations: list[Clip] = field(default_factory=list)
    music: list[Clip] = field(default_factory=list)
    noise: list[Clip] = field(default_factory=list)

    @classmethod
    def from_clips(cls, clips: Iterable[Clip]) -> SourceBank:
        """Group clips by kind (speech clips need exactly one speaker each)."""
        bank = cls()
        for clip in clips:
            if clip.kind == "speech" and len(clip.speakers) != 1:
                raise ValueError(f"{clip.id}: a speech clip needs exactly one speaker")
            target = {
                "speech": bank.speech,
                "conversation": bank.conversations,
                "music": bank.music,
                "noise": bank.noise,
            }.get(clip.kind)
            if target is None:
                raise ValueError(f"{clip.id}: unknown clip kind {clip.kind!r}")
            target.append(clip)
        return bank

    @classmethod
    def from_cache(cls, cache: Path, split_name: str, exclude: Iterable[str] = ()) -> SourceBank:
        """Load side ``split_name`` ("train" or "validation") of a fetched cache, without the
        catalogue sources named in ``exclude`` (e.g. to train on permissively licensed audio only)."""
        excluded = set(exclude)
        manifest = load_manifest(cache)
        known = sorted({item.source for item in manifest})
        unknown = sorted(excluded - set(known))
        if unknown:
            raise RecipeError(
                f"{cache}: unknown source(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        items = items_of(manifest, load_split(cache), split_name)
        kept = (item for item in items if item.source not in excluded)
        return cls.from_clips(clip_from_item(cache, item) for item in kept)

    def speakers(self) -> dict[str, list[Clip]]:
        """Speech clips grouped by speaker (sorted by speaker id for determinism)."""
        groups: dict[str, list[Clip]] = {}
        for clip in self.speech:
            groups.setdefault(next(iter(clip.speakers)), []).append(clip)
        return dict(sorted(groups.items()))

    def seconds(self) -> dict[str, float]:
        """Seconds of audio per group, for logs and the model's training-data summary."""
        return {
            name: sum(c.audio.size for c in clips) / 16000
            for name, clips in (
                ("speech", self.speech),
                ("conversations", self.conversations),
                ("music", self.music),
                ("noise", self.noise),
            )
        }
