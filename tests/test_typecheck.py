"""The type check, part of the test run: mypy as configured in pyproject.toml ([tool.mypy]).

Strict for annotator.core, annotator.formats, annotator.extensions, segmenter and the bridge
plugin (nmf_prelabeler); the rest of the tree with mypy's defaults. mypy comes with the [test]
extra; where it is not installed the check is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: the packages whose modules must get every per-module flag of `mypy --strict`
STRICT = ("annotator.core", "annotator.formats", "annotator.extensions", "segmenter")
BRIDGE = "nmf_prelabeler"
STRICT_FLAGS = {
    "disallow_any_generics": True,
    "disallow_subclassing_any": True,
    "disallow_untyped_calls": True,
    "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True,
    "check_untyped_defs": True,
    "disallow_untyped_decorators": True,
    "warn_unused_ignores": True,
    "warn_return_any": True,
    "implicit_reexport": False,
    "strict_equality": True,
    "extra_checks": True,
}


def _mypy_config() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


@pytest.mark.slow
def test_mypy_passes() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed; install the [test] extra to type-check")
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],  # files, flags and cache dir from pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_packages_get_the_strict_flags() -> None:
    """Each strict package (and the bridge) sits in an override that sets every flag, and no
    section says ``strict``: in a per-module section mypy applies it to every module."""
    config = _mypy_config()
    assert "strict" not in config
    overrides = config.get("overrides", [])
    assert all("strict" not in section for section in overrides)
    for package in (*STRICT, BRIDGE):
        sections = [s for s in overrides if f"{package}.*" in s["module"]]
        flags = {k: v for s in sections for k, v in s.items() if k in STRICT_FLAGS}
        assert flags == STRICT_FLAGS, f"{package} is not checked strictly"
    assert set(config["files"]) >= {"annotator", "segmenter", "plugins/nmf_prelabeler"}


def test_the_typed_packages_say_so() -> None:
    """PEP 561: the installed packages carry py.typed, so their users' checkers read our types."""
    for package in ("annotator", "segmenter", "plugins/nmf_prelabeler"):
        assert (ROOT / package / "py.typed").is_file(), package
