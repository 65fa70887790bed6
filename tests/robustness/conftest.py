"""Fixtures shared by the robustness tests."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator import extensions

GATED = '''
import time
from pathlib import Path

def make(gate=""):
    """Writes GATE.started, then waits (at most a minute) for GATE.go before it answers."""
    def run(source, *, progress=None, cancel=None):
        if gate:
            Path(gate + ".started").touch()
            for _ in range(600):
                if Path(gate + ".go").exists():
                    break
                time.sleep(0.1)
        return {"speech": [(0.0, 0.25, Path(gate).name or "speech", 0.9)]}
    return run
'''


@pytest.fixture
def gated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A pre-labeler plugin, ``gated``, that waits for the test's go; yields its site folder."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "gated_plugin.py").write_text(textwrap.dedent(GATED), encoding="utf-8")
    info = site / "gated_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gated-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[nmf_annotator.prelabelers]\ngated = gated_plugin:make\n"
    )
    monkeypatch.syspath_prepend(str(site))
    extensions.refresh()
    yield site
    extensions.refresh()
