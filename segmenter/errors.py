"""Domain errors of the segmenter.

Every error meant for a user carries one line that names the file (or object) and the problem, so
the CLI can print ``str(error)`` and the GUI can show it in a status bar without a traceback.
"""

from __future__ import annotations

__all__ = ["SegmenterError", "AudioError", "ModelFileError", "FrontEndError", "Cancelled"]


class SegmenterError(Exception):
    """Base class of everything the segmenter raises on purpose."""


class AudioError(SegmenterError):
    """A recording could not be decoded into usable samples."""


class ModelFileError(SegmenterError):
    """A model file is missing, unreadable, not ours, or inconsistent with its metadata."""


class FrontEndError(SegmenterError):
    """A feature front end cannot be built (e.g. WavLM weights not found offline)."""


class Cancelled(SegmenterError):
    """Long work stopped because the caller set its cancel event.

    It derives from SegmenterError so one ``except SegmenterError`` in a GUI worker handles it, but
    callers usually catch it first to show "cancelled" rather than an error.
    """
