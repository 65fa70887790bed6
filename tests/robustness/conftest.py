"""Fixtures shared by the robustness tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator import extensions
from tests.annotator.test_extensions import fake_distribution

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
    site = fake_distribution(
        tmp_path / "site", "gated-plugin",
        {"nmf_annotator.prelabelers": {"gated": "gated_plugin:make"}}, {"gated_plugin": GATED},
    )  # fmt: skip
    monkeypatch.syspath_prepend(str(site))
    extensions.refresh()
    yield site
    extensions.refresh()
