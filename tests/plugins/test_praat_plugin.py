"""The Praat plugin, run by the real Praat as a user's menu would run it.

Praat runs each ``plugin_*/setup.praat`` of its preferences folder at start-up, also under
``--run``; the tests give Praat a fresh home, install the plugin there with ``annotator plugins
install praat`` and drive its commands from a script. Praat 6.3 refuses to call a menu command
backed by a script from another script and names ``runScript`` instead, which is how the tests
call the command's script, with the arguments of its form.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from annotator.cli import main
from annotator.formats import read_textgrid
from tests.plugins.conftest import tone_with_pauses

PRAAT = shutil.which("praat")
pytestmark = [
    pytest.mark.praat,
    pytest.mark.skipif(PRAAT is None, reason="Praat is not installed (no `praat` on PATH)"),
]

PRELABEL = """
form Test
    sentence Wav
    sentence Model
    sentence Out
    real Speech_onset 0
    boolean Music 1
endform
Read from file: wav$
runScript: preferencesDirectory$ + "/plugin_nmf-annotator/nmf_prelabel.praat",
... model$, speech_onset, 0, 0, 0, 1, music, 1, 1, 0
assert numberOfSelected ("Sound") = 1 and numberOfSelected ("TextGrid") = 1
selectObject: selected ("TextGrid")
Save as text file: out$
"""

RELABEL = """
form Test
    sentence Wav
    sentence Model
    sentence Out
endform
sound = Read from file: wav$
grid = To TextGrid: "mine speech", "speech"
Set interval text: 1, 1, "kept"
Insert point: 2, 0.5, "old"
selectObject: sound, grid
runScript: preferencesDirectory$ + "/plugin_nmf-annotator/nmf_relabel.praat",
... model$, 0.3, 0, 0, 0, 1, 1, 0, 0, 0
assert numberOfSelected ("Sound") = 1 and numberOfSelected ("TextGrid") = 1
assert selected ("TextGrid") <> grid
selectObject: selected ("TextGrid")
Save as text file: out$
"""


@pytest.fixture
def praat_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home whose Praat preferences folder holds the plugin, installed the user's way."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert main(["plugins", "install", "praat"]) == 0
    assert (home / ".praat-dir" / "plugin_nmf-annotator" / "setup.praat").is_file()
    return home


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with spaces and a quote in its name: the plugin must quote paths for the shell."""
    folder = tmp_path / "my corpus's files"
    folder.mkdir()
    return folder


def run_praat(home: Path, script: str, *args: str, tmpdir: Path) -> subprocess.CompletedProcess:
    path = home / "test.praat"
    path.write_text(script, encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmpdir)}
    return subprocess.run(
        [PRAAT, "--run", str(path), *args], capture_output=True, text=True, env=env, timeout=120
    )


def lanes(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    return {
        lane.name: [(s.start, s.end, s.label) for s in lane] for lane in read_textgrid(path).lanes
    }


def assert_same(got: list, want: list) -> None:
    assert len(got) == len(want), (got, want)
    for (s1, e1, l1), (s2, e2, l2) in zip(got, want, strict=True):
        assert l1 == l2 and s1 == pytest.approx(s2, abs=1e-6) and e1 == pytest.approx(e2, abs=1e-6)


def cli_labels(wav: Path, model: Path, out: Path, *extra: str) -> dict:
    assert (
        main(["label", str(wav), "--out", str(out), "--model", str(model), "--quiet", *extra]) == 0
    )
    return lanes(out / f"{wav.stem}.TextGrid")


def test_setup_adds_the_menu_commands(praat_home: Path, tmp_path: Path) -> None:
    script = 'Create Sound from formula: "s", 1, 0, 0.5, 16000, "0"\n'
    script += 'Pre-label with NMF segmenter: "", 0, 0, 0, 0, 1, 1, 1, 1, 0\n'
    done = run_praat(praat_home, script, tmpdir=tmp_path)
    # Praat 6.3 knows the command (from setup.praat) but wants runScript from scripts
    assert done.returncode == 0 or ("plugin_nmf-annotator/nmf_prelabel.praat" in done.stderr), (
        done.stderr
    )


def test_prelabel_gives_the_cli_labels(praat_home: Path, work: Path, tiny_model: Path, tmp_path):
    wav = work / "rec one.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = work / "from praat.TextGrid"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = run_praat(praat_home, PRELABEL, str(wav), str(tiny_model), str(out), "0.3", "1",
                     tmpdir=scratch)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = lanes(out)
    want = cli_labels(wav, tiny_model, tmp_path / "cli", "--threshold", "speech=0.3")
    assert list(got) == ["speech", "music", "noise", "overlap"] == list(want)
    for name in want:
        assert_same(got[name], want[name])
    assert any(got.values()), "a model this random labels something somewhere"
    assert list(scratch.iterdir()) == [], "temporary files left behind"


def test_a_long_sound_is_labelled_too(praat_home: Path, work: Path, tiny_model: Path, tmp_path):
    wav = work / "long.wav"
    sf.write(wav, tone_with_pauses(seed=3), 16000)
    out = work / "long.TextGrid"
    script = PRELABEL.replace("Read from file: wav$", "Open long sound file: wav$")
    script = script.replace('numberOfSelected ("Sound")', 'numberOfSelected ("LongSound")')
    done = run_praat(praat_home, script, str(wav), str(tiny_model), str(out), "0", "1",
                     tmpdir=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got, want = lanes(out), cli_labels(wav, tiny_model, tmp_path / "cli")
    assert list(got) == list(want)
    for name in want:
        assert_same(got[name], want[name])


def test_unticked_classes_get_no_tier(praat_home: Path, work: Path, tiny_model: Path, tmp_path):
    wav = work / "rec.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = work / "out.TextGrid"
    done = run_praat(praat_home, PRELABEL, str(wav), str(tiny_model), str(out), "0", "0",
                     tmpdir=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(lanes(out)) == ["speech", "noise", "overlap"]


def test_relabel_replaces_class_tiers_and_keeps_the_rest(
    praat_home: Path, work: Path, tiny_model: Path, tmp_path: Path
) -> None:
    wav = work / "rec.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = work / "relabelled.TextGrid"
    done = run_praat(praat_home, RELABEL, str(wav), str(tiny_model), str(out), tmpdir=tmp_path)
    assert done.returncode == 0, done.stderr
    got = read_textgrid(out)
    # the user's tier first and untouched, the old point tier "speech" replaced in place, the
    # ticked class missing from the old TextGrid (music) appended; unticked classes not added
    assert got.lane_names[:3] == ("mine", "speech", "music")
    assert [(s.start, s.end, s.label) for s in got.lane("mine")] == [(0.0, 3.0, "kept")]
    want = cli_labels(wav, tiny_model, tmp_path / "cli", "--threshold", "speech=0.3")
    for name in ("speech", "music"):
        assert_same([(s.start, s.end, s.label) for s in got.lane(name)], want[name])
    assert "noise" not in got.lane_names and "overlap" not in got.lane_names


def test_cli_errors_stop_the_script_with_their_message(praat_home: Path, work: Path, tmp_path):
    wav = work / "rec.wav"
    sf.write(wav, tone_with_pauses(seconds=1.0), 16000)
    missing = work / "no such model.safetensors"
    done = run_praat(praat_home, PRELABEL, str(wav), str(missing), str(work / "x.TextGrid"),
                     "0", "1", tmpdir=tmp_path)  # fmt: skip
    assert done.returncode != 0
    assert "could not label this sound" in done.stderr
    assert f"{missing}: no such model file" in done.stderr
    assert list(tmp_path.glob("nmf-annotator-praat-*")) == []


def test_without_the_recorded_command_praat_says_what_to_do(
    praat_home: Path, work: Path, tiny_model: Path, tmp_path: Path, monkeypatch
) -> None:
    (praat_home / ".praat-dir" / "plugin_nmf-annotator" / "annotator-command.txt").unlink()
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(PRAAT).parent), "/bin"]))
    wav = work / "rec.wav"
    sf.write(wav, tone_with_pauses(seconds=1.0), 16000)
    done = run_praat(praat_home, PRELABEL, str(wav), str(tiny_model), str(work / "x.TextGrid"),
                     "0", "1", tmpdir=tmp_path)  # fmt: skip
    assert done.returncode != 0
    assert "annotator plugins install praat" in done.stderr
