"""A recording's outputs change together or not at all, even when a rename fails (issue 19, bug 4).

Every format used to be staged first, but the renames into place went one by one: when the third
failed, the first two were already replaced. Now the ones already moved are rolled back, so the
earlier outputs keep their previous contents (or, where there were none, do not appear).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotator.batch import CorpusItem, write_outputs
from annotator.batch.outputs import OutputError
from annotator.core import Annotation, Lane, Segment
from annotator.formats import FORMATS, read_annotation

NAMES = ("textgrid", "rttm", "json")


def targets_in(folder: Path) -> dict[Path, object]:
    return {folder / f"rec{FORMATS[n].extensions[0]}": FORMATS[n] for n in NAMES}


def failing_rename(monkeypatch: pytest.MonkeyPatch, victim: Path) -> None:
    """``os.replace`` fails for the rename onto ``victim`` (a full quota, a vanished mount)."""
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == victim and ".partial" in Path(src).name:
            raise OSError(122, "Disk quota exceeded")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


ANNOTATION = Annotation([Lane("speech", [Segment(0.0, 1.0, "speech", 0.5)])])


def test_a_failed_third_rename_restores_the_first_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = targets_in(tmp_path)
    paths = list(targets)
    for path in paths:
        path.write_text(f"previous {path.suffix}\n", encoding="utf-8")
    failing_rename(monkeypatch, paths[2])
    with pytest.raises(OutputError) as caught:
        write_outputs(ANNOTATION, CorpusItem("rec", tmp_path / "rec.wav"), targets, overwrite=True)
    message = str(caught.value)
    assert str(paths[2]) in message and "quota" in message and "\n" not in message
    assert ".partial" not in message
    for path in paths:
        assert path.read_text(encoding="utf-8") == f"previous {path.suffix}\n", path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_a_failed_rename_leaves_no_new_output_where_there_was_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = targets_in(tmp_path)
    failing_rename(monkeypatch, list(targets)[1])
    with pytest.raises(OutputError):
        write_outputs(ANNOTATION, CorpusItem("rec", tmp_path / "rec.wav"), targets)
    assert list(tmp_path.iterdir()) == []


def test_a_successful_commit_replaces_all_and_leaves_nothing_else(tmp_path: Path) -> None:
    targets = targets_in(tmp_path)
    for path in targets:
        path.write_text("previous\n", encoding="utf-8")
    write_outputs(ANNOTATION, CorpusItem("rec", tmp_path / "rec.wav"), targets, overwrite=True)
    for path in targets:
        assert path.read_text(encoding="utf-8") != "previous\n"
    assert read_annotation(list(targets)[0]).lane("speech")[0].label == "speech"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in targets)
