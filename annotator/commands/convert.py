"""``annotator convert IN OUT``: TextGrid ↔ RTTM ↔ Audacity ↔ JSON.

One input file may hold several recordings (an RTTM with many file-ids). Then the output is
either one RTTM again, a folder (one file per recording, named after its id; with ``--to``, a
target that does not exist and has no known extension is such a folder, created), or the single
recording picked with ``--file-id``. An existing output is never overwritten without ``--force``:
an annotator's hours of work must not vanish because of a mistyped command.

File-ids come from inside the input file, not from the user, so they are made into safe file
names (`safe_stem`) before they name an output: an RTTM line with the id ``../../etc/x`` or
``a/b`` must never make the command write outside the output folder.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from pathlib import Path

from annotator.commands.outcome import EXIT_OK, CliError
from annotator.core import Annotation
from annotator.formats import FORMATS, FormatError, format_for, read_annotations, write_annotation
from annotator.formats.rttm import labels_rttm_drops, write_rttm_many


def _pick(found: dict[str, Annotation], file_id: str | None, source: Path) -> dict[str, Annotation]:
    if file_id is None:
        return found
    if file_id not in found:
        known = ", ".join(sorted(found)) or "none"
        raise CliError(f"{source}: no recording with file-id {file_id!r} (found: {known})")
    return {file_id: found[file_id]}


#: Characters never kept in a file name: separators, controls, and what Windows forbids.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}  # fmt: skip
MAX_STEM_BYTES = 200


def safe_stem(recording_id: str) -> str:
    """A file name stem for ``recording_id`` that stays inside its folder on every system.

    Separators and forbidden characters become ``_``, leading dots and spaces go (no ``..``,
    no hidden files), Windows device names get a ``_``, and the name is cut to 200 UTF-8 bytes.
    """
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", recording_id)).strip().lstrip(". ")
    stem = stem.rstrip(". ")  # Windows drops trailing dots and spaces
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"{stem}_"
    stem = stem.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore")
    return stem or "recording"


def _folder_targets(ids: list[str], folder: Path, extension: str) -> dict[str, Path]:
    """One output per recording id, named by `safe_stem`; ids that clash get ``-2``, ``-3``..."""
    targets: dict[str, Path] = {}
    taken: set[str] = set()
    for rid in ids:
        stem, n = safe_stem(rid), 1
        name = stem
        while name.casefold() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.casefold())
        target = folder / f"{name}{extension}"
        if target.resolve().parent != folder.resolve():  # belt and braces: never outside
            raise CliError(f"{folder}: file-id {rid!r} does not make a safe file name")
        targets[rid] = target
    return targets


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(f"{path}: exists already (use --force to overwrite)")


def _is_folder_target(raw: str, to_format: str | None, recordings: int) -> bool:
    """A folder when it exists as one or is written with a trailing slash (Path drops it).

    Also a folder to create: a target that does not exist and has no known extension, when
    ``--to`` names a format holding one recording per file and there are several. A file
    could not take them all (that command used to fail asking for "an output folder", although
    one was given); an RTTM file can, so an RTTM target stays a file."""
    path = Path(raw)
    if path.is_dir() or raw.endswith(("/", "\\")):
        return True
    if to_format is None or recordings < 2 or os.path.lexists(path):
        return False
    known = {ext.lower() for f in FORMATS.values() for ext in f.extensions}
    chosen = FORMATS.get(to_format.lower())
    return path.suffix.lower() not in known and chosen is not None and chosen.read_all is None


def run_convert(args: argparse.Namespace) -> int:
    source, output = Path(args.input), Path(args.output)
    try:
        found = _pick(read_annotations(source, args.from_format), args.file_id, source)
        if _is_folder_target(args.output, args.to_format, len(found)):
            if args.to_format is None:
                raise CliError(f"{output}: an output folder needs --to ({', '.join(FORMATS)})")
            chosen = format_for(output, args.to_format)
            output.mkdir(parents=True, exist_ok=True)
            _warn_dropped(found, source, chosen.name)
            targets = _folder_targets(list(found), output, chosen.extensions[0])
            for target in targets.values():
                _refuse_overwrite(target, args.force)
            for rid, annotation in found.items():
                write_annotation(
                    annotation, targets[rid], chosen.name, options=_options(chosen.name, rid)
                )
            print(f"wrote {len(targets)} file(s) into {output}")
            return EXIT_OK
        chosen = format_for(output, args.to_format)
        _refuse_overwrite(output, args.force)
        _warn_dropped(found, source, chosen.name)
        if len(found) > 1:
            if chosen.name != "rttm":
                ids = ", ".join(sorted(found))
                raise CliError(
                    f"{source}: holds {len(found)} recordings ({ids}); "
                    "give --file-id, an output folder, or an .rttm output"
                )
            write_rttm_many(found, output)
        else:
            ((rid, annotation),) = found.items()
            write_annotation(annotation, output, chosen.name, options=_options(chosen.name, rid))
    except FormatError as exc:
        raise CliError(str(exc)) from exc
    print(f"wrote {output}")
    return EXIT_OK


def _warn_dropped(found: dict[str, Annotation], source: Path, format_name: str) -> None:
    """Say on stderr which typed labels the output format cannot carry (RTTM's class lanes)."""
    if format_name != "rttm":
        return
    for rid, annotation in found.items():
        for lane, labels in labels_rttm_drops(annotation).items():
            shown = ", ".join(repr(x) for x in labels[:4]) + (", …" if len(labels) > 4 else "")
            where = f"{source} ({rid})" if len(found) > 1 else str(source)
            print(
                f"warning: {where}: RTTM writes {lane!r}, not the typed labels {shown}",
                file=sys.stderr,
            )


def _options(format_name: str, recording_id: str) -> dict[str, str]:
    """Keep the recording id through RTTM, where it is the file-id of every line."""
    return {"uri": recording_id} if format_name == "rttm" else {}
