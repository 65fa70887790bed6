"""Plugin discovery runs installed code only: files dropped into the current folder, a corpus,
an output folder or a ``plugins/`` folder beside recordings are never imported, entry points of
other groups are ignored, and discovery itself imports nothing.

Each planted module writes a marker file when imported, so "never imported" is checked on disk,
in this process and in the real command run as a subprocess from the hostile folder.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from annotator import extensions
from annotator.commands.plugins import plugin_lines
from annotator.extensions import FORMAT_GROUP, GROUPS, PRELABELER_GROUP, PluginError, discover
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[2]

EVIL = """
import pathlib
pathlib.Path({marker!r}).write_text("imported " + __name__)

def make(**options):
    def run(source, *, progress=None, cancel=None):
        return {{"speech": [(0.0, 0.1)]}}
    return run

class Fmt:
    name = "evilfmt"
    extensions = (".evil",)
    reader = None
    writer = staticmethod(lambda annotation, path, **o: None)

FMT = Fmt()
"""


def plant(folder: Path, markers: Path, *, shadow: bool = True) -> None:
    """A module that marks its import, a distribution declaring it in every group we know and
    some we do not, and (``shadow``) a module named like our own pre-labeler's."""
    folder.mkdir(parents=True, exist_ok=True)
    tag = str(folder).replace(os.sep, "_")
    (folder / "evil_plugin.py").write_text(
        textwrap.dedent(EVIL.format(marker=str(markers / f"evil{tag}")))
    )
    if shadow:
        (folder / "nmf_prelabeler.py").write_text(
            textwrap.dedent(EVIL.format(marker=str(markers / f"shadow{tag}")))
        )
    info = folder / "evil_plugin-6.6.6.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil-plugin\nVersion: 6.6.6\n")
    (info / "entry_points.txt").write_text(
        "[nmf_annotator.prelabelers]\nevil = evil_plugin:make\n\n"
        "[nmf_annotator.formats]\nevilfmt = evil_plugin:FMT\n\n"
        "[console_scripts]\nevil = evil_plugin:make\n"
    )


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def fresh_discovery():
    extensions.refresh()
    yield
    extensions.refresh()
    for name in ("evil_plugin", "other_plugin"):
        sys.modules.pop(name, None)


def write_tone(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    sf.write(path, (0.1 * rng.standard_normal(8000)).astype(np.float32), 16000)
    return path


# ------------------------------------------------------------------------------ in this process
def test_the_current_folder_is_neither_searched_nor_imported_from(
    tmp_path: Path, markers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = tmp_path / "corpus"
    plant(hostile, markers)
    monkeypatch.chdir(hostile)
    monkeypatch.syspath_prepend(str(hostile))  # what `python -m annotator` does
    monkeypatch.setattr(sys, "path", ["", *sys.path])  # and `python -c`
    monkeypatch.delitem(sys.modules, "nmf_prelabeler", raising=False)
    extensions.refresh()

    for group in GROUPS:
        assert "evil-plugin" not in {p.distribution for p in discover(group)}
        plugin_lines(group)  # loads every plugin it lists, as `annotator plugins list` does
    nmf = next(p for p in discover(PRELABELER_GROUP) if p.name == "nmf")
    with pytest.raises(PluginError, match="refusing to import .*nmf_prelabeler.py"):
        nmf.load()
    assert not list(markers.iterdir())

    monkeypatch.chdir(tmp_path)  # the very same sys.path, seen from elsewhere: found (the
    extensions.refresh()  # test can fail) and imported when used, not before
    evil = next(p for p in discover(PRELABELER_GROUP) if p.distribution == "evil-plugin")
    assert not list(markers.iterdir())
    evil.load()
    assert [m.name.startswith("evil") for m in markers.iterdir()] == [True]


def test_other_groups_are_ignored_and_discovery_imports_nothing(
    tmp_path: Path, markers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "other_plugin.py").write_text(
        textwrap.dedent(EVIL.format(marker=str(markers / "other")))
    )
    info = site / "other_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: other-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[nmf_annotator.prelabelerz]\nother = other_plugin:make\n\n"
        "[nmf_annotator]\nother = other_plugin:make\n\n"
        "[napari.manifest]\nother = other_plugin:FMT\n\n"
        "[console_scripts]\nother = other_plugin:make\n"
    )
    monkeypatch.syspath_prepend(str(site))
    extensions.refresh()
    for group in GROUPS:
        assert "other-plugin" not in {p.distribution for p in discover(group)}
        plugin_lines(group)
    with pytest.raises(ValueError, match="unknown entry-point group"):
        discover("nmf_annotator.prelabelerz")
    assert not list(markers.iterdir()) and "other_plugin" not in sys.modules

    # the same module declared in our group is found without being imported, then loads
    (info / "entry_points.txt").write_text("[nmf_annotator.formats]\nother = other_plugin:FMT\n")
    extensions.refresh()
    found = [p for p in discover(FORMAT_GROUP) if p.distribution == "other-plugin"]
    assert [p.name for p in found] == ["other"] and not found[0].loaded
    assert not list(markers.iterdir()) and "other_plugin" not in sys.modules
    assert extensions.load_format("other").extensions == (".evil",)
    assert [m.name for m in markers.iterdir()] == ["other"]


# ----------------------------------------------------------------------- the real command, run
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONSAFEPATH", None)  # Python's own guard off: our code must not rely on it
    if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install before the bridge
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "plugins"),
                                                          env.get("PYTHONPATH")]))  # fmt: skip
    return env


def _commands() -> list[list[str]]:
    found = [[sys.executable, "-m", "annotator"]]  # puts the current folder on sys.path
    script = shutil.which("annotator")
    if script is not None:
        found.append([script])
    return found


def test_plugins_list_from_hostile_folders_imports_nothing_planted(
    tmp_path: Path, markers: Path
) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    write_tone(corpus / "rec.wav")
    for folder in (corpus, corpus / "plugins", out):
        plant(folder, markers)
    for cwd in (corpus, corpus / "plugins", out):
        for command in _commands():
            done = subprocess.run(
                [*command, "plugins", "list"], cwd=cwd, env=_env(), capture_output=True,
                text=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert "evil" not in done.stdout
            assert "nmf-annotator" in done.stdout
    assert not list(markers.iterdir())


def test_label_inside_a_hostile_corpus_runs_only_installed_code(
    tmp_path: Path, markers: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_tone(corpus / "spk" / "rec.wav")
    model = tiny_model_file(tmp_path)
    plant(corpus, markers, shadow=False)  # the current folder
    plant(corpus / "spk" / "plugins", markers)  # a plugins/ folder beside the recording
    plant(corpus / "out", markers)  # the output folder
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "label", ".", "--out", "out", "--model", str(model),
         "--format", "textgrid", "--extensions", ".wav", "--quiet"],
        cwd=corpus, env=_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (corpus / "out" / "spk" / "rec.TextGrid").is_file()
    assert not list(markers.iterdir())
