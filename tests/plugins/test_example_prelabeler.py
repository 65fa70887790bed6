"""The example third-party plugin: its energy detector, and the plugin installed with pip as a
separate distribution, found through the entry point and used by ``annotator label``."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator import extensions
from annotator.cli import main
from annotator.extensions import PRELABELER_GROUP, Waveform
from annotator.formats import read_annotation

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugins" / "example-prelabeler"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the example into a private folder, as a user would into their environment."""
    target = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--no-compile", "--quiet", "--target", str(target), str(PLUGIN)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    return target


@pytest.fixture
def energy_on_path(installed_plugin: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(installed_plugin))
    extensions.refresh()
    yield installed_plugin
    for name in [m for m in sys.modules if m.startswith("nmf_example_prelabeler")]:
        del sys.modules[name]
    extensions.refresh()


def test_installed_plugin_is_discovered_and_runs(energy_on_path: Path, recording: Path) -> None:
    (plugin,) = [p for p in extensions.discover(PRELABELER_GROUP) if p.name == "energy"]
    assert plugin.distribution == "nmf-example-prelabeler" and not plugin.builtin
    prelabeler = extensions.create_prelabeler("energy", {"margin_db": 12})
    assert str(energy_on_path) in sys.modules["nmf_example_prelabeler"].__file__
    (segment,) = extensions.to_annotation(prelabeler(recording)).lane("speech")
    assert segment.start == pytest.approx(1.0, abs=0.021)
    assert segment.end == pytest.approx(2.0, abs=0.021)


def test_label_command_uses_the_installed_plugin(
    energy_on_path: Path, tmp_path: Path, make_tone, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        sf.write(corpus / f"r{i}.flac", make_tone(seed=i), 16000)
    code = main(["label", str(corpus), "--out", str(tmp_path / "out"), "--prelabeler", "energy",
                 "--format", "textgrid,json", "--option", "min_speech=0.5", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    labelled = read_annotation(tmp_path / "out" / "r1.json")
    assert [(round(s.start, 2), round(s.end, 2)) for s in labelled.lane("speech")] == [(1.0, 2.0)]
    assert labelled.provenance[0].tool.startswith(
        "energy pre-labeler (nmf-example-prelabeler 0.1.0"
    )
    assert (tmp_path / "out" / "r2.TextGrid").is_file()
    refused = main(["label", str(corpus), "--out", str(tmp_path / "o2"), "--prelabeler", "energy",
                    "--model", str(corpus / "r0.flac")])  # fmt: skip
    assert refused == 1 and "does not take model" in capsys.readouterr().err


# ------------------------------------------------------------------------------ the detector
@pytest.fixture
def energy():
    sys.path.insert(0, str(PLUGIN))
    try:
        from nmf_example_prelabeler import make_prelabeler

        yield make_prelabeler
    finally:
        sys.path.remove(str(PLUGIN))
        for name in [m for m in sys.modules if m.startswith("nmf_example_prelabeler")]:
            del sys.modules[name]


def test_file_and_waveform_agree(energy, recording: Path, make_tone) -> None:
    prelabeler = energy()
    assert prelabeler(recording) == prelabeler(Waveform(make_tone(), 16000))


def test_short_gaps_are_bridged_and_short_bursts_dropped(energy, make_tone) -> None:
    x = make_tone(seconds=4.0)
    rate = 16000
    x[int(1.4 * rate) : int(1.5 * rate)] = 0.0  # a 0.1 s gap inside the tone
    burst = np.sin(2 * np.pi * 300 * np.arange(int(0.1 * rate)) / rate) * 0.3
    x[int(3.0 * rate) : int(3.1 * rate)] += burst.astype(np.float32)  # a 0.1 s click
    found = energy(min_silence=0.3, min_speech=0.25)(Waveform(x, rate))["speech"]
    assert [(s, e) for s, e, _, _ in found] == [(1.0, 2.0)]
    split = energy(min_silence=0.05, min_speech=0.05)(Waveform(x, rate))["speech"]
    assert [(s, e) for s, e, _, _ in split] == [(1.0, 1.4), (1.5, 2.0), (3.0, 3.1)]
    assert all(0.5 < c <= 1.0 for *_, c in split)


def test_progress_and_cancel(energy, tmp_path: Path, make_tone) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, make_tone(seconds=70.0), 16000)
    seen: list[float] = []
    energy()(path, progress=lambda f, m: seen.append(f))
    assert len(seen) == 3 and seen == sorted(seen) and seen[-1] == 1.0
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedError, match="cancelled"):
        energy()(path, cancel=cancel)
