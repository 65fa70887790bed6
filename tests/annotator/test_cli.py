"""The ``annotator`` command as a user runs it: real processes, real files, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.formats import read_annotation, read_annotations, write_annotation

AMI = Path(__file__).resolve().parents[3] / "shared" / "data" / "ami"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], cwd=cwd, capture_output=True, text=True
    )


def _sample(tmp_path: Path) -> Path:
    annotation = Annotation(
        [
            Lane("speech", [Segment(0.0, 1.25, "speech"), Segment(2.0, 3.5, "speech")]),
            Lane("music", [Segment(1.0, 4.0, "music")]),
        ],
        recording=RecordingInfo(path="talk.wav", duration=4.0),
    )
    path = tmp_path / "talk.TextGrid"
    write_annotation(annotation, path)
    return path


def test_convert_textgrid_to_rttm_and_back(tmp_path: Path) -> None:
    source = _sample(tmp_path)
    done = run_cli("convert", source.name, "talk.rttm", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "talk.rttm").read_text().splitlines()
    assert lines[0].split()[:5] == ["SPEAKER", "talk", "1", "0.000", "1.250"]
    back = run_cli("convert", "talk.rttm", "again.TextGrid", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    original, again = read_annotation(source), read_annotation(tmp_path / "again.TextGrid")
    for name in ("speech", "music"):
        assert [(s.start, s.end) for s in again.lane(name)] == [
            (s.start, s.end) for s in original.lane(name)
        ]


def test_convert_to_rttm_warns_which_typed_labels_it_cannot_carry(tmp_path: Path) -> None:
    annotation = Annotation(
        [Lane("speech", [Segment(0.0, 1.0, "speech"), Segment(2.0, 3.0, "laughing")])],
        recording=RecordingInfo(path="talk.wav", duration=4.0),
    )
    write_annotation(annotation, tmp_path / "talk.TextGrid")
    done = run_cli("convert", "talk.TextGrid", "talk.rttm", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (warning,) = done.stderr.strip().splitlines()
    assert "talk.TextGrid" in warning and "'speech'" in warning and "'laughing'" in warning
    quiet = run_cli("convert", "talk.TextGrid", "talk.json", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_convert_never_overwrites_without_force(tmp_path: Path) -> None:
    source = _sample(tmp_path)
    target = tmp_path / "out.json"
    target.write_text("precious")
    refused = run_cli("convert", source.name, "out.json", cwd=tmp_path)
    assert refused.returncode == 1
    assert "exists already" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert target.read_text() == "precious"
    forced = run_cli("convert", source.name, "out.json", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert read_annotation(target).lane("music")[0] == Segment(1.0, 4.0, "music")


@pytest.mark.skipif(not AMI.is_dir(), reason="shared AMI clips not present")
def test_multi_recording_rttm_needs_a_choice(tmp_path: Path) -> None:
    rttm = AMI / "dev.rttm"
    refused = run_cli("convert", str(rttm), "one.TextGrid", cwd=tmp_path)
    assert refused.returncode == 1
    assert "dev00" in refused.stderr and "--file-id" in refused.stderr
    assert not (tmp_path / "one.TextGrid").exists()

    folder = run_cli("convert", str(rttm), "grids/", "--to", "textgrid", cwd=tmp_path)
    assert folder.returncode == 0, folder.stderr
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == [
        "dev00.TextGrid",
        "dev01.TextGrid",
    ]
    picked = run_cli("convert", str(rttm), "dev01.json", "--file-id", "dev01", cwd=tmp_path)
    assert picked.returncode == 0, picked.stderr
    expected = read_annotations(rttm)["dev01"]
    got = read_annotation(tmp_path / "dev01.json")
    assert {lane.name: lane.segments for lane in got} == {
        lane.name: lane.segments for lane in expected
    }


def test_info_on_audio_and_annotation(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "tone.wav", np.zeros(8000, dtype=np.float32), 8000)
    audio = run_cli("info", "tone.wav", cwd=tmp_path)
    assert audio.returncode == 0, audio.stderr
    assert "1.000 s" in audio.stdout and "8000 Hz" in audio.stdout
    _sample(tmp_path)
    annotation = run_cli("info", "talk.TextGrid", cwd=tmp_path)
    assert annotation.returncode == 0, annotation.stderr
    assert "lane 'speech': 2 segments, 2.750 s labelled" in annotation.stdout


ELAN6 = Path(__file__).resolve().parent / "formats" / "data" / "elan6_meeting.eaf"


def test_convert_an_elan_file_to_textgrid_csv_and_back(tmp_path: Path) -> None:
    (tmp_path / "meeting.eaf").write_bytes(ELAN6.read_bytes())
    info = run_cli("info", "meeting.eaf", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert "recording    /corpus/meeting/ES2002a.Mix-Headset.wav" in info.stdout
    assert "lane 'MEE009': 2 segments" in info.stdout
    assert "2 other tier(s) carried unchanged" in info.stdout
    for target in ("meeting.TextGrid", "meeting.csv", "again.eaf"):
        done = run_cli("convert", "meeting.eaf", target, cwd=tmp_path)
        assert done.returncode == 0 and done.stderr == "", done.stderr
    assert (tmp_path / "again.eaf").read_bytes() == ELAN6.read_bytes()
    back = run_cli("convert", "meeting.csv", "from-csv.eaf", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    original = read_annotation(tmp_path / "meeting.eaf")
    for name in ("meeting.TextGrid", "from-csv.eaf"):
        again = read_annotation(tmp_path / name)
        assert [list(lane) for lane in again] == [list(lane) for lane in original], name


@pytest.mark.parametrize(
    ("args", "content", "expected"),
    [
        (("info", "missing.wav"), None, "no such file"),
        (("info", "broken.wav"), b"this is text, not audio", "not a readable audio file"),
        (("info", "broken.TextGrid"), b"", "empty"),
        (("info", "broken.rttm"), b"SPEAKER x 1 0.0\n", "broken.rttm:1"),
        (
            ("convert", "broken.rttm", "out.TextGrid"),
            b"SPEAKER x 1 abc 1 <NA> <NA> a <NA> <NA>\n",
            "broken.rttm:1",
        ),
        (("convert", "x.TextGrid", "out.doc"), None, "x.TextGrid"),
        (
            ("info", "broken.eaf"),
            b"<ANNOTATION_DOCUMENT>\n<HEADER/>\n</ANNOTATION_DOCUMENT>\n",
            "broken.eaf:1: no TIME_ORDER",
        ),
        (("convert", "broken.csv", "out.eaf"), b"onset,offset,lane\n", "missing column"),
    ],
)
def test_bad_input_gives_one_line_and_exit_1(
    tmp_path: Path, args: tuple[str, ...], content: bytes | None, expected: str
) -> None:
    if content is not None:
        (tmp_path / args[1]).write_bytes(content)
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator: ") and expected in lines[0], lines


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("convert", cwd=tmp_path).returncode == 2
    assert run_cli("--no-such-flag", cwd=tmp_path).returncode == 2


def test_every_subcommand_has_an_entry_point_in_the_table():
    """`annotator.cli._command` is written out by hand: a subcommand added to the parser but
    not to the table fails here, not at a user's first run."""
    from annotator.cli import SUBCOMMANDS, _command

    for name in SUBCOMMANDS:
        assert _command(name).__name__ == f"run_{name}"
    with pytest.raises(ValueError, match="unknown subcommand"):
        _command("nope")
