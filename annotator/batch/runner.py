"""Labelling recordings one by one, in this process or in a pool of worker processes.

Each file is its own little transaction: whatever goes wrong with one recording (it is corrupt,
the plugin raises, its worker process dies) becomes a `FileResult` with one error line, and the
others go on. Workers are *spawned* (never forked: a forked copy of a process that already runs
torch threads can deadlock) and build their own pre-labeler once, from the picklable `LabelJob`.

A worker that dies (killed for memory, a segfault in a native library) breaks the whole
``ProcessPoolExecutor``; the files that were in flight are then retried one at a time in a fresh
pool, so the one that kills its worker is found and failed alone instead of taking its
neighbours down with it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.batch.corpus import CorpusItem
from annotator.batch.outputs import output_paths, remove_partials, write_outputs
from annotator.core.annotation import Provenance, RecordingInfo
from annotator.core.audio_header import AudioHeader, AudioHeaderError, read_header
from annotator.core.errors import AnnotatorError
from annotator.core.printable import printable
from annotator.core.warning_lines import one_line_warnings
from annotator.extensions import (
    PRELABELER_GROUP,
    Prelabeler,
    create_prelabeler,
    error_line,
    find,
    load_format,
    to_annotation,
)

if TYPE_CHECKING:
    from annotator.formats import Format

DONE, SKIPPED, FAILED = "done", "skipped", "failed"
CRASH_MESSAGE = "its worker process died while labelling it (out of memory? a crash in a library?)"


class RecordingError(AnnotatorError):
    """A recording cannot be read at all (its message names the file)."""


@dataclass(frozen=True)
class LabelJob:
    """Everything a worker needs to rebuild the tools of a run (small and picklable)."""

    prelabeler: str
    out_dir: Path
    formats: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    optional: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None
    #: replace outputs that exist (``--force``, ``--resume``); else one that appeared meanwhile
    #: fails its recording instead of being overwritten
    overwrite: bool = False


@dataclass
class FileResult:
    """How one recording went; ``error`` is one line naming the file."""

    item: CorpusItem
    status: str
    error: str | None = None
    audio_seconds: float | None = None
    seconds: float = 0.0
    outputs: tuple[Path, ...] = ()


def _audio_facts(path: Path, header: AudioHeader | None = None) -> tuple[float, int]:
    """Duration and rate from the header: a corrupt file, a FIFO or an absurd rate fails here,
    before any model runs (the checks are `read_header`'s, shared with ``info``). ``header``:
    the one already read for this file, if any (then the file is not opened again)."""
    if header is None:
        try:
            header = read_header(path)
        except AudioHeaderError as exc:
            raise RecordingError(str(exc)) from None
    if header.frames <= 0:
        raise RecordingError(f"{path}: audio file contains no samples")
    return header.duration, header.sample_rate


def _named(path: Path, message: str) -> str:
    """``message`` naming ``path`` once, as `printable` shows it: one line even when the name
    holds a newline (which `error_line` may have turned into a space)."""
    shown = printable(str(path))
    for form in (str(path), " ".join(str(path).split())):
        if form and form in message:
            return message.replace(form, shown)
    return message if shown in message else f"{shown}: {message}"


class Labeller:
    """A built pre-labeler and the loaded output formats: labels one recording per call.

    A caller that has already built the pre-labeler, loaded the formats (``job.formats``, in
    order) or read some headers (``headers``, by item) passes them, so none is done twice."""

    def __init__(
        self,
        job: LabelJob,
        prelabeler: Prelabeler | None = None,
        formats: Sequence[Format] | None = None,
        headers: Mapping[CorpusItem, AudioHeader] | None = None,
    ) -> None:
        self.job = job
        self.formats = (
            list(formats) if formats is not None else [load_format(name) for name in job.formats]
        )
        self.headers = headers if headers is not None else {}
        self.prelabeler = prelabeler or create_prelabeler(
            job.prelabeler, job.options, optional=job.optional
        )
        plugin = find(PRELABELER_GROUP, job.prelabeler)
        self.provenance = Provenance(
            tool=f"{job.prelabeler} pre-labeler ({plugin.distribution} {plugin.version})",
            parameters={k: str(v) for k, v in job.options.items()},
        )

    def label(
        self, item: CorpusItem, progress: Callable[[float, str], None] | None = None
    ) -> FileResult:
        started = time.perf_counter()
        audio_seconds = None
        try:
            audio_seconds, rate = _audio_facts(item.path, self.headers.get(item))
            result = self.prelabeler(item.path, progress=progress)
            recording = RecordingInfo(path=str(item.path), duration=audio_seconds, sample_rate=rate)
            annotation = to_annotation(result, recording, self._provenance())
            # absolute, so the output still finds its recording wherever it is opened from
            annotation.recording = replace(annotation.recording, path=str(item.path.resolve()))
            targets = dict(
                zip(output_paths(item, self.job.out_dir, self.formats), self.formats, strict=True)
            )
            write_outputs(annotation, item, targets, overwrite=self.job.overwrite)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # one recording's failure, whatever it is, is reported alone
            return FileResult(
                item, FAILED, _named(item.path, error_line(exc)), audio_seconds,
                time.perf_counter() - started,
            )  # fmt: skip
        return FileResult(
            item, DONE, None, audio_seconds, time.perf_counter() - started, tuple(targets)
        )

    def _provenance(self) -> Provenance:
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        p = self.provenance
        return Provenance(p.tool, p.lanes, p.model, p.parameters, created)


# ------------------------------------------------------------------------------- worker side
_worker: Labeller | None = None
_worker_error: str | None = None


def _limit_threads(threads: int | None) -> None:
    if threads:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[name] = str(threads)


def limit_torch_threads(threads: int | None) -> None:
    """Cap torch's intra-op threads, if the pre-labeler uses torch at all (we never import it)."""
    torch = sys.modules.get("torch")
    if torch is not None and threads and torch.get_num_threads() > threads:
        torch.set_num_threads(threads)


def start_worker(job: LabelJob) -> tuple[Labeller | None, str | None]:
    """Build a worker process's tools once (the model loads here, not per file).

    A failure is returned, not raised: each file then fails with it in one line, as any other
    per-file error, instead of the whole worker (or Ray actor) dying over and over.
    """
    _limit_threads(job.threads)
    one_line_warnings()  # a spawned worker starts with Python's two-line format again
    labeller, error = None, None
    try:
        labeller = Labeller(job)
    except Exception as exc:
        error = error_line(exc)
    limit_torch_threads(job.threads)
    return labeller, error


def work_on(labeller: Labeller | None, error: str | None, item: CorpusItem) -> FileResult:
    """Label ``item`` with a worker's tools, or fail it with the reason they could not start."""
    if labeller is None:
        return FileResult(item, FAILED, f"{item.path}: worker could not start: {error}")
    return labeller.label(item)


def crash_result(item: CorpusItem, job: LabelJob, detail: str = "") -> FileResult:
    """``item`` killed the process labelling it: clear its partial outputs and fail it alone."""
    remove_partials(item, job.out_dir, [load_format(f) for f in job.formats])
    return FileResult(item, FAILED, f"{item.path}: {CRASH_MESSAGE}{detail}")


def _init_worker(job: LabelJob) -> None:
    global _worker, _worker_error
    # Ctrl-C reaches the whole process group; the parent alone decides, and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker, _worker_error = start_worker(job)


def _work(item: CorpusItem) -> FileResult:
    return work_on(_worker, _worker_error, item)


# ------------------------------------------------------------------------------- host side
def run_in_process(
    items: Iterable[CorpusItem],
    labeller: Labeller,
    on_result: Callable[[FileResult], None],
    on_progress: Callable[[CorpusItem, float], None] | None = None,
) -> None:
    for item in items:
        progress = None if on_progress is None else partial(_forward, on_progress, item)
        on_result(labeller.label(item, progress))


def _forward(
    on_progress: Callable[[CorpusItem, float], None], item: CorpusItem, fraction: float, _: str
) -> None:
    on_progress(item, fraction)


def run_in_pool(
    items: Iterable[CorpusItem],
    job: LabelJob,
    jobs: int,
    on_result: Callable[[FileResult], None],
) -> None:
    """Label ``items`` with ``jobs`` spawned workers, at most ``jobs`` files in flight."""
    queue: deque[CorpusItem] = deque(items)
    suspects: deque[CorpusItem] = deque()
    context = multiprocessing.get_context("spawn")

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(job,)
        )

    pool = new_pool()
    in_flight: dict[Future[FileResult], CorpusItem] = {}
    try:
        while queue or suspects or in_flight:
            isolating = bool(suspects)
            while len(in_flight) < (1 if isolating else jobs) and (suspects or queue):
                item = suspects.popleft() if isolating else queue.popleft()
                in_flight[pool.submit(_work, item)] = item
                if isolating:
                    break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                item = in_flight.pop(future)
                try:
                    on_result(future.result())
                except BrokenProcessPool:
                    broken = True
                    if isolating:  # it ran alone: it is the one that kills its worker
                        on_result(crash_result(item, job))
                    else:
                        suspects.append(item)
            if broken:
                suspects.extend(in_flight.values())
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
    except BaseException:  # Ctrl-C or a failing callback: do not wait for hour-long files
        _terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now; outputs are atomic, so a killed file simply has none."""
    if hasattr(pool, "terminate_workers"):  # Python 3.14+
        pool.terminate_workers()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
