"""The long-running part of a recipe run: where it writes, and training that can be resumed.

A full recipe run takes about twenty minutes on two cores, so two things must not waste it:

* an output path that cannot be written is found *before* training (a folder given as ``--out``
  means ``FOLDER/default.safetensors``; an unwritable folder is a one-line error up front);
* a run that stops (crash, killed session, power cut, an error after training) leaves its
  checkpoint in the work folder, and ``--resume`` continues from it. The training loop's resume
  is exact (same weights as an uninterrupted run), and the work folder remembers the recipe
  configuration it was started with, so a resume with different settings is refused rather than
  silently mixing two recipes.

Two runs must not share a work folder: each would delete or overwrite the other's checkpoint and
log (it happened here, with runs started side by side on the default ``CACHE/recipe-train``).
A run holds an advisory lock on its work folder while it trains; a second one is refused in one
line that names the holder.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from segmenter.errors import Cancelled
from segmenter.model import NMFSegmenter
from segmenter.recipes import RecipeError
from segmenter.training.data import SourceChunks
from segmenter.training.loop import CHECKPOINT_NAME, TrainConfig, train
from segmenter.training.state import load_state

__all__ = [
    "DEFAULT_MODEL_NAME",
    "CONFIG_NAME",
    "LOCK_NAME",
    "hold_work",
    "resolve_out",
    "prepare_work",
    "train_with_cap",
]

DEFAULT_MODEL_NAME = "default.safetensors"
CONFIG_NAME = "recipe_config.json"
LOCK_NAME = ".lock"
RESUME_MAY_CHANGE = frozenset(
    {
        "minutes", "threads", "tune_chunks", "tune_longest_run", "eval_chunks",
        "chunks_per_recording", "tune_objective", "tune_f1_tolerance",
    }
)  # fmt: skip
"""Settings that do not change the trained weights: the cap only decides where to stop, and
tuning and scoring come after training (a resume may re-tune a finished run)."""

Log = Callable[[str], None]


def resolve_out(out: Path) -> Path:
    """The model file to write: ``out`` itself, or ``out/default.safetensors`` for a folder.

    Checked by writing a scratch file beside it, so a typo'd or read-only destination fails in
    a second rather than after twenty minutes of training.
    """
    path = out / DEFAULT_MODEL_NAME if out.is_dir() or str(out).endswith(("/", "\\")) else out
    if path.is_dir():
        raise RecipeError(f"{path}: is a folder; give a model file name such as {path}.safetensors")
    blocked = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        raise RecipeError(f"{blocked}: cannot write the model there (a file, not a folder)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".write-test-"):
            pass
    except OSError as error:
        raise RecipeError(
            f"{path.parent}: cannot write the model there ({error.strerror})"
        ) from None
    return path


@contextlib.contextmanager
def hold_work(work: Path) -> Iterator[None]:
    """Hold ``work`` for one run: an exclusive ``flock`` on ``work/.lock``, released when the run
    ends or its process dies (the kernel drops it, so no stale lock survives a crash). The file
    names the holder's pid for the refusal message. Where ``fcntl`` is missing (Windows) the
    folder is not locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    work.mkdir(parents=True, exist_ok=True)
    with open(work / LOCK_NAME, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RecipeError(
                f"{work}: another recipe run (pid {holder}) is using this work folder; "
                "give this one a --work folder of its own"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_work(
    work: Path,
    config: Mapping[str, Any],
    resume: bool,
    defaults: Mapping[str, Any] | None = None,
) -> bool:
    """Make the work folder ready; returns whether training will continue from a checkpoint.

    Without ``resume`` any earlier checkpoint and log are removed (a run starts from scratch).
    With it, the checkpoint is kept if the folder's recorded configuration matches ``config``
    (apart from :data:`RESUME_MAY_CHANGE`); a mismatch is an error naming the differences. A
    setting the recorded configuration lacks (it predates the option) counts as its value in
    ``defaults``: new options default to the old behaviour.
    """
    work.mkdir(parents=True, exist_ok=True)
    checkpoint, recorded = work / CHECKPOINT_NAME, work / CONFIG_NAME
    if resume and checkpoint.is_file():
        before = json.loads(recorded.read_text("utf-8")) if recorded.is_file() else None
        if before is None:
            raise RecipeError(
                f"{work}: no {CONFIG_NAME}, so the checkpoint cannot be resumed safely"
            )
        changed = sorted(
            key
            for key in set(before) | set(config)
            if key not in RESUME_MAY_CHANGE
            and _plain(before.get(key, (defaults or {}).get(key))) != _plain(config.get(key))
        )
        if changed:
            raise RecipeError(
                f"{work}: the checkpoint was trained with other settings ({', '.join(changed)}); "
                "run without --resume or with the same settings"
            )
        return True
    for stale in (checkpoint, work / "train_log.jsonl"):
        stale.unlink(missing_ok=True)
    recorded.write_text(json.dumps(_plain(dict(config)), indent=1) + "\n", encoding="utf-8")
    return False


def _plain(value: Any) -> Any:
    """JSON's view of a value (tuples become lists), so a recorded config compares equal."""
    return json.loads(json.dumps(value))


def train_with_cap(
    model: NMFSegmenter,
    train_set: SourceChunks,
    val_set: SourceChunks,
    tc: TrainConfig,
    work: Path,
    seconds: float,
    log: Log,
    resume: bool = False,
) -> tuple[list[dict[str, Any]], int | None, float | None, bool]:
    """:func:`train` with a wall-clock cap checked at epoch ends: when the next epoch would not
    fit, training is cancelled and the best epoch is taken back from the checkpoint.

    Returns (history of every epoch, including resumed ones; best epoch; best loss; capped).
    """
    started, cancel = time.perf_counter(), threading.Event()
    fresh: list[dict[str, Any]] = []

    def on_epoch(record: dict[str, Any]) -> None:
        fresh.append(record)
        elapsed = time.perf_counter() - started
        log(
            f"  epoch {record['epoch']:>2}: train {record['train']['total']:.3f} "
            f"(bce {record['train']['bce']:.3f}) val {record['val']['total']:.3f} "
            f"(bce {record['val']['bce']:.3f}) best {record['best_epoch']} [{elapsed:.0f} s]"
        )
        if elapsed * (len(fresh) + 1) / len(fresh) > seconds:
            cancel.set()

    try:
        result = train(
            model, train_set, val_set, tc, checkpoint_dir=work, log_path=work / "train_log.jsonl",
            cancel=cancel, on_epoch=on_epoch, resume=resume,
        )  # fmt: skip
    except Cancelled:
        state = load_state(work / CHECKPOINT_NAME)
        if state.best is not None:
            model.load_state_dict(state.best)
        log(f"  stopped by the {seconds / 60:.1f} min cap after epoch {state.epoch}")
        return list(state.history), state.best_epoch, state.best_loss, True
    if resume and not fresh:
        log(f"  resumed after epoch {len(result.history)}: training was already complete")
    return list(result.history), result.best_epoch, result.best_loss, False
