"""The probe file: a small safetensors file that names the base model it reads H from.

Layout: tensors ``weight`` (C, K) and ``bias`` (C,), float32; the header's ``__metadata__`` holds
``format`` = ``"nmf-segmenter-probe"``, ``format_version`` and ``probe``: one JSON document with
the classes, level, mode, decision thresholds, the base model (its activation fingerprint, its
file name, K) and the training summary and metrics. Like the model file it is never unpickled,
written atomically, and every problem is one :class:`ProbeError` line naming the file.

:func:`check_base` is the guard every user of a probe goes through: a probe trained on another
model's H would read numbers that mean something else and label nonsense with confidence, so it
is refused, naming both fingerprints.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from segmenter.checkpoint import _atomic_save
from segmenter.decisions import Thresholds
from segmenter.errors import SegmenterError
from segmenter.model_file_checks import MAX_CLASSES, SIZE_LIMITS
from segmenter.probe.linear import LinearProbe, ProbeError, activation_fingerprint

__all__ = ["PROBE_FORMAT", "PROBE_FORMAT_VERSION", "save_probe", "load_probe", "check_base"]

PROBE_FORMAT = "nmf-segmenter-probe"
PROBE_FORMAT_VERSION = 1


def _version() -> str:
    from segmenter import __version__

    return __version__


def save_probe(probe: LinearProbe, path: str | Path) -> Path:
    """Write ``probe`` to ``path`` atomically (the folder is created)."""
    p = Path(path)
    document = {
        "classes": list(probe.classes),
        "level": probe.level,
        "mode": probe.mode,
        "thresholds": {c: t.to_dict() for c, t in probe.thresholds.items()},
        "base": probe.base,
        "metrics": probe.metrics,
        "training": probe.training,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "segmenter_version": _version(),
    }
    try:
        text = json.dumps(document, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProbeError(f"{p}: probe metadata is not JSON-serialisable ({exc})") from exc
    tensors = {
        "weight": torch.from_numpy(np.ascontiguousarray(probe.weight, dtype=np.float32)),
        "bias": torch.from_numpy(np.ascontiguousarray(probe.bias, dtype=np.float32)),
    }
    metadata = {
        "format": PROBE_FORMAT,
        "format_version": str(PROBE_FORMAT_VERSION),
        "probe": text,
    }
    _atomic_save(tensors, metadata, p)
    return p


def load_probe(path: str | Path) -> LinearProbe:
    """Read and check a probe file; any problem is one :class:`ProbeError` naming the file."""
    p = Path(path)
    if not p.exists():
        raise ProbeError(f"{p}: probe file not found")
    if p.is_dir():
        raise ProbeError(f"{p}: is a directory, not a probe file")
    try:
        with safe_open(str(p), framework="pt") as handle:
            meta = dict(handle.metadata() or {})
            shapes = {k: tuple(handle.get_slice(k).get_shape()) for k in handle.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors' own error type for every malformed file
        raise ProbeError(f"{p}: not a valid safetensors probe file ({exc})") from exc
    if meta.get("format") != PROBE_FORMAT:
        what = (
            "a model file, not a probe"
            if meta.get("format") == "nmf-segmenter"
            else (f"not a probe file (format {meta.get('format')!r})")
        )
        raise ProbeError(f"{p}: {what}")
    try:
        version = int(meta.get("format_version", ""))
    except ValueError:
        raise ProbeError(f"{p}: missing or invalid format_version") from None
    if version > PROBE_FORMAT_VERSION or version < 1:
        raise ProbeError(f"{p}: probe format {version} is not supported by this segmenter")
    try:
        doc = json.loads(meta["probe"])
    except KeyError:
        raise ProbeError(f"{p}: probe metadata is missing") from None
    except ValueError as exc:
        raise ProbeError(f"{p}: probe metadata is not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("classes"), list):
        raise ProbeError(f"{p}: probe metadata lacks its classes")
    C = len(doc["classes"])
    if not 1 <= C <= MAX_CLASSES:
        raise ProbeError(f"{p}: {C} classes (1 to {MAX_CLASSES} allowed)")
    if set(shapes) != {"weight", "bias"}:
        raise ProbeError(f"{p}: expected tensors weight and bias, found {sorted(shapes)}")
    k_max = SIZE_LIMITS["n_components"][1]
    if (
        len(shapes["weight"]) != 2
        or shapes["weight"][0] != C
        or not 1 <= shapes["weight"][1] <= k_max
    ):
        raise ProbeError(f"{p}: weight has shape {shapes['weight']}, expected ({C}, K)")
    if shapes["bias"] != (C,):
        raise ProbeError(f"{p}: bias has shape {shapes['bias']}, expected ({C},)")
    try:
        tensors = load_file(str(p), device="cpu")
    except Exception as exc:
        raise ProbeError(f"{p}: cannot read probe weights ({exc})") from exc
    try:
        return LinearProbe(
            tensors["weight"].float().numpy(),
            tensors["bias"].float().numpy(),
            tuple(doc["classes"]),
            level=str(doc.get("level", "frame")),
            mode=str(doc.get("mode", "multilabel")),
            thresholds={
                c: Thresholds.from_dict(t) for c, t in (doc.get("thresholds") or {}).items()
            },
            base=dict(doc.get("base") or {}),
            metrics=dict(doc.get("metrics") or {}),
            training=dict(doc.get("training") or {}),
        )
    except (SegmenterError, TypeError, ValueError, AttributeError) as exc:
        raise ProbeError(f"{p}: invalid probe ({exc})") from exc


def base_description(model: Any, model_path: str | Path | None) -> dict[str, Any]:
    """What a probe records about its base model (by hash, with the file name as a hint)."""
    return {
        "fingerprint": activation_fingerprint(model),
        "file": Path(model_path).name if model_path is not None else "",
        "n_components": int(model.config.n_components),
    }


def check_base(
    probe: LinearProbe,
    model: Any,
    probe_path: str | Path = "probe",
    model_path: str | Path | None = None,
) -> None:
    """Refuse, in one line, a probe whose base model is not ``model`` (different H)."""
    wanted = str(probe.base.get("fingerprint", ""))
    have = activation_fingerprint(model)
    if wanted == have:
        return
    named = probe.base.get("file") or "an unnamed model"
    against = f" {Path(model_path).name}" if model_path is not None else ""
    if not wanted:
        raise ProbeError(f"{probe_path}: probe names no base model; it cannot be checked against "
                         f"model{against} and is refused")  # fmt: skip
    raise ProbeError(
        f"{probe_path}: probe was trained on base model {wanted[:12]} ({named}), not on "
        f"model{against} ({have[:12]}); train it again on this model"
    )
