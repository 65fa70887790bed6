"""A valid recording whose file name is not valid UTF-8 is read, labelled and named escaped
(issue 19, weak spot).

On POSIX a file name is bytes. Python hands an undecodable byte to us as a lone surrogate
(``os.fsdecode``), which soundfile then failed to encode, so such a file was refused as "not a
readable audio file" although libsndfile opens it given the bytes. Messages show the byte as
``\\xe9``; the outputs keep the recording's own bytes in their names. The commands run in a
subprocess, so that stdout and stderr are the real, strict streams.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import soundfile as sf

from annotator.formats import read_annotation
from tests.robustness._checks import run_process
from tests.robustness.catalogue import tiny_model, tone

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")

#: Latin-1 "é" and a byte that is no character in any UTF-8 text.
NAME = b"caf\xe9-\xff.wav"
SHOWN = "caf\\xe9-\\xff.wav"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    sf.write(folder / "plain.wav", tone(seconds=0.5), 16000)
    os.rename(os.fsencode(folder / "plain.wav"), os.fsencode(folder) + b"/" + NAME)
    return folder


def undecodable(corpus: Path) -> Path:
    return Path(os.fsdecode(os.fsencode(corpus) + b"/" + NAME))


def test_info_describes_it_and_shows_the_name_escaped(corpus: Path) -> None:
    outcome = run_process("info", undecodable(corpus))
    assert outcome.code == 0 and outcome.err == "", outcome.err
    assert f"{SHOWN}: audio" in outcome.out, outcome.out
    assert "sample rate  16000 Hz" in outcome.out


def test_label_reads_it_and_writes_outputs_under_its_own_bytes(
    corpus: Path, tmp_path: Path
) -> None:
    model = tiny_model(tmp_path / "tiny.safetensors")
    out = tmp_path / "out"
    outcome = run_process("label", corpus, "--out", out, "--model", model,
                          "--format", "textgrid,rttm,json")  # fmt: skip
    assert outcome.code == 0, outcome.err
    assert "Traceback" not in outcome.err + outcome.out
    written = sorted(os.listdir(os.fsencode(out)))
    assert written == [b"caf\xe9-\xff.TextGrid", b"caf\xe9-\xff.json", b"caf\xe9-\xff.rttm"]
    for name in written:
        (out / os.fsdecode(name)).read_text(encoding="utf-8")  # every output is valid UTF-8
    rttm = (out / os.fsdecode(written[2])).read_text(encoding="utf-8")
    assert rttm.startswith("SPEAKER caf\\xe9-\\xff 1 "), rttm[:80]  # as messages show it
    recording = read_annotation(out / os.fsdecode(written[1])).recording.path
    assert os.fsencode(recording).endswith(NAME), recording  # JSON keeps the very bytes


def test_a_bad_file_with_an_undecodable_name_is_one_escaped_line(corpus: Path) -> None:
    bad = Path(os.fsdecode(os.fsencode(corpus) + b"/bad\xff.wav"))
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    outcome = run_process("info", bad)
    (line,) = outcome.err.splitlines()
    assert outcome.code == 1 and "Traceback" not in outcome.err, outcome.err
    assert line.startswith("annotator: ") and "bad\\xff.wav: not a readable audio file" in line
    assert "surrogate" not in line, line  # libsndfile's reason, not an encoding failure


def test_the_editor_opens_it_and_saves_the_labels(corpus: Path) -> None:
    """The editor's own reader decodes it (it passed the scan, then failed to open: "cannot
    read audio ... surrogates not allowed"), and its labels are saved and read back under the
    same name (the sidecar's JSON could not be encoded: the save raised)."""
    from annotator.core import Annotation, Lane, RecordingInfo, RecordingStatus, Segment, Source
    from annotator.gui.document import load_audio, project_for

    audio = load_audio(undecodable(corpus))
    assert audio.sample_rate == 16000 and len(audio.samples) == 8000
    project = project_for(corpus)
    [entry] = project.recordings
    assert entry.audio_error is None
    speech = Lane("speech", [Segment(0.1, 0.4, "speech", None, Source.HUMAN)])
    info = RecordingInfo(entry.rel_path, entry.duration, 16000)  # as the editor keeps it
    project.save(entry, Annotation([speech], info), RecordingStatus.DONE)
    again = project_for(corpus)
    loaded = again.load(again.recordings[0])
    assert loaded.lane("speech")[0].end == 0.4 and loaded.recording.path == os.fsdecode(NAME)
    assert again.recordings[0].rel_path == os.fsdecode(NAME)
