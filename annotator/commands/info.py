"""``annotator info FILE``: what an audio, annotation or model file holds, in a few lines."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.commands.outcome import EXIT_OK, CliError
from annotator.core import Annotation
from annotator.core.audio_header import AudioHeaderError, read_header, special_kind
from annotator.core.printable import printable
from annotator.core.sidecar import SIDECAR_SUFFIX

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".opus", ".w64", ".caf"}
#: Pickled PyTorch checkpoints are named too, so that ``info`` says why they are refused.
MODEL_SUFFIXES = {".safetensors", ".pt", ".pth", ".ckpt", ".probe"}  # .probe: a taught lane


def describe_audio(path: Path) -> list[str]:
    """The header, checked exactly as ``label`` checks it (`read_header`): what ``info`` calls
    a fine recording, ``label`` accepts."""
    try:
        header = read_header(path)
    except AudioHeaderError as exc:
        raise CliError(str(exc)) from None
    return [
        f"{path}: audio",
        f"  duration     {header.duration:.3f} s ({header.frames} samples)",
        f"  sample rate  {header.sample_rate} Hz",
        f"  channels     {header.channels}",
        f"  format       {header.format} / {header.subtype}",
    ]


def describe_annotation(annotation: Annotation, title: str) -> list[str]:
    lines = [title]
    rec = annotation.recording
    if rec.path:
        lines.append(f"  recording    {rec.path}")
    if rec.duration is not None:
        lines.append(f"  duration     {rec.duration:.3f} s")
    for lane in annotation:
        covered = sum(s.duration for s in lane)
        labels = sorted({s.label for s in lane})
        shown = ", ".join(repr(label) for label in labels[:5])
        more = f" (+{len(labels) - 5} more)" if len(labels) > 5 else ""
        lines.append(
            f"  lane {lane.name!r}: {len(lane)} segments, {covered:.3f} s labelled; labels {shown}{more}"
        )
    # a "document" entry holds file-wide settings (ELAN's header, types), not a tier
    carried = [p for p in annotation.passthrough if p.get("kind") != "document"]
    if carried:
        lines.append(f"  {len(carried)} other tier(s) carried unchanged")
    return lines


def describe_sidecar(path: Path) -> list[str]:
    """A sidecar (the saved work on one recording), checked exactly as the editor reads it."""
    from annotator.core.sidecar import SidecarError, load_sidecar

    try:
        state = load_sidecar(path)
    except SidecarError as exc:
        raise CliError(str(exc)) from exc
    title = f"{path}: sidecar, status {state.status.label}, saved {state.saved_at or '-'}"
    return describe_annotation(state.annotation, title)


def run_info(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.is_dir():
        raise CliError(f"{path}: is a folder, not a file")
    kind = special_kind(path)
    if kind is not None:  # a FIFO would block the first read for ever: never open one
        raise CliError(f"{path}: is {kind}, not a regular file; not opened")
    suffix = path.suffix.lower()
    if suffix in AUDIO_SUFFIXES:
        lines = describe_audio(path)
    elif path.name.lower().endswith(SIDECAR_SUFFIX):
        lines = describe_sidecar(path)
    elif suffix in MODEL_SUFFIXES:
        from annotator.commands.model_info import describe_model

        lines = describe_model(path)
    else:
        from annotator.formats import FormatError, read_annotations

        try:
            found = read_annotations(path)
        except FormatError as exc:
            raise CliError(str(exc)) from exc
        lines = []
        for file_id, annotation in found.items():
            lines += describe_annotation(annotation, f"{path}: annotation of {file_id!r}")
    # one line each, as every message shows names: a newline or an undecodable byte in a file
    # name (or a label) is escaped, never printed raw
    print("\n".join(printable(line) for line in lines))
    return EXIT_OK
