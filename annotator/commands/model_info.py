"""``annotator info MODEL.safetensors``: what a model file says about itself, weights checked.

The weights are loaded too (safetensors only: nothing in the file is ever executed), because a
file whose metadata reads fine but whose tensors are truncated or of the wrong shape would
otherwise pass ``info`` and fail only hours into a corpus run.
"""

from __future__ import annotations

from pathlib import Path

from annotator.commands.outcome import CliError


def describe_model(path: Path) -> list[str]:
    from segmenter.checkpoint import load_model, read_model_info
    from segmenter.errors import FrontEndError, SegmenterError

    try:
        info = read_model_info(path)
    except SegmenterError as exc:
        raise CliError(" ".join(str(exc).split())) from exc
    try:
        load_model(path)
        weights = "weights match the config"
    except FrontEndError as exc:  # e.g. WavLM weights not on this machine: metadata still useful
        weights = f"weights not checked ({' '.join(str(exc).split())})"
    except SegmenterError as exc:
        raise CliError(" ".join(str(exc).split())) from exc
    config = info.config
    lines = [
        f"{path}: nmf-segmenter model (file format {info.format_version})",
        f"  classes      {', '.join(info.classes)}",
        f"  front end    {config.front_end}, {config.n_components} NMF components",
        f"  created      {info.created or '-'} by segmenter {info.segmenter_version or '-'}",
        f"  {weights}",
    ]
    for name, value in sorted(info.thresholds.items()):
        lines.append(f"  threshold    {name}: onset {value.onset:g}, offset {value.offset:g}")
    return lines
