"""Progress callbacks, cancellation, and the package's import hygiene."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from segmenter.errors import Cancelled, SegmenterError
from segmenter.progress import check_cancelled, report, sub_progress


def test_check_cancelled():
    check_cancelled(None)
    event = threading.Event()
    check_cancelled(event)
    event.set()
    with pytest.raises(Cancelled, match="inference cancelled"):
        check_cancelled(event, "inference")
    assert issubclass(Cancelled, SegmenterError)


def test_report_clamps_and_sub_progress_maps_ranges():
    seen: list[tuple[float, str]] = []
    report(None, 0.5, "ignored")
    report(lambda f, m: seen.append((f, m)), 1.7, "done")
    inner = sub_progress(lambda f, m: seen.append((f, m)), 0.2, 0.6)
    inner(0.5, "half")
    inner(-1.0, "before")
    assert seen == [(1.0, "done"), (pytest.approx(0.4), "half"), (pytest.approx(0.2), "before")]
    assert sub_progress(None, 0.0, 1.0) is None


def test_import_segmenter_pulls_in_neither_qt_nor_transformers():
    code = (
        "import sys, segmenter, segmenter.checkpoint, segmenter.dictionary;"
        "bad = [m for m in ('PyQt6', 'pyqtgraph', 'annotator', 'transformers') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
