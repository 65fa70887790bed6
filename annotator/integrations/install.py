"""Copy the Praat plugin and the ELAN recognizer to where those programs look for them.

Both folders ship with the package: a wheel carries them as ``annotator/_plugins/{praat,elan}``
(hatch force-include), a checkout or editable install has them in the repository's
``plugins/`` folder. Praat and ELAN are often started from a desktop menu whose ``PATH`` does
not hold our command, so the installed copy records the absolute path of the Python that runs
this install (``sys.executable``, which has nmf-annotator) and falls back to ``PATH`` only
when that record is missing.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import sys
from collections.abc import Mapping
from importlib import resources as importlib_resources
from pathlib import Path

from annotator.core.errors import AnnotatorError

PRAAT_PLUGIN = "plugin_nmf-annotator"
ELAN_RECOGNIZER = "nmf-annotator-recognizer"
PRAAT_COMMAND_FILE = "annotator-command.txt"
ELAN_PYTHON_FILE = "python-path.txt"
#: A file of ours in each folder: uninstall refuses to delete a folder without it.
MARKERS = {PRAAT_PLUGIN: "nmf_procedures.praat", ELAN_RECOGNIZER: "nmf-annotator.cmdi"}


class InstallError(AnnotatorError):
    """An install or uninstall that cannot be done (the message names the folder)."""


def plugins_root() -> Path:
    """The folder holding ``praat/`` and ``elan/``: installed copy first, then the checkout."""
    installed = Path(str(importlib_resources.files("annotator"))) / "_plugins"
    checkout = Path(__file__).resolve().parents[2] / "plugins"
    for root in (installed, checkout):
        if (root / "praat" / PRAAT_PLUGIN).is_dir():
            return root
    raise InstallError(
        f"the Praat and ELAN plugin folders are missing (looked in {installed} and {checkout}); "
        "reinstall nmf-annotator"
    )


def praat_source() -> Path:
    return plugins_root() / "praat" / PRAAT_PLUGIN


def elan_source() -> Path:
    return plugins_root() / "elan" / ELAN_RECOGNIZER


def praat_preferences_dir(
    platform: str = sys.platform,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """Praat's preferences folder, where it runs each ``plugin_*/setup.praat`` at start-up.

    Windows: ``%USERPROFILE%\\Praat``; macOS: ``~/Library/Preferences/Praat Prefs``; Linux and
    other Unixes: ``~/.praat-dir`` (or ``$XDG_CONFIG_HOME/praat`` when only that one exists,
    which newer Praat versions use). A Praat started with ``--pref-dir=DIR`` needs ``--praat-dir``.
    """
    env = os.environ if environ is None else environ
    if home is None:
        home = Path(env.get("USERPROFILE" if platform == "win32" else "HOME") or Path.home())
    if platform == "win32":
        return home / "Praat"
    if platform == "darwin":
        return home / "Library" / "Preferences" / "Praat Prefs"
    classic = home / ".praat-dir"
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "praat"
    return xdg if xdg.is_dir() and not classic.is_dir() else classic


def annotator_command() -> list[str]:
    """How the installed plugins start us: this Python with ``-m annotator``."""
    return [sys.executable, "-m", "annotator"]


def _copy_fresh(source: Path, target: Path) -> None:
    """Replace ``target`` by a copy of ``source`` (an older copy of ours is removed first)."""
    if target.exists():
        _remove_ours(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    except OSError as exc:
        raise InstallError(f"{target}: cannot copy the plugin there ({exc.strerror})") from exc


def _remove_ours(folder: Path) -> None:
    marker = MARKERS.get(folder.name)
    if not folder.is_dir() or marker is None or not (folder / marker).is_file():
        raise InstallError(f"{folder}: exists and is not an nmf-annotator plugin; not touching it")
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise InstallError(f"{folder}: cannot remove it ({exc.strerror})") from exc


def install_praat(preferences_dir: Path | None = None) -> Path:
    """Install the Praat plugin; returns its folder. Praat picks it up at its next start."""
    prefs = Path(preferences_dir) if preferences_dir else praat_preferences_dir()
    target = prefs / PRAAT_PLUGIN
    _copy_fresh(praat_source(), target)
    (target / PRAAT_COMMAND_FILE).write_text("\n".join(annotator_command()) + "\n", "utf-8")
    return target


def uninstall_praat(preferences_dir: Path | None = None) -> Path | None:
    """Remove the Praat plugin; returns the removed folder, or None if it was not installed."""
    prefs = Path(preferences_dir) if preferences_dir else praat_preferences_dir()
    target = prefs / PRAAT_PLUGIN
    if not target.exists():
        return None
    _remove_ours(target)
    return target


def elan_install_patterns(
    platform: str = sys.platform, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Where ELAN installs itself by default, as glob patterns of its ``extensions`` folder
    (the versioned folder names, e.g. ``ELAN_6-7``, are why these are patterns)."""
    env = os.environ if environ is None else environ
    home = str(Path(env.get("HOME") or env.get("USERPROFILE") or Path.home()))
    if platform == "win32":
        roots = [env.get("LOCALAPPDATA", ""), env.get("ProgramFiles", r"C:\Program Files")]
        return [os.path.join(r, "ELAN*", "app", "extensions") for r in roots if r]
    if platform == "darwin":
        return [
            os.path.join(apps, "ELAN*.app", "Contents", sub, "extensions")
            for apps in ("/Applications", os.path.join(home, "Applications"))
            for sub in ("app", "Java")
        ]
    return [
        os.path.join(home, "ELAN*", "app", "extensions"),
        os.path.join("/opt", "ELAN*", "app", "extensions"),
        os.path.join("/opt", "elan*", "app", "extensions"),
    ]


def elan_extensions_dir(elan_dir: Path | None = None) -> Path:
    """ELAN's ``extensions`` folder, where it looks for local recognizers at start-up.

    ``elan_dir`` may be that folder itself or ELAN's installation folder (``ELAN_6-7`` on Linux
    and Windows, ``ELAN_6-7.app`` on macOS); without it the default install places are searched
    and exactly one ELAN must be found there.
    """
    if elan_dir is not None:
        base = Path(elan_dir).expanduser()
        if not base.is_dir():
            raise InstallError(f"{base}: no such folder (give ELAN's installation folder)")
        if base.name == "extensions":
            return base
        inside = [base / "app" / "extensions", base / "Contents" / "app" / "extensions",
                  base / "Contents" / "Java" / "extensions", base / "extensions",
                  base / "lib" / "extensions"]  # fmt: skip
        for candidate in inside:
            if candidate.is_dir():
                return candidate
        raise InstallError(
            f"{base}: no ELAN extensions folder inside (looked for app/extensions, "
            "Contents/app/extensions, extensions); give ELAN's installation folder"
        )
    found = sorted({m for pattern in elan_install_patterns() for m in glob.glob(pattern)})
    if len(found) == 1:
        return Path(found[0])
    if not found:
        raise InstallError("no ELAN installation found in the usual places; give --elan-dir DIR")
    raise InstallError(f"several ELAN installations found ({', '.join(found)}); "
                       "choose one with --elan-dir DIR")  # fmt: skip


def install_elan(elan_dir: Path | None = None) -> Path:
    """Install the local recognizer; returns its folder. ELAN picks it up at its next start."""
    target = elan_extensions_dir(elan_dir) / ELAN_RECOGNIZER
    _copy_fresh(elan_source(), target)
    (target / ELAN_PYTHON_FILE).write_text(sys.executable + "\n", "utf-8")
    launcher = target / "run.sh"
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target


def uninstall_elan(elan_dir: Path | None = None) -> Path | None:
    """Remove the recognizer; returns the removed folder, or None if it was not installed."""
    target = elan_extensions_dir(elan_dir) / ELAN_RECOGNIZER
    if not target.exists():
        return None
    _remove_ours(target)
    return target
