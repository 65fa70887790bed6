"""The reproducible training-data recipe of the default model, built from offline sources only.

Every source is recorded audio that can be obtained without a web download of our own choosing:
Debian packages fetched with ``apt-get download`` (unpacked with ``dpkg-deb -x``, no root needed)
and the AMI meeting clips shipped beside the project. The recipe never commits the audio, only
the code that turns the packages into a cache, a split and a stream of labelled 4 s chunks.

Modules, one job each:

* :mod:`~segmenter.recipes.sources` — the catalogue (package, licence, class, which files) and
  ``fetch``: download, unpack, decode to 16 kHz mono FLAC, write ``manifest.json``.
* :mod:`~segmenter.recipes.ami` — AMI clips and their speaker turns as sample masks.
* :mod:`~segmenter.recipes.activity` — the energy detector that labels clean recordings.
* :mod:`~segmenter.recipes.splits` — train/validation split by source file.
* :mod:`~segmenter.recipes.bank` — a split's audio and activity loaded into memory.
* :mod:`~segmenter.recipes.mixing` — the chunk generator with exact frame labels.
* :mod:`~segmenter.recipes.demo` — the ~90 s demo recording with reference labels.

Command line: ``python -m segmenter.recipes fetch --cache DIR`` and
``python -m segmenter.recipes demo --cache DIR --out resources/demo``.
"""

from __future__ import annotations

from segmenter.errors import SegmenterError

__all__ = ["RecipeError"]


class RecipeError(SegmenterError):
    """The recipe cannot go on (a package, tool, cache file or source file is missing or bad)."""
