"""A representative part of the catalogue through the editor: an error dialog, never a crash.

The window asks its questions through ``window.prompts`` (scripted here), so an error dialog is
a recorded message: it must be one line naming the file, the window must keep working, and
the files on disk must be as they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from annotator.gui.document import project_for  # noqa: E402
from tests.annotator.gui import conftest as gui  # noqa: E402
from tests.annotator.gui.conftest import ScriptedPrompts, write_wav  # noqa: E402
from tests.robustness._checks import assert_untouched, snapshot  # noqa: E402
from tests.robustness.catalogue import CATALOGUE, BadInput  # noqa: E402

# the editor fixtures of tests/annotator/gui, shared rather than copied
make_window = gui.make_window
_isolated_paths = gui._isolated_paths

BY_NAME = {c.name: c for c in CATALOGUE}
OPEN_BAD = ["text.wav", "truncated-flac.flac", "zero-samples.wav", "folder.wav", "empty.wav"]
OPEN_VALID = ["eight-channels.wav", "nan-inf.wav", "one-sample.wav", "studio-96k.flac"]
SIDECAR_BAD = ["truncated.annotation.json", "newer.annotation.json", "status.annotation.json"]
IMPORT_BAD = ["truncated.TextGrid", "utf16-no-bom.TextGrid", "negative-duration.rttm",
              "spaces-in-id.rttm", "syntax.json", "truncated.eaf", "bomb.eaf", "slot-ref.eaf",
              "backwards.csv"]  # fmt: skip


def _one_error(prompts: ScriptedPrompts, path: Path, reason: str) -> None:
    assert len(prompts.errors) == 1, prompts.errors
    message = prompts.errors[0]
    assert "\n" not in message and str(path) in message and reason.lower() in message.lower()


@pytest.mark.parametrize("name", OPEN_BAD)
def test_opening_a_bad_recording_shows_one_error(tmp_path: Path, make_window, name: str) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    good = write_wav(folder / "good.wav", 2.0)
    path = BY_NAME[name].build(folder)
    window = make_window()
    before = snapshot(folder)
    assert window.open_path(path) is False
    _one_error(window.prompts, path, "" if name == "folder.wav" else _reason(BY_NAME[name]))
    assert window.document is None
    assert_untouched(before, snapshot(folder))
    assert window.open_path(good) and window.document is not None  # still usable


def _reason(case: BadInput) -> str:
    return {"no samples": "no samples"}.get(case.reason or "", "cannot read audio")


@pytest.mark.parametrize("name", OPEN_VALID)
def test_awkward_but_valid_recordings_open(tmp_path: Path, make_window, name: str) -> None:
    path = BY_NAME[name].build(tmp_path)
    window = make_window()
    assert window.open_path(path), window.prompts.errors
    assert window.document is not None and window.document.audio.duration > 0
    assert window.prompts.errors == []
    if name == "nan-inf.wav":
        assert any("non-finite" in w for w in window.document.warnings)


@pytest.mark.parametrize("name", SIDECAR_BAD)
def test_a_damaged_sidecar_is_reported_and_kept(tmp_path: Path, make_window, name: str) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    recording = write_wav(folder / "a.wav", 2.0)
    project = project_for(folder)
    sidecar = project.sidecar_path(project.entry("a.wav"))
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    BY_NAME[name].make(sidecar)
    before = snapshot(tmp_path)
    window = make_window()
    assert window.open_path(recording) is False
    _one_error(window.prompts, sidecar, BY_NAME[name].reason or "")
    assert_untouched(before, snapshot(tmp_path))


@pytest.mark.parametrize("name", IMPORT_BAD)
def test_importing_a_bad_label_file_shows_one_error(tmp_path: Path, make_window, name) -> None:
    recording = write_wav(tmp_path / "a.wav", 2.0)
    path = BY_NAME[name].build(tmp_path)
    window = make_window()
    assert window.open_path(recording)
    lanes = window.document.annotation.to_dict()
    assert window.import_labels(path) is False
    _one_error(window.prompts, path, BY_NAME[name].reason or "")
    assert window.document.annotation.to_dict() == lanes and not window.document.dirty


def test_a_corpus_folder_full_of_bad_files(tmp_path: Path, make_window) -> None:
    """The corpus table flags what the header scan sees broken and the editor skips it; a file
    whose header reads but whose data is damaged (the truncated FLAC) is one dialog when opened,
    and the window stays usable."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in OPEN_BAD + ["sparse-4g.wav", "truncated-ogg.ogg"]:
        BY_NAME[name].build(folder)
    good = write_wav(folder / "zz-good.wav", 2.0)
    before = snapshot(folder)
    window = make_window()
    assert window.open_folder(folder) is False  # it tried the truncated FLAC first
    _one_error(window.prompts, folder / "truncated-flac.flac", "cannot read audio")
    broken = {e.rel_path for e in window.project.recordings if e.audio_error}
    assert broken == {"text.wav", "zero-samples.wav", "empty.wav", "sparse-4g.wav",
                      "truncated-ogg.ogg"}  # fmt: skip
    assert window.open_path(good) and window.document.path == good.resolve()
    assert_untouched(before, {k: v for k, v in snapshot(folder).items() if k in before})
