"""`remove_stale_temporaries` knows every temporary name `write_outputs` makes, and no other."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from annotator.batch import CorpusItem, write_outputs
from annotator.batch.outputs import _keep_previous, remove_stale_temporaries
from annotator.core import Annotation, Lane, Segment
from annotator.formats import FORMATS


def test_every_temporary_a_write_makes_is_recognised(tmp_path: Path, monkeypatch) -> None:
    """The names come from the real code: spied on while every built-in format is written
    (ours and each writer's own), and a kept previous file's second name."""
    made: list[Path] = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        made.append(Path(name))
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    item = CorpusItem("sub/rec.one", tmp_path / "rec.one.wav")
    annotation = Annotation([Lane("speech", [Segment(0.0, 1.0)])])
    targets = {out / f"sub/rec.one{f.extensions[0]}": f for f in FORMATS.values()}
    write_outputs(annotation, item, targets)
    monkeypatch.undo()
    backup = _keep_previous(next(iter(targets)), next(iter(targets.values())).extensions[0])
    assert backup is not None
    left = [*made, backup]
    assert len(made) >= 2 * len(targets), made  # ours and the writers' own
    for path in left:
        path.touch()
        os.utime(path, (1, 1))
    assert remove_stale_temporaries(out, older_than_ns=10**18) == len(left)
    assert not [p for p in left if p.exists()]
    assert all(target.exists() for target in targets)  # outputs are never touched


@pytest.mark.parametrize(
    "name",
    ["rec.TextGrid", ".hidden", ".rec.partial.json", ".rec.abc.partial.json", "rec.partial.json"],
)
def test_other_files_are_left_alone(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.touch()
    os.utime(path, (1, 1))
    assert remove_stale_temporaries(tmp_path, older_than_ns=10**18) == 0
    assert path.exists()


def test_only_what_is_older_than_the_lock_goes(tmp_path: Path) -> None:
    path = tmp_path / ".rec.abcd1234.partial.json"
    path.touch()
    assert remove_stale_temporaries(tmp_path, older_than_ns=path.stat().st_mtime_ns) == 0
    assert remove_stale_temporaries(tmp_path, older_than_ns=path.stat().st_mtime_ns + 1) == 1
