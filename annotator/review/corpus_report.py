"""A whole corpus against one reference, as the editor shows it: a row per recording, a corpus row.

The scoring is `annotator.review.corpus_compare.compare_corpus` (itself the single-file
`compare` per recording): this module only matches recordings to the reference's file-ids, loads
each recording's labels when its turn comes (so a long corpus can be cancelled between files and
never sits in memory at once), applies the single-file compare's speaker-lane mapping, and turns
the result into table rows.

* Matching: each recording takes the file-id that names it (`annotator.formats.matching`, the
  rule of *Compare with reference*); recordings the reference lacks are rows "not in reference",
  file-ids no recording takes are rows "no recording".
* Mapping: as in the single-file compare, a speaker-turn reference is read as speech (any
  speaker) and overlap (two or more) unless the recording has lanes named like its speakers.
* Figures: F1 per lane is pyannote's detection F1 (collar 0) from the comparison's times
  (hit = reference − missed, hypothesis = hit + false alarm); the corpus row pools those times
  and the edit counts over every scored recording (not a mean of rows, which would weigh a
  10-second clip like an hour). Within a UEM, what lies outside is scored by neither side.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core import CLASS_LANES, Annotation
from annotator.core.annotation import RecordingInfo
from annotator.core.atomic import atomic_write_text
from annotator.core.errors import AnnotatorError
from annotator.core.sidecar import backup_path, load_sidecar
from annotator.formats import read_annotations
from annotator.formats.matching import matching_id
from annotator.formats.uem import read_uem
from annotator.review.compare import LaneComparison
from annotator.review.corpus_compare import CorpusComparison, LaneTotals, compare_corpus
from annotator.review.speaker_lanes import as_class_lanes, speaker_lane_names
from segmenter.evaluation.detection import DetectionCounts

__all__ = [
    "CORPUS_ROW",
    "Cancelled",
    "CorpusReport",
    "Recording",
    "ReportRow",
    "compare_corpus_with",
    "lane_f1",
    "saved_labels",
    "write_csv",
]

CORPUS_ROW = "CORPUS"
NOT_IN_REFERENCE = "not in reference"
NO_RECORDING = "no recording"


class Cancelled(AnnotatorError):
    """The person stopped the comparison."""


@dataclass(frozen=True)
class Recording:
    """One recording of the corpus: its name (path in the corpus), where it is, and how to get
    the labels to score (called on the worker, when its turn comes)."""

    name: str
    path: Path
    load: Callable[[], Annotation]
    note: str = ""  # said in its row ("unsaved edits included")


def saved_labels(sidecar: Path, recording: RecordingInfo) -> Annotation:
    """What the editor would load for a recording that is not open: its saved sidecar (its
    backup if the sidecar is damaged, as the editor does), else empty class lanes. Never an
    autosave: unsaved work of a recording nobody has open is not its labels yet. Reads only;
    raises `SidecarError` naming the file."""
    if sidecar.exists() or backup_path(sidecar).exists():
        return load_sidecar(sidecar, fall_back_to_backup=True).annotation
    return Annotation.with_class_lanes(recording)


def lane_f1(result: LaneComparison | LaneTotals) -> float:
    """Detection F1 of a compared lane (or a lane summed over files) from its times."""
    hit = max(0.0, result.reference_s - result.missed_s)
    return DetectionCounts(hit + result.false_alarm_s, result.reference_s, hit).f1


def _scored(result: LaneComparison | LaneTotals) -> bool:
    """Whether a lane has anything to score: reference time or labelled time outside it (with
    neither, F1 is 1 by pyannote's convention, which reads like a success; the cell is left
    blank instead)."""
    return result.reference_s > 0 or result.false_alarm_s > 0


@dataclass(frozen=True)
class ReportRow:
    """One row of the table: a recording, the corpus, or an unmatched name."""

    kind: str  # "corpus", "file", "unmatched"
    recording: str  # the recording's name; CORPUS_ROW; '' for a file-id with no recording
    file_id: str
    f1: dict[str, float]  # lane → F1 (lanes this row compared)
    edits: int | None
    empty_edits: int | None
    note: str = ""
    path: Path | None = None  # the recording to open


@dataclass
class CorpusReport:
    reference: Path
    uem: Path | None
    comparison: CorpusComparison  # files keyed by recording name
    recordings: list[Recording]
    file_ids: dict[str, str]  # recording name → the reference's file-id
    not_in_reference: list[str]
    no_recording: list[str]
    notes: dict[str, str] = field(default_factory=dict)  # recording name → why this row is odd
    mapped: bool = False  # speaker lanes read as speech and overlap somewhere

    @property
    def lanes(self) -> list[str]:
        """The lanes compared anywhere: class lanes in their order, then the others."""
        seen = list(self.comparison.totals)
        return [n for n in CLASS_LANES if n in seen] + [n for n in seen if n not in CLASS_LANES]

    def rows(self) -> list[ReportRow]:
        """The corpus row, one per recording (scored, unreadable or not in the reference), one
        per file-id no recording takes."""
        totals = self.comparison.totals
        scored = len(self.comparison.files)
        rows = [ReportRow(
            "corpus", CORPUS_ROW, f"{scored} recording{'' if scored == 1 else 's'}",
            {lane: lane_f1(t) for lane, t in totals.items() if _scored(t)},
            sum(t.edits.total for t in totals.values()),
            sum(t.empty_edits.total for t in totals.values()),
            "pooled over the recordings scored",
        )]  # fmt: skip
        for recording in self.recordings:
            name = recording.name
            note = "; ".join(t for t in (self.notes.get(name, ""), recording.note) if t)
            result = self.comparison.files.get(name)
            if result is None:
                rows.append(ReportRow("unmatched", name, self.file_ids.get(name, ""), {},
                                      None, None, note, recording.path))  # fmt: skip
                continue
            rows.append(ReportRow(
                "file", name, self.file_ids[name],
                {lane: lane_f1(r) for lane, r in result.lanes.items() if _scored(r)},
                result.edits.total, result.empty_edits.total, note, recording.path,
            ))  # fmt: skip
        for file_id in self.no_recording:
            rows.append(ReportRow("unmatched", "", file_id, {}, None, None, NO_RECORDING))
        return rows

    def headline(self) -> str:
        totals = self.comparison.totals
        edits = sum(t.edits.total for t in totals.values())
        empty = sum(t.empty_edits.total for t in totals.values())
        scored = len(self.comparison.files)
        f1 = ", ".join(
            f"{lane} F1 {lane_f1(totals[lane]):.3f}" for lane in self.lanes if _scored(totals[lane])
        )
        text = (
            f"Corpus, {scored} recording{'' if scored == 1 else 's'} pooled: about {edits} "
            f"edit{'' if edits == 1 else 's'} to correct (from empty lanes: {empty})"
        )
        text += f"; {f1}" if f1 else ""
        extra = []
        if self.not_in_reference:
            extra.append(f"{len(self.not_in_reference)} not in the reference")
        if self.no_recording:
            n = len(self.no_recording)
            extra.append(f"{n} file-id{'' if n == 1 else 's'} with no recording")
        if self.mapped:
            extra.append("speaker lanes read as speech and overlap")
        return text + (f" ({'; '.join(extra)})" if extra else "")


def columns(lanes: Sequence[str]) -> list[str]:
    """The table's (and the CSV's) header."""
    return ["Recording", "File-id", *(f"{lane} F1" for lane in lanes),
            "Edits to correct", "From empty", "Note"]  # fmt: skip


def cells(row: ReportRow, lanes: Sequence[str]) -> list[str]:
    """A row's texts under `columns` (figures blank where the row has none)."""
    f1 = [f"{row.f1[lane]:.3f}" if lane in row.f1 else "" for lane in lanes]
    counts = ["" if n is None else str(n) for n in (row.edits, row.empty_edits)]
    return [row.recording, row.file_id, *f1, *counts, row.note]


def write_csv(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """The table as CSV, written atomically (a file that was there stays whole on failure),
    UTF-8 with a byte-order mark as the CSV export writes it, so spreadsheets read accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_text(path, "\ufeff" + buffer.getvalue())


def compare_corpus_with(
    reference: Path,
    recordings: Sequence[Recording],
    *,
    uem: Path | None = None,
    map_speakers: bool = True,
    progress: Callable[[float, str], Any] | None = None,
    cancel: threading.Event | None = None,
) -> CorpusReport:
    """Score every recording that the reference holds against it (module docstring).

    Raises `FormatError` (one line naming the file) for an unreadable reference or UEM and
    `Cancelled` when ``cancel`` is set; a recording whose labels cannot be read is a row that
    says so, not a failure of the whole corpus."""
    references = read_annotations(reference)
    regions = read_uem(uem) if uem is not None else None
    ids = list(references)
    file_ids: dict[str, str] = {}
    for recording in recordings:
        found = matching_id(ids, recording.name)
        if found is not None:
            file_ids[recording.name] = found
    report = CorpusReport(
        reference=reference, uem=uem, comparison=CorpusComparison({}, {}, False),
        recordings=list(recordings), file_ids=file_ids,
        not_in_reference=[r.name for r in recordings if r.name not in file_ids],
        no_recording=[i for i in ids if i not in set(file_ids.values())],
    )  # fmt: skip
    for name in report.not_in_reference:
        report.notes[name] = NOT_IN_REFERENCE
    matched = [r for r in recordings if r.name in file_ids]

    def pairs() -> Iterator[tuple[str, Annotation, Annotation, list[tuple[float, float]] | None]]:
        for index, recording in enumerate(matched):
            if cancel is not None and cancel.is_set():
                raise Cancelled
            if progress is not None:
                progress(index / max(1, len(matched)), recording.name)
            try:
                working = recording.load()
            except Exception as exc:  # a damaged sidecar: this row says so, the rest goes on
                report.notes[recording.name] = f"labels unreadable: {' '.join(str(exc).split())}"
                continue
            file_id = file_ids[recording.name]
            truth = references[file_id]
            speakers = speaker_lane_names(truth)
            if map_speakers and speakers and not any(s in working.lane_names for s in speakers):
                truth, report.mapped = as_class_lanes(truth, speakers), True
            scored = None
            if regions is not None:
                scored = regions.get(file_id, [])
                if not scored:
                    report.notes[recording.name] = "not in the UEM: nothing scored"
            yield recording.name, truth, working, scored

    # mapping is decided above, per recording, as the single-file compare does
    report.comparison = compare_corpus(pairs(), map_speakers=False)
    report.comparison.mapped_speakers = report.mapped
    if progress is not None:
        progress(1.0, "done")
    return report
