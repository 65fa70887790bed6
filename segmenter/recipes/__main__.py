"""Entry point of ``python -m segmenter.recipes``; the commands live in :mod:`.cli`."""

from __future__ import annotations

import sys

from segmenter.recipes.cli import main

sys.exit(main())
