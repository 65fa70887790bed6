"""Where the shipped resources (default model, demo recording, icons) live.

A wheel carries them inside the package as ``annotator/_resources`` (hatch force-include); an
editable install or a plain checkout has them in the repository's ``resources/`` folder. This one
helper looks in that order, so no other code needs to know how the package was installed.
"""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

from annotator.core.errors import AnnotatorError

DEFAULT_MODEL = ("models", "default.safetensors")
"""Where the shipped default model lies among the resources (one place: label, explain, teach,
fine-tune, the GUI and the bridge all ask `default_model`)."""


class ResourceMissing(AnnotatorError, FileNotFoundError):
    """A shipped resource is not where the installation should have put it."""


def resources_root() -> Path:
    """The folder holding ``models/``, ``demo/`` and ``icons/``."""
    installed = Path(str(importlib_resources.files("annotator"))) / "_resources"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    raise ResourceMissing(
        f"nmf-annotator resources not found (looked in {installed} and {checkout}); "
        "reinstall the package"
    )


def resource_path(*parts: str) -> Path:
    """Path of one shipped resource; raises `ResourceMissing` naming it when absent."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise ResourceMissing(f"shipped resource {'/'.join(parts)} is missing ({path})")
    return path


def default_model() -> Path:
    """The shipped default model; `ResourceMissing` (one line) when this installation has
    none. Callers turn that into their own error (the CLI's, the bridge's) or a disabled
    action (the GUI)."""
    try:
        return resource_path(*DEFAULT_MODEL)
    except ResourceMissing:
        raise ResourceMissing(
            f"no default model is installed ({'/'.join(DEFAULT_MODEL)} among the shipped "
            "resources); give a model file (--model FILE)"
        ) from None


def installed_default_model() -> Path | None:
    """`default_model`, or None when this installation has none (the GUI then disables what
    needs it instead of failing)."""
    try:
        return default_model()
    except ResourceMissing:
        return None
