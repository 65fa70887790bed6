"""Labels for a probe: a lane of spans (RTTM) per recording, or one label per file (CSV).

The segmenter reads no annotator format (it must not import the annotator); a lane kept as a
TextGrid, ELAN or JSON file goes through ``annotator convert ... --to rttm`` first, which keeps
every lane's labels in RTTM's name field. Both readers are strict: a malformed line is one
:class:`ProbeError` naming the file and line, before any H is computed.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from segmenter.probe.linear import ProbeError

__all__ = ["Span", "find_audio", "frame_targets", "read_label_csv", "span_frames"]


class Span(NamedTuple):
    """A labelled stretch ``[start, end)`` in seconds; the RTTM reader's turns have the same
    fields, so either may be given to :func:`frame_targets` (no import of the training code,
    which the editor's "Teach a new lane" does not otherwise need)."""

    start: float
    end: float
    label: str


#: Extensions tried, in order, for an RTTM file-id (the training corpus reader's list).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".sph", ".aiff", ".aif", ".opus", ".w64")


def find_audio(folder: str | Path, uri: str) -> Path:
    """The recording of RTTM file-id ``uri`` in ``folder``; one line when there is none."""
    for suffix in AUDIO_SUFFIXES:
        for candidate in (Path(folder) / f"{uri}{suffix}", Path(folder) / f"{uri}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    raise ProbeError(f"{folder}: no recording for file-id {uri!r} ({'/'.join(AUDIO_SUFFIXES)})")


def span_frames(start: float, end: float, frame_duration: float, n_frames: int) -> slice:
    """Frames whose centre lies in ``[start, end)``: the rounding that makes a span and the
    frames it labels agree at both ends within half a frame."""
    a = int(np.floor(start / frame_duration + 0.5))
    b = int(np.floor(end / frame_duration + 0.5))
    return slice(min(max(a, 0), n_frames), min(max(b, 0), n_frames))


def frame_targets(
    turns: Sequence[Span],
    classes: Sequence[str],
    n_frames: int,
    frame_duration: float,
    mode: str,
    background: str | None = None,
) -> np.ndarray:
    """Per-frame targets of one recording from its labelled spans.

    Multilabel: (C, T) 0/1; a frame no span of class c covers is a negative of c (the lane was
    labelled, so a gap means "not this"). Single-label: (T,) class indices; frames no span covers
    are -1 (unknown, not trained on) unless ``background`` names the class they belong to.
    Spans whose label is not in ``classes`` are ignored (other lanes in the same file)."""
    index = {c: i for i, c in enumerate(classes)}
    if mode == "multilabel":
        out = np.zeros((len(classes), n_frames), dtype=np.float32)
        for turn in turns:
            if turn.label in index:
                out[
                    index[turn.label], span_frames(turn.start, turn.end, frame_duration, n_frames)
                ] = 1
        return out
    fill = -1 if background is None else index[background]
    single = np.full(n_frames, fill, dtype=np.int64)
    for turn in turns:
        if turn.label in index:
            single[span_frames(turn.start, turn.end, frame_duration, n_frames)] = index[turn.label]
    return single


def read_label_csv(path: str | Path, audio_dir: str | Path | None = None) -> list[tuple[Path, str]]:
    """``file,label`` rows (a header row naming ``file``/``label`` is skipped; ``;`` also
    separates) → (recording path, label). Relative paths are taken from ``audio_dir`` when
    given, else from the CSV's folder; a recording that does not exist is an error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProbeError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"{p}: cannot read ({exc})") from exc
    lines = text.splitlines()
    delimiter = ";" if lines and ";" in lines[0] and "," not in lines[0] else ","
    root = Path(audio_dir) if audio_dir is not None else p.parent
    out: list[tuple[Path, str]] = []
    for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 2:
            raise ProbeError(f"{p}:{number}: expected 2 fields (file,label), found {len(row)}")
        name, label = row[0].strip(), row[1].strip()
        if (
            number == 1
            and name.lower() in ("file", "path", "recording")
            and label.lower() in ("label", "class")
        ):
            continue
        if not name or not label:
            raise ProbeError(f"{p}:{number}: empty file name or label")
        if any(ch.isspace() for ch in label):
            raise ProbeError(f"{p}:{number}: label {label!r} must be one word")
        audio = Path(name) if Path(name).is_absolute() else root / name
        if not audio.is_file():
            raise ProbeError(f"{p}:{number}: recording {audio} not found")
        out.append((audio, label))
    if not out:
        raise ProbeError(f"{p}: no file,label rows")
    return out
