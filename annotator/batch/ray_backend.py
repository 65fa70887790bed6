"""Labelling a corpus on a Ray cluster (``annotator label --backend ray``).

Only *where* files run changes: each Ray worker is an actor that builds the same `Labeller` as a
local worker process (so the model loads once per worker, not per file) and labels one file per
call with the very same code, so outputs, atomic writes, error lines, the summary, ``--resume``
and ``--shard`` behave exactly as with the local backend. An actor, not a task, because Ray
starts a fresh process for every GPU task by default (``max_calls=1``) and a reused process could
be handed another GPU than the one its cached model sits on; an actor keeps its GPU for life.

Each actor has at most one file in flight, so an actor that dies (out of memory, a crash in a
native library) names the file that killed it; Ray restarts it, the file fails alone with one
line and the run goes on, as ``run_in_pool`` does locally.

Ray is an optional dependency (``pip install 'nmf-annotator[ray]'``), imported only here and only
when this backend runs. Recordings, the model file and ``--out`` must be at the same paths on
every node (a shared filesystem), since workers read and write them directly.
"""

from __future__ import annotations

import logging
import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from annotator.batch.corpus import CorpusItem
from annotator.batch.runner import (
    FAILED,
    FileResult,
    LabelJob,
    Labeller,
    crash_result,
    start_worker,
    work_on,
)
from annotator.core.errors import AnnotatorError
from annotator.extensions.discovery import one_line

INSTALL_HINT = "pip install 'nmf-annotator[ray]'"
#: A private local instance needs little shared memory: only file names and results travel.
LOCAL_OBJECT_STORE_BYTES = 128 * 1024**2


class RayBackendError(AnnotatorError):
    """Ray is missing, the cluster cannot be reached, or cannot host a single worker."""


@dataclass(frozen=True)
class RaySettings:
    """How to use Ray: ``address`` None means ``$RAY_ADDRESS`` if set, else a private instance.

    ``workers`` caps the number of actors (None: as many as the cluster's resources hold);
    ``local_cpus``/``local_gpus`` size a private instance (None: what Ray detects).
    """

    address: str | None = None
    device: str = "auto"
    cpus_per_task: float = 1.0
    gpus_per_task: float = 0.25
    workers: int | None = None
    local_cpus: int | None = None
    local_gpus: int | None = None


@dataclass(frozen=True)
class Placement:
    """What the run asks Ray for: ``workers`` actors of ``num_cpus``/``num_gpus`` each."""

    workers: int
    num_cpus: float
    num_gpus: float
    device: str

    def describe(self) -> str:
        each = f"{self.num_cpus:g} CPU" + (f" + {self.num_gpus:g} GPU" if self.num_gpus else "")
        return f"{self.workers} worker(s) of {each} each, device {self.device}"


def import_ray() -> ModuleType:
    """Ray itself, or `RayBackendError` with the one command that installs it."""
    try:
        import ray
    except ImportError as exc:
        if exc.name in (None, "ray"):
            raise RayBackendError(
                f"--backend ray needs Ray, which is not installed: {INSTALL_HINT}"
            ) from None
        raise RayBackendError(
            f"--backend ray: Ray cannot be imported ({one_line(exc)}); reinstall: {INSTALL_HINT}"
        ) from None
    return ray


def plan(resources: Mapping[str, float], settings: RaySettings, files: int) -> Placement:
    """How many workers of which shape the cluster's ``resources`` hold (pure, for testing).

    GPUs are used when the device allows (``auto``, ``cuda``, ``cuda:N``) and the cluster has
    some; Ray then hides every GPU but the worker's own, so the worker's device is ``cuda``.
    """
    cpus, gpus = float(resources.get("CPU", 0.0)), float(resources.get("GPU", 0.0))
    device = settings.device.lower()
    wants_gpu = device == "cuda" or device.startswith("cuda:")
    if wants_gpu and gpus <= 0:
        raise RayBackendError(f"--device {settings.device}: the Ray cluster has no GPUs "
                              "(use --device auto or cpu)")  # fmt: skip
    use_gpu = gpus > 0 and (wants_gpu or device == "auto")
    capacity = math.floor(cpus / settings.cpus_per_task + 1e-9)
    if use_gpu:
        capacity = min(capacity, math.floor(gpus / settings.gpus_per_task + 1e-9))
    if capacity < 1:
        asked = f"{settings.cpus_per_task:g} CPU" + (
            f" and {settings.gpus_per_task:g} GPU" if use_gpu else ""
        )
        raise RayBackendError(
            f"each Ray worker asks for {asked} but the cluster has {cpus:g} CPU and {gpus:g} GPU; "
            "lower --cpus-per-task/--gpus-per-task"
        )
    workers = max(1, min(capacity, files, settings.workers or capacity))
    if use_gpu:
        return Placement(workers, settings.cpus_per_task, settings.gpus_per_task, "cuda")
    return Placement(workers, settings.cpus_per_task, 0.0, "cpu" if device == "auto" else device)


def on_device(job: LabelJob, device: str) -> LabelJob:
    """``job`` with its device setting (asked for, or the host default) replaced by ``device``."""
    if "device" in job.options:
        return replace(job, options={**job.options, "device": device})
    if "device" in job.optional:
        return replace(job, optional={**job.optional, "device": device})
    return job


class LabelActor:
    """One Ray worker: builds the pre-labeler (loads the model) once, then labels file by file.

    Wrapped with ``ray.remote`` at run time, so this module imports without Ray.
    """

    def __init__(self, job: LabelJob) -> None:
        self._labeller: Labeller | None
        self._labeller, self._error = start_worker(job)

    def label(self, item: CorpusItem) -> FileResult:
        return work_on(self._labeller, self._error, item)


@contextmanager
def connected(ray: ModuleType, settings: RaySettings) -> Iterator[str]:
    """Ray initialised for the run; yields where it runs. A Ray this process already initialised
    is used as it is and left running; otherwise the connection (and a private instance we
    started) ends with the run."""
    if ray.is_initialized():
        yield "the Ray instance this process runs"
        return
    address = settings.address or os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
            where = f"the Ray cluster at {address}"
        else:
            # Our own instance: no dashboard, no usage report home, only as big as we may be;
            # its start-up notices (token authentication on, and so on) are not the user's concern.
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            ray.init(
                address="local", num_cpus=settings.local_cpus, num_gpus=settings.local_gpus,
                include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                logging_level=logging.ERROR, log_to_driver=False,
            )  # fmt: skip
            where = "a local Ray instance"
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError: all "cannot use it"
        target = f"--ray-address {address}" if address else "--backend ray"
        raise RayBackendError(f"{target}: cannot start or reach Ray ({one_line(exc)})") from None
    try:
        yield where
    finally:
        ray.shutdown()


def run_on_ray(
    items: Iterable[CorpusItem],
    job: LabelJob,
    settings: RaySettings,
    on_result: Callable[[FileResult], None],
    note: Callable[[str], None] | None = None,
) -> None:
    """Label ``items`` on Ray workers, calling ``on_result`` as each finishes (in any order)."""
    todo = list(items)
    if not todo:
        return
    ray = import_ray()
    with connected(ray, settings) as where:
        placement = plan(ray.cluster_resources(), settings, len(todo))
        if note is not None:
            note(f"annotator: labelling on {where}: {placement.describe()}")
        threads = max(1, math.ceil(placement.num_cpus))
        # Absolute, since a worker on another node has another working directory.
        worker_job = replace(
            on_device(job, placement.device), threads=threads, out_dir=job.out_dir.absolute()
        )
        actor_class = ray.remote(LabelActor).options(
            num_cpus=placement.num_cpus, num_gpus=placement.num_gpus,
            max_restarts=-1, max_task_retries=0,
        )  # fmt: skip
        actors = [actor_class.remote(worker_job) for _ in range(placement.workers)]
        try:
            _dispatch(ray, actors, todo, job, on_result)
        finally:  # Ctrl-C included: outputs are atomic, so a killed file simply has none
            for actor in actors:
                ray.kill(actor, no_restart=True)


def _dispatch(
    ray: ModuleType,
    actors: list[Any],
    todo: list[CorpusItem],
    job: LabelJob,
    on_result: Callable[[FileResult], None],
) -> None:
    """One file in flight per actor; an idle actor takes the next file."""
    queue: deque[CorpusItem] = deque(todo)
    idle = list(actors)
    in_flight: dict[Any, tuple[Any, CorpusItem]] = {}
    while queue or in_flight:
        while idle and queue:
            actor, item = idle.pop(), queue.popleft()
            in_flight[actor.label.remote(replace(item, path=item.path.absolute()))] = (actor, item)
        ready, _ = ray.wait(list(in_flight), num_returns=1)
        for ref in ready:
            actor, item = in_flight.pop(ref)
            idle.append(actor)
            on_result(_outcome(ray, ref, item, job))


def _outcome(ray: ModuleType, ref: Any, item: CorpusItem, job: LabelJob) -> FileResult:
    """The worker's result, told with the paths the user gave (it was sent absolute ones)."""
    try:
        result: FileResult = ray.get(ref)
        sent = str(item.path.absolute())
        error = result.error.replace(sent, str(item.path)) if result.error else None
        return replace(result, item=item, error=error)
    except ray.exceptions.RayActorError:  # its worker died while labelling this very file
        return crash_result(item, job)
    except ray.exceptions.RayError as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return FileResult(item, FAILED, f"{item.path}: Ray could not label it ({detail})")
