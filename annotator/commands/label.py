"""``annotator label INPUT... --out DIR``: pre-label a corpus headless, resumable, in shards.

The order of checks is chosen so that a mistake costs seconds, not a night on the cluster: the
backend is checked, the corpus is listed, the formats and the pre-labeler (and its model) are
loaded, the output folder is locked (a second run on it is refused, naming the first) and
existing outputs are looked at before the first recording is touched. Then each recording
fails or succeeds alone; the exit code is the number of recordings that failed (capped at
100), so a SLURM array shows at a glance which shards need another look.

Where the files run is the only thing the backends change: ``local`` (this process or spawned
worker processes) or ``ray`` (actors on a Ray cluster, :mod:`annotator.batch.ray_backend`,
imported only when asked for, since Ray is an optional extra).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.batch import (
    SKIPPED,
    CorpusError,
    FileResult,
    LabelJob,
    Labeller,
    existing_outputs,
    list_corpus,
    output_paths,
    parse_shard,
    run_in_pool,
    run_in_process,
    select_shard,
    up_to_date,
)
from annotator.batch.lock import FolderLocked, hold_output_folder
from annotator.batch.outputs import remove_stale_temporaries
from annotator.batch.report import Progress, Summary
from annotator.batch.runner import limit_torch_threads
from annotator.commands.outcome import EXIT_OK, CliError
from annotator.extensions import PluginError, Prelabeler, create_prelabeler, load_format

MAX_EXIT = 100


def parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a value that parses as JSON (``0.6``, ``true``, ``{...}``) is taken
    as such, anything else as text."""
    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--option {pair}: expected KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def _formats(spec: str) -> list[Any]:
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    if not names:
        raise CliError("--format: name at least one format (e.g. textgrid,rttm)")
    try:
        formats = [load_format(name) for name in dict.fromkeys(names)]
    except PluginError as exc:
        raise CliError(f"--format: {exc}") from exc
    extensions = [f.extensions[0].lower() for f in formats]
    if len(set(extensions)) != len(extensions):
        raise CliError(f"--format {spec}: two formats would write the same file extension")
    return formats


def _prelabeler_options(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the user asked for (must be accepted) and host defaults (passed where accepted)."""
    options = parse_options(args.option)
    optional: dict[str, Any] = {}
    if args.model is not None:
        model = Path(args.model)
        if model.is_dir():
            raise CliError(f"{model}: is a folder, not a model file")
        if not model.is_file():
            raise CliError(f"{model}: no such model file")
        options["model"] = str(model.resolve())
    if getattr(args, "probe", None):
        if args.prelabeler != "nmf":
            raise CliError(f"--probe applies to the nmf pre-labeler, not {args.prelabeler}")
        probes = []
        for name in args.probe:
            probe = Path(name)
            if not probe.is_file():
                raise CliError(f"{probe}: no such probe file")
            probes.append(str(probe.resolve()))
        options["probes"] = probes
    if args.device != "auto":
        options["device"] = args.device
    else:
        optional["device"] = "auto"
    if getattr(args, "threshold", None):
        options["thresholds"] = _thresholds(args, options)
    return options, optional


def _thresholds(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    """``--threshold speech=0.6`` for the NMF pre-labeler, merged over any ``--option
    thresholds=...``; a lone onset keeps the model's offset where that is not above it."""
    from annotator.integrations.thresholds import (
        ThresholdError,
        model_thresholds,
        parse_threshold,
        resolve_thresholds,
    )
    from annotator.resources import ResourceMissing

    if args.prelabeler != "nmf":
        raise CliError(f"--threshold applies to the nmf pre-labeler; give {args.prelabeler}'s "
                       "settings with --option")  # fmt: skip
    try:
        requests = [parse_threshold(spec) for spec in args.threshold]
        stored = model_thresholds(options.get("model"))
        resolved = resolve_thresholds(requests, stored)
    except ThresholdError as exc:
        raise CliError(f"--threshold: {exc}") from exc
    except ResourceMissing as exc:
        raise CliError(f"{exc}; give a model file with --model FILE") from exc
    except Exception as exc:  # a model file that cannot be read names itself
        raise CliError(str(exc)) from exc
    merged = dict(options.get("thresholds") or {})
    for code, values in resolved.items():
        merged[code] = {**dict(merged.get(code) or {}), **values}
    return merged


def _items(args: argparse.Namespace) -> tuple[list[Any], str]:
    extensions = args.extensions.split(",") if args.extensions else None
    try:
        corpus = list_corpus(args.inputs, extensions)
        if not corpus:
            raise CliError(f"{' '.join(args.inputs)}: no recordings found")
        if args.shard is None:
            return corpus, f"{len(corpus)} recording(s)"
        index, count = parse_shard(args.shard)
    except CorpusError as exc:
        raise CliError(str(exc)) from exc
    chosen = select_shard(corpus, index, count)
    return chosen, f"shard {index}/{count}: {len(chosen)} of {len(corpus)} recording(s)"


def usable_cpus() -> int:
    """Cores this process may run on: under SLURM or taskset that is fewer than the machine's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _jobs(requested: int | None) -> int:
    if requested is None:
        return 1
    if requested < 0:
        raise CliError(f"--jobs {requested}: must be >= 1 (or 0 for one per CPU core)")
    return requested or usable_cpus()


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--backend`` options of ``annotator label`` (called by the CLI's parser builder)."""
    group = parser.add_argument_group("backend (where the recordings are labelled)")
    group.add_argument(
        "--backend", choices=("local", "ray"), default="local",
        help="local: this machine, --jobs worker processes (default); ray: workers on a Ray "
        "cluster, --jobs of them (0: as many as it holds; needs the [ray] extra)",
    )  # fmt: skip
    group.add_argument(
        "--ray-address", metavar="ADDRESS",
        help="Ray cluster to join (auto, HOST:PORT or ray://HOST:10001); default: $RAY_ADDRESS "
        "if set, else a private local Ray instance started for this run and stopped after it",
    )  # fmt: skip
    group.add_argument(
        "--cpus-per-task", type=float, metavar="N",
        help="CPUs each Ray worker reserves (default 1; also its torch threads)",
    )  # fmt: skip
    group.add_argument(
        "--gpus-per-task", type=float, metavar="F",
        help="GPUs each Ray worker reserves when it runs on GPU; a fraction lets workers share "
        "a GPU (default 0.25)",
    )  # fmt: skip


def _ray_settings(args: argparse.Namespace) -> Any | None:
    """`RaySettings` for ``--backend ray`` (Ray imported now, so a missing Ray costs a second),
    None for the local backend, whose runs must not be given Ray-only options."""
    backend = getattr(args, "backend", "local")
    cpus, gpus = getattr(args, "cpus_per_task", None), getattr(args, "gpus_per_task", None)
    address = getattr(args, "ray_address", None)
    if backend != "ray":
        given = [n for n, v in (("--ray-address", address), ("--cpus-per-task", cpus),
                                ("--gpus-per-task", gpus)) if v is not None]  # fmt: skip
        if given:
            raise CliError(f"{given[0]}: applies to --backend ray only")
        return None
    from annotator.batch.ray_backend import RayBackendError, RaySettings, import_ray

    try:
        import_ray()
    except RayBackendError as exc:
        raise CliError(str(exc)) from exc
    if cpus is not None and not cpus > 0:
        raise CliError(f"--cpus-per-task {cpus:g}: must be > 0")
    if gpus is not None and not (0 < gpus <= 1 or (gpus > 1 and gpus.is_integer())):
        raise CliError(f"--gpus-per-task {gpus:g}: must be a fraction in (0, 1] or a whole number")
    if args.jobs is not None and args.jobs < 0:
        raise CliError(f"--jobs {args.jobs}: must be >= 1 (or 0 for as many as the cluster holds)")
    return RaySettings(
        address=address or None, device=args.device, cpus_per_task=cpus or 1.0,
        gpus_per_task=gpus or 0.25, workers=args.jobs or None, local_cpus=usable_cpus(),
    )  # fmt: skip


def run_label(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    on_ray = _ray_settings(args)
    items, scope = _items(args)
    formats = _formats(args.format)
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise CliError(f"{out_dir}: exists and is not a folder")
    options, optional = _prelabeler_options(args)
    jobs = 1 if on_ray else _jobs(args.jobs)
    job = LabelJob(
        prelabeler=args.prelabeler, out_dir=out_dir, formats=tuple(f.name for f in formats),
        options=options, optional=optional, threads=max(1, usable_cpus() // jobs),
        overwrite=bool(args.force or args.resume),
    )  # fmt: skip
    try:
        prelabeler = _check_prelabeler(job, on_ray=on_ray is not None)
    except PluginError as exc:
        raise CliError(str(exc)) from exc
    depends_on = [Path(p) for p in getattr(prelabeler, "depends_on", ()) or ()]

    with _hold(out_dir):  # from here to the end, no other run writes in out_dir
        outputs = {item: output_paths(item, out_dir, formats) for item in items}
        summary, todo = _plan(args, outputs, depends_on)
        progress = Progress(todo, quiet=args.quiet)

        def record(result: FileResult) -> None:
            summary.results.append(result)
            progress.finish(result)

        try:
            if on_ray is not None:
                _run_on_ray(todo, job, on_ray, record, progress.note)
            elif jobs == 1 or len(todo) <= 1:
                limit_torch_threads(job.threads)
                labeller = Labeller(job, prelabeler, formats, headers=progress.headers)
                run_in_process(todo, labeller, record, progress.advance)
            else:
                run_in_pool(todo, job, min(jobs, len(todo)), record)
        finally:
            progress.close()
    summary.wall_seconds = time.perf_counter() - started
    names = ", ".join(f.name for f in formats)
    print(summary.table(f"annotator label: {scope} -> {out_dir} ({names})"))
    return min(summary.failed, MAX_EXIT) if summary.failed else EXIT_OK


@contextlib.contextmanager
def _hold(out_dir: Path) -> Iterator[None]:
    """Create ``out_dir`` and hold its lock for the run: a second run on it is refused, naming
    this one, and a folder this run cannot write in fails now, before any recording is done.
    Temporaries older than the lock (a killed run's) are cleared first."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from exc
    held = contextlib.ExitStack()
    try:
        taken = held.enter_context(hold_output_folder(out_dir))
    except FolderLocked as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
        raise CliError(f"{out_dir}: cannot write in the output folder ({problem})") from None
    with held:
        if taken is not None:  # under the lock: what a killed run left can go now
            remove_stale_temporaries(out_dir, taken)
        yield


def _plan(
    args: argparse.Namespace, outputs: dict[Any, list[Path]], depends_on: list[Path]
) -> tuple[Summary, list[Any]]:
    """What this run does: with ``--resume`` the up-to-date recordings are skipped; without
    ``--resume`` or ``--force`` an existing output refuses the run (checked under the lock)."""
    summary = Summary()
    if args.resume:
        fresh = {i for i, paths in outputs.items() if up_to_date(i.path, paths, depends_on)}
        summary.results += [FileResult(i, SKIPPED) for i in outputs if i in fresh]
        return summary, [i for i in outputs if i not in fresh]
    if not args.force:
        existing = existing_outputs(p for paths in outputs.values() for p in paths)
        if existing:
            raise CliError(
                f"{existing[0]}: exists already ({len(existing)} output(s) in {args.out}); use "
                "--resume to skip recordings already labelled, or --force to overwrite"
            )
    return summary, list(outputs)


def _check_prelabeler(job: LabelJob, *, on_ray: bool) -> Prelabeler:
    """Build the pre-labeler here once: a wrong option or model fails now, and it tells which
    files (``depends_on``) make outputs stale. For Ray it is built on CPU, since the head node
    need not have the GPU the workers will use."""
    if on_ray:
        from annotator.batch.ray_backend import on_device

        job = on_device(job, "cpu")
    return create_prelabeler(job.prelabeler, job.options, optional=job.optional)


def _run_on_ray(todo: list[Any], job: LabelJob, settings: Any, record: Any, note: Any) -> None:
    from annotator.batch.ray_backend import RayBackendError, run_on_ray

    try:
        run_on_ray(todo, job, settings, record, note)
    except RayBackendError as exc:
        raise CliError(str(exc)) from exc
