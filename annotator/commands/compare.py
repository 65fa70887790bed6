"""``annotator compare``: a corpus's labels against one reference (RTTM with many file-ids, or
one annotation file), per file and for the corpus.

The labels are a corpus folder's saved work (its project), or an annotation file (an RTTM of
many recordings, e.g. what ``annotator label --format rttm`` wrote and ``convert`` joined). Each
recording is matched to the reference file-id that names it (`annotator.formats.matching`);
recordings the reference does not hold are listed and left out, as are reference file-ids no
recording matches. A speaker-turn reference is read as speech and overlap unless the labels
have those speaker lanes themselves (``--speakers`` decides otherwise).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from annotator.commands.outcome import EXIT_OK, CliError
from annotator.core import Annotation
from annotator.core.project import Project, ProjectError
from annotator.core.project_file import find_state_dir
from annotator.formats import FormatError, format_for, read_annotations
from annotator.formats.matching import matching_id
from annotator.formats.uem import read_uem
from annotator.review.corpus_compare import CorpusComparison, compare_corpus


def _labels(source: Path) -> dict[str, Annotation]:
    """Recording name → labels, from a project's saved work, a folder of annotation files
    (what ``annotator label --out`` wrote) or one annotation file."""
    if source.is_dir() and find_state_dir(source) is None:
        found: dict[str, Annotation] = {}
        for path in sorted(source.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and _known(path):
                found.update(read_annotations(path))
        if not found:
            raise CliError(f"{source}: no annotator corpus and no annotation files in it")
        return found
    if source.is_dir():
        try:
            with Project.open(source) as project:
                return {e.path.name: project.load(e) for e in project.recordings}
        except ProjectError as exc:
            raise CliError(str(exc)) from exc
    return read_annotations(source)


def _known(path: Path) -> bool:
    try:
        format_for(path)
    except FormatError:
        return False
    return True


def run_compare(args: argparse.Namespace) -> int:
    source, reference_path = Path(args.labels), Path(args.reference)
    try:
        references = read_annotations(reference_path)
        uems = read_uem(args.uem) if args.uem else None
        labels = _labels(source)
    except FormatError as exc:
        raise CliError(str(exc)) from exc
    pairs, unmatched = [], []
    for name, working in labels.items():
        found = matching_id(list(references), name)
        if found is None:
            unmatched.append(name)
            continue
        regions = None if uems is None else uems.get(found, [])
        pairs.append((found, references[found], working, regions))
    if not pairs:
        raise CliError(
            f"{reference_path}: holds none of the recordings of {source} "
            f"(ids: {', '.join(list(references)[:5])})"
        )
    speakers = {"auto": None, "yes": True, "no": False}[args.speakers]
    result = compare_corpus(pairs, speakers)
    print(_table(result, unmatched, set(references) - {p[0] for p in pairs}))
    if args.json:
        Path(args.json).write_text(json.dumps(_as_json(result, unmatched), indent=1) + "\n")
    return EXIT_OK


def _table(result: CorpusComparison, unmatched: list[str], unused: set[str]) -> str:
    rows = [f"{'file':<24} {'lane':<10} {'ref s':>8} {'missed':>8} {'false al.':>9} "
            f"{'DER':>6} {'edits':>6} {'empty':>6}"]  # fmt: skip
    for name, comparison in result.files.items():
        for lane, r in comparison.lanes.items():
            rows.append(
                f"{name[:24]:<24} {lane:<10} {r.reference_s:8.2f} {r.missed_s:8.2f} "
                f"{r.false_alarm_s:9.2f} {r.detection_error_rate:6.3f} {r.edits.total:6d} "
                f"{r.empty_edits.total:6d}"
            )
    for lane, t in result.totals.items():
        rows.append(
            f"{'CORPUS':<24} {lane:<10} {t.reference_s:8.2f} {t.missed_s:8.2f} "
            f"{t.false_alarm_s:9.2f} {t.detection_error_rate:6.3f} {t.edits.total:6d} "
            f"{t.empty_edits.total:6d}"
        )
    if result.mapped_speakers:
        rows.append("reference speaker lanes read as speech (any) and overlap (two or more)")
    if unmatched:
        rows.append(f"not in the reference, left out: {', '.join(sorted(unmatched))}")
    if unused:
        rows.append(f"reference recordings with no labels here: {', '.join(sorted(unused))}")
    return "\n".join(rows)


def _as_json(result: CorpusComparison, unmatched: list[str]) -> dict:
    return {
        "files": {
            name: {lane: r.to_dict() for lane, r in c.lanes.items()}
            for name, c in result.files.items()
        },
        "corpus": {
            lane: {
                "reference_s": t.reference_s,
                "missed_s": t.missed_s,
                "false_alarm_s": t.false_alarm_s,
                "detection_error_rate": t.detection_error_rate,
                "edits": t.edits.to_dict(),
                "empty_edits": t.empty_edits.to_dict(),
            }
            for lane, t in result.totals.items()
        },  # fmt: skip
        "speakers_mapped": result.mapped_speakers,
        "left_out": sorted(unmatched),
    }
