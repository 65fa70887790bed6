"""Atomic replacement: old-or-new, backups, permissions, clear errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from annotator.core.atomic import SaveError, atomic_write_text


def test_new_file_obeys_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_existing_file_keeps_its_mode_and_backup_holds_old_text(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_text(target, "new", backup=True)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert (tmp_path / "a.txt.bak").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="does not exist") as info:
        atomic_write_text(tmp_path / "nope" / "a.txt", "x")
    assert "a.txt" in str(info.value) and "\n" not in str(info.value)
