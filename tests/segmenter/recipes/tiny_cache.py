"""A tiny fetched cache on disk: manifest, split and FLAC files named like the real catalogue.

The unseen-package code maps sources to Debian packages through the catalogue and loads banks
with :meth:`SourceBank.from_cache`; a cache with the catalogue's source names lets tests run that
path for real (decoding, activity detection, split) in a second, without the fetched cache.
Every talker, track and effect is a tone or noise burst of its own, as in ``conftest``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import soundfile as sf

from segmenter.recipes.sources import Item

RATE = 16000
# source -> (package, kind, speakers); the packages are the catalogue's for these source names
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "asterisk-en": ("asterisk-core-sounds-en-g722", "speech", ("allison",)),
    "asterisk-fr": ("asterisk-core-sounds-fr-g722", "speech", ("june",)),
    "fillets-speech": ("fillets-ng-data", "speech", ("elk", "parrot")),
    "alsa-speech": ("alsa-utils", "speech", ("alsa-voice",)),
    "asterisk-moh": ("asterisk-moh-opsound-g722", "music", ()),
    "asc-music": ("asc-music", "music", ()),
    "fillets-music": ("fillets-ng-data", "music", ()),
    "freedesktop-noise": ("sound-theme-freedesktop", "noise", ()),
    "alsa-noise": ("alsa-utils", "noise", ()),
    "fillets-noise": ("fillets-ng-data", "noise", ()),
}


def _audio(kind: str, index: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "speech":
        t = np.arange(int(2.5 * RATE)) / RATE
        on = ((t % 0.8) < 0.55).astype(np.float32)  # words and pauses
        return (0.3 * on * np.sin(2 * np.pi * (300 + 170 * index) * t)).astype(np.float32)
    if kind == "music":
        t = np.arange(6 * RATE) / RATE
        notes = sum(np.sin(2 * np.pi * f * t) for f in (220 + 40 * index, 330 + 40 * index))
        return (0.15 * notes).astype(np.float32)
    burst = np.zeros(RATE, dtype=np.float32)
    burst[RATE // 5 : RATE // 2] = 0.3 * rng.standard_normal(RATE // 2 - RATE // 5)
    return burst


def write_tiny_cache(cache: Path) -> Path:
    """Two files per talker or source (one per side of the split); returns ``cache``."""
    rng = np.random.default_rng(0)
    items: list[Item] = []
    split: dict[str, str] = {}
    n = 0
    for source, (package, kind, speakers) in SOURCES.items():
        for speaker in speakers or ("",):
            for side in ("train", "validation"):
                n += 1
                audio = _audio(kind, n, rng)
                rel = f"audio/{source}/{speaker or 'x'}-{side}.flac"
                (cache / rel).parent.mkdir(parents=True, exist_ok=True)
                sf.write(cache / rel, audio, RATE, subtype="PCM_16")
                item = Item(
                    id=f"{source}/{speaker or 'x'}-{side}", source=source, kind=kind,
                    speaker=speaker, path=rel, seconds=audio.size / RATE, package=package,
                    licence="test",
                )  # fmt: skip
                items.append(item)
                split[item.id] = side
    (cache / "manifest.json").write_text(json.dumps([asdict(i) for i in items], indent=1))
    (cache / "split.json").write_text(json.dumps(split, indent=1))
    return cache
