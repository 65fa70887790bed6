"""Which recording of a multi-recording file belongs to the open one.

A corpus RTTM (AMI, DIHARD, VoxConverse) holds every recording of a set, one file-id each, and
its file-ids are the recordings' names without the audio extension. So the recording open in
the editor picks its own file-id; only when none matches is the person asked, as pyannote's
``load_rttm(...)[uri]`` expects a caller to know the uri.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from annotator.core.annotation import Annotation
from annotator.formats.errors import FormatError
from annotator.formats.registry import read_annotations
from annotator.formats.rttm import AUDIO_SUFFIXES

Choose = Callable[[Sequence[str]], str | None]


def recording_ids(recording: str | Path) -> tuple[str, ...]:
    """The ids a file could use for ``recording``: its name without an audio extension, then its
    whole name (some corpora keep ``.wav`` in the id)."""
    name = Path(recording).name
    stem = Path(name).stem if Path(name).suffix.lower() in AUDIO_SUFFIXES else name
    return (stem, name) if stem != name else (name,)


def matching_id(ids: Sequence[str], recording: str | Path) -> str | None:
    """The id among ``ids`` naming ``recording`` (exactly, else ignoring case and whitespace
    that RTTM writers turn into ``_``), or None."""
    wanted = recording_ids(recording)
    for candidate in wanted:
        if candidate in ids:
            return candidate
    loose = {"_".join(i.split()).casefold(): i for i in ids}
    for candidate in wanted:
        found = loose.get("_".join(candidate.split()).casefold())
        if found is not None:
            return found
    return None


def annotation_of_recording(
    path: str | Path, recording: str | Path, *, choose: Choose | None = None
) -> Annotation | None:
    """The annotation ``path`` holds for ``recording``: the only one, or the one whose id names
    the recording; else ``choose(ids)`` picks one (None: the person declined, returned as None).
    Without ``choose`` an unmatched multi-recording file is a one-line `FormatError`."""
    found = read_annotations(path)
    if len(found) == 1:
        return next(iter(found.values()))
    ids = list(found)
    chosen = matching_id(ids, recording)
    if chosen is None:
        if choose is None:
            shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise FormatError(
                path,
                f"holds {len(ids)} recordings ({shown}), none named "
                f"{recording_ids(recording)[0]!r}",
            )
        chosen = choose(ids)
        if chosen is None:
            return None
        if chosen not in found:
            raise FormatError(path, f"holds no recording {chosen!r}")
    return found[chosen]
