"""A split's recordings, memory-mapped, each with its exact sample-level activity.

The mixer draws thousands of chunks per epoch; decoding FLAC each time would dominate. Holding
the decoded float32 in RAM was fine for the first 2 hours of sources (0.4 GB) but not for the
25 hours issue 16 asks for (about 6 GB of audio plus 1.5 GB of masks). So each item is decoded
once to ``<cache>/mapped/<item id>.f32.npy`` (the very float32 samples :func:`read_audio` gives,
so mixtures are bit-identical) and its activity mask to ``<item id>.<kind>-<key>.mask.npy``
(``key`` hashes the activity detector's code and parameters, so a changed detector is never
served a stale mask); :class:`SourceBank` then opens them with ``np.load(mmap_mode="r")`` and
the operating system pages in only what the mixer reads. Arrays are read-only: the mixer copies
before it changes anything. Tests build banks from synthetic in-memory clips directly.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import mmap
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segmenter.recipes import RecipeError
from segmenter.recipes import activity as _activity_module
from segmenter.recipes.activity import MUSIC, NOISE, SPEECH, activity
from segmenter.recipes.ami import read_turns, turn_masks
from segmenter.recipes.sources import Item, load_manifest, read_audio
from segmenter.recipes.splits import items_of, load_split

__all__ = [
    "Clip",
    "SourceBank",
    "item_masks",
    "clip_from_item",
    "mapped_audio",
    "is_memory_mapped",
    "MAPPED",
]

_PARAMS = {"speech": SPEECH, "music": MUSIC, "noise": NOISE}
MAPPED = "mapped"
"""Folder of the cache that holds the memory-mappable copies (rebuilt from the FLACs at will)."""


@functools.cache
def _detector_key(kind: str) -> str:
    """Short hash of the activity detector (its code and the kind's parameters)."""
    text = inspect.getsource(_activity_module) + repr(_PARAMS[kind])
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _source_path(cache: Path, item: Item) -> Path:
    path = Path(item.path)
    return path if path.is_absolute() else Path(cache) / path


def _fresh(target: Path, source: Path) -> bool:
    """Whether ``target`` exists and was written after ``source`` last changed."""
    try:
        return target.stat().st_mtime_ns >= source.stat().st_mtime_ns
    except FileNotFoundError:
        return False


def _save(target: Path, array: np.ndarray) -> None:
    """Write an .npy atomically (a crash or a concurrent writer never leaves half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    with open(partial, "wb") as out:
        np.save(out, array)
    os.replace(partial, target)


MAP_MIN_BYTES = 1 << 20
"""Files smaller than this are read into memory instead of mapped. Why: every mapping holds a
file descriptor, and the grown catalogue has ~10 000 short prompts and effects (2 descriptors
each, audio and mask) — past the usual limit of 1 024 open files. The short files are a small
share of the bytes (about 1.5 GB of float32); the hours of music stay mapped."""


def _open(path: Path) -> np.ndarray:
    """An .npy read-only, as a plain ndarray (what the mixer and tests expect): memory-mapped
    when it holds at least :data:`MAP_MIN_BYTES`, read into memory otherwise."""
    try:
        if path.stat().st_size < MAP_MIN_BYTES:
            array = np.load(path)
            array.flags.writeable = False
            return array
        mapped = np.load(path, mmap_mode="r")
    except ValueError:  # an empty array cannot be mapped; it costs nothing in RAM anyway
        return np.load(path)
    except OSError as error:
        raise RecipeError(f"{path}: cannot map ({error})") from error
    return np.asarray(mapped)


def is_memory_mapped(array: np.ndarray) -> bool:
    """True when ``array``'s samples live in a mapped file rather than in process memory."""
    base = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return True
        base = getattr(base, "base", None)
    return False


def mapped_audio(cache: Path, item: Item) -> np.ndarray:
    """The samples of ``item`` (exactly :func:`read_audio`'s), memory-mapped from the cache."""
    source = _source_path(cache, item)
    target = Path(cache) / MAPPED / f"{item.id}.f32.npy"
    if not _fresh(target, source):
        _save(target, read_audio(cache, item))
    return _open(target)


def _mapped_activity(cache: Path, item: Item, audio: np.ndarray) -> np.ndarray:
    """The clean-source activity mask of ``item``, computed once and memory-mapped."""
    audio_file = Path(cache) / MAPPED / f"{item.id}.f32.npy"
    target = Path(cache) / MAPPED / f"{item.id}.{item.kind}-{_detector_key(item.kind)}.mask.npy"
    if not _fresh(target, audio_file):
        _save(target, activity(audio, _PARAMS[item.kind]))
    return _open(target)


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
    return _masks(cache, item, mapped_audio(cache, item))


def _masks(cache: Path, item: Item, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if item.kind == "conversation":
        uri = item.id.split("/", 1)[1]
        return turn_masks(read_turns(Path(item.rttm)), uri, audio.size)
    if item.kind not in _PARAMS:
        raise RecipeError(f"{item.id}: unknown kind {item.kind!r} in the manifest")
    return _mapped_activity(cache, item, audio), None


def clip_from_item(cache: Path, item: Item) -> Clip:
    """Load a manifest item as a clip (audio + labels), memory-mapped from the cache."""
    audio = mapped_audio(cache, item)
    active, overlap = _masks(cache, item, audio)
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
