"""``python -m segmenter.training`` — see :mod:`segmenter.training.cli`."""

from __future__ import annotations

import sys

from segmenter.training.cli import main

sys.exit(main())
