"""A regular (non-editable) install must carry the resources and the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_regular_install_finds_resources(tmp_path: Path) -> None:
    target = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-compile",
            "--quiet",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    assert (target / "annotator" / "_resources" / "icons" / "nmf-annotator.svg").is_file()
    for package in ("annotator", "segmenter", "nmf_prelabeler"):  # PEP 561: typed packages
        assert (target / package / "py.typed").is_file(), package
    probe = (
        "import annotator.resources as r, pathlib; "
        "root = r.resources_root(); print(root); "
        "print(r.resource_path('icons', 'nmf-annotator.svg'))"
    )
    # Run outside the checkout so that the checkout's resources/ cannot be what is found.
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    root = Path(result.stdout.splitlines()[0])
    assert root.is_relative_to(target), f"resources found at {root}, not in the installed package"
    script = target / "bin" / "annotator"
    assert script.is_file() and "annotator.cli" in script.read_text()
    version = subprocess.run(
        [sys.executable, "-m", "annotator", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert version.returncode == 0 and "nmf-annotator" in version.stdout
