"""The self-describing model file: one safetensors file, weights + W + JSON metadata.

Layout: the tensors are :meth:`NMFSegmenter.portable_state_dict` (Ψ, Θ, W, learned front-end
weights; never the frozen WavLM, whose path is recorded instead). The safetensors header's
``__metadata__`` (string → string) holds ``format`` = ``"nmf-segmenter"``, ``format_version`` and
``nmf_segmenter``: one JSON document with the :class:`ModelConfig`, classes, per-class decision
thresholds, training summary, metrics, creation time and segmenter version.

Loading never unpickles anything: a ``torch.save`` zip, a raw pickle, a truncated or text file all
fail with one :class:`ModelFileError` line naming the file. Nor does it trust the file's numbers:
sizes, rates and front-end parameters are checked before anything is built, the weights' shapes
(from the header) before anything is allocated, and the weights themselves (finite, W ≥ 0 and
not all zero) before the model is handed out; see :mod:`segmenter.model_file_checks`. Writes are atomic (temp file in the same
folder, fsync, rename), so a crash never leaves half a model where a good one was.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from segmenter.decisions import Thresholds
from segmenter.errors import FrontEndError, ModelFileError
from segmenter.features import FrontEnd, build_front_end
from segmenter.model import ModelConfig, NMFSegmenter
from segmenter.model_file_checks import config_problem, weights_problem

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelInfo",
    "save_model",
    "load_model",
    "read_model_info",
    "update_metadata",
]

FORMAT_NAME = "nmf-segmenter"
FORMAT_VERSION = 1
_DOC_KEY = "nmf_segmenter"
_REQUIRED = ("config", "classes", "thresholds", "created", "segmenter_version")


ThresholdsLike = Mapping[str, "Thresholds | Mapping[str, Any]"]


@dataclass
class ModelInfo:
    """Everything a model file says about itself besides the weights."""

    path: Path
    config: ModelConfig
    classes: tuple[str, ...]
    thresholds: dict[str, Thresholds]
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    modified: str | None = None
    segmenter_version: str = ""
    format_version: int = FORMAT_VERSION

    def to_document(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "classes": list(self.classes),
            "thresholds": {c: t.to_dict() for c, t in self.thresholds.items()},
            "training": self.training,
            "metrics": self.metrics,
            "created": self.created,
            "modified": self.modified,
            "segmenter_version": self.segmenter_version,
        }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    from segmenter import __version__

    return __version__


def _resolve_thresholds(
    classes: tuple[str, ...], thresholds: ThresholdsLike | None, base: dict[str, Thresholds]
) -> dict[str, Thresholds]:
    """Merge ``thresholds`` over ``base`` for every class; unknown classes are an error."""
    result = {c: base.get(c, Thresholds()) for c in classes}
    for name, value in (thresholds or {}).items():
        if name not in result:
            raise ValueError(f"thresholds given for unknown class {name!r} (classes: {classes})")
        result[name] = value if isinstance(value, Thresholds) else Thresholds.from_dict(value)
    return result


def _json_safe(value: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable ({exc})") from exc


def _atomic_save(tensors: dict[str, torch.Tensor], metadata: dict[str, str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a shared model file obeys the umask
        save_file(tensors, str(tmp), metadata=metadata)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable where the platform allows it
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _metadata(info: ModelInfo) -> dict[str, str]:
    return {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        _DOC_KEY: json.dumps(info.to_document(), allow_nan=False, sort_keys=True),
    }


def save_model(
    model: NMFSegmenter,
    path: str | Path,
    thresholds: ThresholdsLike | None = None,
    metrics: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Write ``model`` and its metadata to ``path`` atomically; returns what was written.

    Classes without thresholds get the defaults (0.5/0.5/0/0). ``metrics`` and ``training`` are
    free JSON-able summaries (e.g. per-class F1, corpora and epochs).
    """
    p = Path(path)
    classes = model.classes
    # The front end knows its actual parameters (e.g. the WavLM path it was loaded from).
    params = {**model.config.front_end_params, **model.front_end.config_dict()}
    info = ModelInfo(
        path=p,
        config=replace(model.config, front_end_params=params),
        classes=classes,
        thresholds=_resolve_thresholds(classes, thresholds, {}),
        training=_json_safe(dict(training or {}), "training summary"),
        metrics=_json_safe(dict(metrics or {}), "metrics"),
        created=_now(),
        segmenter_version=_version(),
    )
    state = model.portable_state_dict()
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}
    _atomic_save(tensors, _metadata(info), p)
    return info


def _check_path(p: Path) -> None:
    if not p.exists():
        raise ModelFileError(f"{p}: model file not found")
    if p.is_dir():
        raise ModelFileError(f"{p}: is a directory, not a model file")


def _sniff(p: Path) -> None:
    """Name the common wrong files (PyTorch pickles) instead of safetensors' terser message.

    Only called once safetensors has refused the file: a valid file starts with its header
    length, whose first byte may well be 0x80 (the pickle opcode), so sniffing first would
    refuse about one good model file in 256."""
    try:
        with open(p, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ModelFileError(f"{p}: cannot read model file ({exc.strerror or exc})") from exc
    if head.startswith(b"PK") or head[:1] == b"\x80":
        raise ModelFileError(
            f"{p}: is a pickled PyTorch checkpoint, not a safetensors model file "
            "(pickles can run code and are never loaded)"
        )


def _read_header(p: Path) -> dict[str, str]:
    _check_path(p)
    try:
        with safe_open(str(p), framework="pt") as handle:
            return dict(handle.metadata() or {})
    except Exception as exc:  # safetensors raises its own error type for every malformed file
        _sniff(p)
        raise ModelFileError(f"{p}: not a valid safetensors model file ({exc})") from exc


def read_model_info(path: str | Path) -> ModelInfo:
    """Validate and parse a model file's metadata without loading the weights."""
    p = Path(path)
    meta = _read_header(p)
    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{p}: not an nmf-segmenter model file (format {meta.get('format')!r})"
        )
    try:
        version = int(meta.get("format_version", ""))
    except ValueError:
        raise ModelFileError(f"{p}: missing or invalid format_version in model metadata") from None
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{p}: model file format {version} is newer than this segmenter supports "
            f"({FORMAT_VERSION}); update nmf-annotator"
        )
    if version < 1:
        raise ModelFileError(f"{p}: invalid model file format version {version}")
    try:
        doc = json.loads(meta[_DOC_KEY])
    except KeyError:
        raise ModelFileError(f"{p}: model metadata is missing ({_DOC_KEY!r})") from None
    except ValueError as exc:
        raise ModelFileError(f"{p}: model metadata is not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ModelFileError(f"{p}: model metadata is not a JSON object")
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise ModelFileError(f"{p}: model metadata lacks {', '.join(missing)}")
    problem = config_problem(doc["config"])
    if problem:
        raise ModelFileError(f"{p}: {problem}")
    try:
        config = ModelConfig.from_dict(doc["config"])
        classes = tuple(doc["classes"])
        if classes != config.classes:
            raise ValueError(f"classes {classes} differ from the config's {config.classes}")
        thresholds = _resolve_thresholds(classes, doc["thresholds"], {})
        return ModelInfo(
            path=p,
            config=config,
            classes=classes,
            thresholds=thresholds,
            training=dict(doc.get("training") or {}),
            metrics=dict(doc.get("metrics") or {}),
            created=str(doc["created"]),
            modified=doc.get("modified"),
            segmenter_version=str(doc["segmenter_version"]),
            format_version=version,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{p}: invalid model metadata ({exc})") from exc


def _load_tensors(p: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(p), device="cpu")
    except Exception as exc:  # truncated data, corrupt offsets, unsupported dtypes
        raise ModelFileError(f"{p}: cannot read model weights ({exc})") from exc


def _stored_shapes(p: Path) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor, as the safetensors header says it: nothing is read or
    allocated, so a file can be compared with its config before a byte of weights exists."""
    try:
        with safe_open(str(p), framework="pt") as handle:
            return {k: tuple(handle.get_slice(k).get_shape()) for k in handle.keys()}  # noqa: SIM118
    except Exception as exc:  # the header was read once already; a file changed under us
        raise ModelFileError(f"{p}: cannot read model weights ({exc})") from exc


def _build_front_end(p: Path, config: ModelConfig) -> FrontEnd:
    try:
        return build_front_end(config.front_end, config.front_end_params, config.spectrogram)
    except FrontEndError as exc:
        raise FrontEndError(f"{p}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{p}: model config cannot be built ({exc})") from exc


def _implied_shapes(
    p: Path, config: ModelConfig, front_end: FrontEnd
) -> dict[str, tuple[int, ...]]:
    """The weight shapes ``config`` implies, from a model built on the meta device (shapes
    without storage), so that a config larger than the file's weights costs no memory."""
    try:
        with torch.device("meta"):
            skeleton = NMFSegmenter(config, front_end=front_end)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{p}: model config cannot be built ({exc})") from exc
    return {k: tuple(v.shape) for k, v in skeleton.portable_state_dict().items()}


def _check_shapes(
    p: Path, stored: dict[str, tuple[int, ...]], implied: dict[str, tuple[int, ...]]
) -> None:
    missing = sorted(set(implied) - set(stored))
    unexpected = sorted(set(stored) - set(implied))
    if missing or unexpected:
        detail = f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}"
        raise ModelFileError(f"{p}: weights do not match the model config ({detail})")
    for key, shape in implied.items():
        if stored[key] != shape:
            raise ModelFileError(
                f"{p}: weight {key!r} has shape {stored[key]}, the config implies {shape}"
            )


def load_model(
    path: str | Path, device: str | torch.device = "cpu", wavlm_path: str | Path | None = None
) -> tuple[NMFSegmenter, ModelInfo]:
    """Rebuild the model a file describes, load its weights, and return it in eval mode.

    ``wavlm_path`` overrides where the frozen WavLM weights of a ``wavlm`` model are read from
    (the file only records the path used when it was saved). Order matters: the config is
    checked (:func:`read_model_info`), then the header's shapes against those the config
    implies, and only then is memory allocated, so no file can ask for more than it holds.
    """
    p = Path(path)
    info = read_model_info(p)
    config = info.config
    if wavlm_path is not None and config.front_end == "wavlm":
        params = {**config.front_end_params, "model_path": str(wavlm_path)}
        config = replace(config, front_end_params=params)
    front_end = _build_front_end(p, config)
    _check_shapes(p, _stored_shapes(p), _implied_shapes(p, config, front_end))
    try:
        model = NMFSegmenter(config, front_end=front_end)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{p}: model config cannot be built ({exc})") from exc
    tensors = _load_tensors(p)
    for key, value in tensors.items():
        if not (value.is_floating_point() or key.endswith("num_batches_tracked")):
            raise ModelFileError(f"{p}: weight {key!r} has unexpected dtype {value.dtype}")
    problem = weights_problem(tensors)
    if problem:
        raise ModelFileError(f"{p}: {problem}")
    model.load_state_dict(tensors, strict=False)
    model.to(device).eval()
    return model, info


def update_metadata(
    path: str | Path,
    thresholds: ThresholdsLike | None = None,
    metrics: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Rewrite a model file's thresholds / metrics / training summary, keeping its weights.

    Given thresholds are merged over the stored ones per class; given metrics and training
    dictionaries are merged key by key. The file is rewritten atomically.
    """
    p = Path(path)
    info = read_model_info(p)
    tensors = _load_tensors(p)
    try:
        info.thresholds = _resolve_thresholds(info.classes, thresholds, info.thresholds)
        info.metrics = {**info.metrics, **_json_safe(dict(metrics or {}), "metrics")}
        info.training = {**info.training, **_json_safe(dict(training or {}), "training summary")}
    except ValueError as exc:
        raise ValueError(f"{p}: {exc}") from exc
    info.modified = _now()
    _atomic_save(tensors, _metadata(info), p)
    return info
