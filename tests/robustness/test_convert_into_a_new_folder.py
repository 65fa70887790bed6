"""``convert`` of several recordings into a folder that does not exist yet (issue 19, weak spot).

``convert x.rttm newdir --to textgrid`` used to answer "give --file-id, an output folder, or an
.rttm output" although a folder and ``--to`` were given: only an existing folder or a trailing
slash counted as one. With ``--to`` and several recordings, a target without a known extension
is now a folder to create, when the format holds one recording per file (one RTTM file can hold
them all, so an RTTM target stays a file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.formats import read_annotation, read_annotations
from tests.robustness._checks import assert_one_error, run_cli

TWO = "SPEAKER a 1 0 1 <NA> <NA> x <NA> <NA>\nSPEAKER b 1 0.5 1 <NA> <NA> y <NA> <NA>\n"


@pytest.fixture
def rttm(tmp_path: Path) -> Path:
    path = tmp_path / "two.rttm"
    path.write_text(TWO, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "target,to,extension",
    [
        ("newdir", "textgrid", ".TextGrid"),
        ("new/deeper", "json", ".json"),
        ("labels.v2", "audacity", ".txt"),
    ],
)
def test_a_missing_target_without_a_known_extension_is_a_new_folder(
    tmp_path: Path, capsys, rttm: Path, target: str, to: str, extension: str
) -> None:
    folder = tmp_path / target
    outcome = run_cli(capsys, "convert", rttm, folder, "--to", to)
    assert outcome.code == 0 and outcome.err == "", outcome.err
    assert sorted(p.name for p in folder.iterdir()) == [f"a{extension}", f"b{extension}"]
    assert read_annotation(folder / f"a{extension}").lane_names == ("x",)


def test_an_rttm_target_without_extension_stays_one_file(tmp_path: Path, capsys, rttm) -> None:
    target = tmp_path / "all"
    outcome = run_cli(capsys, "convert", rttm, target, "--to", "rttm")
    assert outcome.code == 0, outcome.err
    assert target.is_file() and sorted(read_annotations(target, "rttm")) == ["a", "b"]


def test_one_recording_still_goes_to_the_file_named(tmp_path: Path, capsys) -> None:
    one = tmp_path / "one.rttm"
    one.write_text(TWO.splitlines()[0] + "\n", encoding="utf-8")
    target = tmp_path / "grid"
    outcome = run_cli(capsys, "convert", one, target, "--to", "textgrid")
    assert outcome.code == 0, outcome.err
    assert target.is_file()


def test_without_to_or_with_a_known_extension_nothing_changes(
    tmp_path: Path, capsys, rttm: Path
) -> None:
    no_to = run_cli(capsys, "convert", rttm, tmp_path / "newdir")
    assert_one_error(no_to, tmp_path / "newdir", "cannot tell the format")
    named = run_cli(capsys, "convert", rttm, tmp_path / "one.TextGrid", "--to", "textgrid")
    assert_one_error(named, rttm, "give --file-id, an output folder, or an .rttm output")
    existing = tmp_path / "taken"
    existing.write_text("mine", encoding="utf-8")
    refused = run_cli(capsys, "convert", rttm, existing, "--to", "textgrid")
    assert_one_error(refused, existing, "exists already")
    assert existing.read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "newdir").exists() and not (tmp_path / "one.TextGrid").exists()
