"""``python -m annotator`` is the ``annotator`` command.

``python -m`` puts the current folder first on ``sys.path``; a corpus someone sent could then
shadow any module we import (``torch.py``, ``soundfile.py``) with its own code. The installed
``annotator`` script does not do that, so neither do we.
"""

import os
import sys

if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.path.abspath(os.curdir):
    sys.path.pop(0)

from annotator.cli import main  # noqa: E402 - after the sys.path fix, on purpose

sys.exit(main())
