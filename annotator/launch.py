"""Start the desktop editor for ``annotator [PATHS]`` / ``annotator --demo``.

Kept apart from ``cli.py`` so that headless subcommands never import Qt.
"""

from __future__ import annotations

from pathlib import Path

from annotator.commands.outcome import CliError
from annotator.resources import ResourceMissing, resource_path


def demo_recording() -> Path:
    """The shipped demo recording."""
    try:
        return resource_path("demo", "demo.flac")
    except ResourceMissing as exc:
        raise CliError(str(exc)) from exc


def launch_editor(paths: list[str], demo: bool = False) -> int:
    targets = [Path(p) for p in paths]
    if demo:
        targets.insert(0, demo_recording())
    for target in targets:
        if not target.exists():
            raise CliError(f"{target}: no such file or folder")
    try:
        from annotator.gui.app import run_app
    except ImportError as exc:
        raise CliError(f"the editor cannot start: {exc}") from exc
    return run_app(targets, demo=demo)
