"""Resumable training state: one safetensors file of tensors plus a JSON document inside it.

Stored: the model's full state dict, the best weights so far, Adam's moments and step counts,
the torch RNG state, and as JSON the epoch to start from, the early-stopping bookkeeping, the
optimizer's hyper-parameters and the per-epoch history. Nothing is pickled, so a checkpoint from
an untrusted place cannot run code. Writes are atomic (temp file + rename): a crash mid-write
leaves the previous epoch's checkpoint intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from segmenter.errors import ModelFileError

__all__ = ["TrainingState", "save_state", "load_state"]

_KEY = "training_state"


@dataclass
class TrainingState:
    """Everything needed to continue a run exactly where it stopped."""

    epoch: int  # the next epoch to run
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    best: dict[str, torch.Tensor] | None = None
    best_loss: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    rng: torch.Tensor | None = None


def _flatten_optimizer(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], doc: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    for index, values in doc["scalars"].items():
        state.setdefault(int(index), {}).update(values)
    return {"state": state, "param_groups": doc["param_groups"]}


def save_state(state: TrainingState, path: str | Path) -> None:
    """Write ``state`` atomically to ``path``."""
    p = Path(path)
    tensors = {f"model.{k}": v for k, v in state.model.items()}
    if state.best is not None:
        tensors.update({f"best.{k}": v for k, v in state.best.items()})
    optim_tensors, optim_doc = _flatten_optimizer(state.optimizer)
    tensors.update(optim_tensors)
    if state.rng is not None:
        tensors["rng.torch"] = state.rng
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}
    doc = {
        "epoch": state.epoch,
        "best_loss": state.best_loss,
        "best_epoch": state.best_epoch,
        "bad_epochs": state.bad_epochs,
        "history": state.history,
        "optimizer": optim_doc,
    }
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={_KEY: json.dumps(doc)})
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: str | Path) -> TrainingState:
    """Read a checkpoint written by :func:`save_state` (ModelFileError if it is not one)."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p}: training checkpoint not found")
    try:
        with safe_open(str(p), framework="pt") as handle:
            doc = json.loads((handle.metadata() or {})[_KEY])
        tensors = load_file(str(p))
    except KeyError:
        raise ModelFileError(f"{p}: not a training checkpoint") from None
    except Exception as exc:  # safetensors has its own error types for malformed files
        raise ModelFileError(f"{p}: cannot read training checkpoint ({exc})") from exc

    def part(prefix: str) -> dict[str, torch.Tensor]:
        return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}

    best = part("best.")
    return TrainingState(
        epoch=int(doc["epoch"]),
        model=part("model."),
        optimizer=_unflatten_optimizer(tensors, doc["optimizer"]),
        best=best or None,
        best_loss=doc["best_loss"],
        best_epoch=doc["best_epoch"],
        bad_epochs=int(doc["bad_epochs"]),
        history=list(doc["history"]),
        rng=tensors.get("rng.torch"),
    )
