"""``python -m segmenter`` is the ``segmenter`` command."""

import sys

from segmenter.cli import main

sys.exit(main())
