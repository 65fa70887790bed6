"""``project.json``: the small file that makes a folder a project (settings, schema version).

Kept apart from `project` so the corpus logic does not mix with reading and checking this file.
It is read as strictly as a sidecar: damaged, foreign or newer files are refused in one line.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from annotator.core.atomic import SaveError, atomic_write_text
from annotator.core.errors import AnnotationError
from annotator.core.sidecar import ensure_folder, now_iso

STATE_DIR_NAME = ".nmf-annotator"
PROJECT_FILE = "project.json"
PROJECT_FORMAT = "nmf-annotator-project"
PROJECT_VERSION = 1
#: Temp files of an interrupted save older than this are removed when a project opens; no real
#: save takes that long, so a younger one may belong to a save happening right now.
STALE_TEMP_AGE_S = 600.0


class ProjectError(AnnotationError):
    """A project cannot be created or opened; ``str()`` is one line naming the file or folder."""


def new_document(root: Path | None, settings: dict[str, Any] | None) -> dict[str, Any]:
    """A fresh project document; ``root`` is None when the project folder sits in the corpus."""
    return {
        "format": PROJECT_FORMAT,
        "schema_version": PROJECT_VERSION,
        "created": now_iso(),
        "root": None if root is None else str(root),
        "settings": dict(settings or {}),
    }


def write_project_file(state_dir: Path, doc: dict[str, Any], *, backup: bool = False) -> None:
    path = state_dir / PROJECT_FILE
    try:
        ensure_folder(state_dir, path)
        atomic_write_text(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n", backup=backup)
    except SaveError as exc:
        raise ProjectError(str(exc)) from exc


def find_state_dir(folder: Path) -> Path | None:
    """The project folder for ``folder`` given as corpus or as project folder, or None.

    A bare ``project.json`` only counts when it is ours: corpora sometimes carry their own.
    """
    if (folder / STATE_DIR_NAME / PROJECT_FILE).exists():
        return folder / STATE_DIR_NAME
    candidate = folder / PROJECT_FILE
    if candidate.exists():
        with contextlib.suppress(OSError, ValueError):
            doc = json.loads(candidate.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("format") == PROJECT_FORMAT:
                return folder
    return None


def read_project_file(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read project file ({exc.strerror or exc})") from exc
    except ValueError as exc:
        message = " ".join(str(exc).split())
        raise ProjectError(f"{path}: project file is not valid JSON (damaged? {message})") from None
    if not isinstance(doc, dict) or doc.get("format") != PROJECT_FORMAT:
        raise ProjectError(f"{path}: not an nmf-annotator project file")
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectError(f"{path}: bad schema_version {version!r}")
    if version > PROJECT_VERSION:
        raise ProjectError(
            f"{path}: written by a newer version of nmf-annotator (project schema {version}, "
            f"this program reads up to {PROJECT_VERSION}); please update"
        )
    if not isinstance(doc.get("settings", {}), dict):
        raise ProjectError(f"{path}: 'settings' must be a JSON object")
    if doc.get("root") is not None and not isinstance(doc["root"], str):
        raise ProjectError(f"{path}: 'root' must be a folder path")
    return doc


def remove_stale_temp_files(state_dir: Path, max_age_s: float = STALE_TEMP_AGE_S) -> list[Path]:
    """Delete temp files left by a save that was killed; return what was removed."""
    removed = []
    cutoff = time.time() - max_age_s
    for folder, _dirs, files in os.walk(state_dir):
        for name in files:
            if name.startswith(".") and name.endswith(".tmp"):
                path = Path(folder, name)
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed.append(path)
    return removed
