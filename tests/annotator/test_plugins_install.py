"""``annotator plugins install|uninstall praat|elan``: where the folders go and what they hold."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.integrations import install


def test_praat_preferences_folder_per_os(tmp_path: Path) -> None:
    home = tmp_path / "miep"
    env = {"HOME": str(home)}
    assert install.praat_preferences_dir("linux", env) == home / ".praat-dir"
    assert install.praat_preferences_dir("darwin", env) == (
        home / "Library" / "Preferences" / "Praat Prefs"
    )
    windows_home = tmp_path / "Users" / "miep"
    win_env = {"USERPROFILE": str(windows_home)}
    assert install.praat_preferences_dir("win32", win_env) == windows_home / "Praat"
    # a Praat that keeps its preferences under XDG (and has no ~/.praat-dir) is followed
    (home / ".config" / "praat").mkdir(parents=True)
    assert install.praat_preferences_dir("linux", env) == home / ".config" / "praat"
    (home / ".praat-dir").mkdir()
    assert install.praat_preferences_dir("linux", env) == home / ".praat-dir"


def test_praat_install_records_our_python_and_uninstall_removes(tmp_path, capsys) -> None:
    prefs = tmp_path / "Praat Prefs"
    assert main(["plugins", "install", "praat", "--praat-dir", str(prefs)]) == 0
    folder = prefs / "plugin_nmf-annotator"
    assert str(folder) in capsys.readouterr().out
    assert {"setup.praat", "nmf_prelabel.praat", "nmf_relabel.praat"} <= {
        p.name for p in folder.iterdir()
    }
    recorded = (folder / "annotator-command.txt").read_text("utf-8").splitlines()
    assert recorded == [sys.executable, "-m", "annotator"]
    # installing again replaces the copy (an upgrade), a user's own file in it included
    (folder / "stale.praat").write_text("# old")
    assert main(["plugins", "install", "praat", "--praat-dir", str(prefs)]) == 0
    assert not (folder / "stale.praat").exists()
    assert main(["plugins", "uninstall", "praat", "--praat-dir", str(prefs)]) == 0
    assert not folder.exists() and prefs.is_dir()
    assert main(["plugins", "uninstall", "praat", "--praat-dir", str(prefs)]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_praat_install_uses_home_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert main(["plugins", "install", "praat"]) == 0
    assert (install.praat_preferences_dir() / "plugin_nmf-annotator" / "setup.praat").is_file()
    assert str(install.praat_preferences_dir()).startswith(str(tmp_path))


def test_a_foreign_folder_of_the_same_name_is_never_deleted(tmp_path: Path, capsys) -> None:
    foreign = tmp_path / "plugin_nmf-annotator"
    foreign.mkdir()
    (foreign / "setup.praat").write_text("# someone else's")
    for action in ("install", "uninstall"):
        assert main(["plugins", action, "praat", "--praat-dir", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert f"{foreign}: exists and is not an nmf-annotator plugin" in err
    assert (foreign / "setup.praat").read_text() == "# someone else's"


@pytest.mark.parametrize(
    "layout",
    ["ELAN_6-7/app/extensions", "ELAN_6-7.app/Contents/app/extensions",
     "ELAN_5-8.app/Contents/Java/extensions"],
)  # fmt: skip
def test_elan_install_finds_the_extensions_folder(tmp_path: Path, layout: str) -> None:
    extensions = tmp_path / layout
    extensions.mkdir(parents=True)
    elan_dir = tmp_path / layout.split("/")[0]
    assert main(["plugins", "install", "elan", "--elan-dir", str(elan_dir)]) == 0
    folder = extensions / "nmf-annotator-recognizer"
    assert (folder / "nmf-annotator.cmdi").is_file()
    assert (folder / "python-path.txt").read_text("utf-8").strip() == sys.executable
    assert os.access(folder / "run.sh", os.X_OK)
    # the extensions folder itself is accepted too
    assert main(["plugins", "uninstall", "elan", "--elan-dir", str(extensions)]) == 0
    assert not folder.exists() and extensions.is_dir()


def test_elan_install_errors_name_the_folder(tmp_path: Path, capsys) -> None:
    assert main(["plugins", "install", "elan", "--elan-dir", str(tmp_path / "nope")]) == 1
    assert f"{tmp_path / 'nope'}: no such folder" in capsys.readouterr().err
    (tmp_path / "ELAN").mkdir()
    assert main(["plugins", "install", "elan", "--elan-dir", str(tmp_path / "ELAN")]) == 1
    assert "no ELAN extensions folder inside" in capsys.readouterr().err


def test_elan_default_location_is_searched(tmp_path: Path, monkeypatch, capsys) -> None:
    pattern = str(tmp_path / "ELAN*" / "app" / "extensions")
    monkeypatch.setattr(install, "elan_install_patterns", lambda *a, **k: [pattern])
    assert main(["plugins", "install", "elan"]) == 1
    assert "--elan-dir" in capsys.readouterr().err
    (tmp_path / "ELAN_6-7" / "app" / "extensions").mkdir(parents=True)
    assert main(["plugins", "install", "elan"]) == 0
    assert (tmp_path / "ELAN_6-7/app/extensions/nmf-annotator-recognizer/run.sh").is_file()
    (tmp_path / "ELAN_6-8" / "app" / "extensions").mkdir(parents=True)
    assert main(["plugins", "install", "elan"]) == 1
    assert "several ELAN installations" in capsys.readouterr().err


def test_elan_default_patterns_per_os() -> None:
    assert any("ELAN*.app" in p for p in install.elan_install_patterns("darwin", {"HOME": "/h"}))
    win = install.elan_install_patterns("win32", {"LOCALAPPDATA": r"C:\Users\m\AppData\Local"})
    assert any(p.startswith(r"C:\Users\m\AppData\Local") for p in win)
    assert all(p.endswith("extensions") for p in install.elan_install_patterns("linux", {}))


def test_plugin_folders_are_found_in_a_checkout_or_a_wheel(tmp_path, monkeypatch) -> None:
    root = install.plugins_root()
    assert (root / "praat" / install.PRAAT_PLUGIN / "setup.praat").is_file()
    assert (root / "elan" / install.ELAN_RECOGNIZER / "run.sh").is_file()
    # a wheel's copy under annotator/_plugins wins over the checkout
    fake_pkg = tmp_path / "annotator"
    (fake_pkg / "_plugins" / "praat" / install.PRAAT_PLUGIN).mkdir(parents=True)
    monkeypatch.setattr(install.importlib_resources, "files", lambda name: fake_pkg)
    assert install.plugins_root() == fake_pkg / "_plugins"
