"""A probe as extra classes of a new model file: Θ grows by the probe's rows.

Why merge rather than keep a second file beside the model: a frame-level multilabel probe *is*
a Θ row (sigmoid of a linear function of H), so appending its weights to the classifier gives a
model file that every door already reads — ``annotator label`` writes the new lanes in every
format, ``explain``, the editor's heat map, posterior curves, threshold sliders, "Why this label"
and the component inspector treat them as they treat the four classes, with nothing new to
load. The base file is never touched: the merged model is written to another path, and its
training summary names the base (fingerprint and file) and the probe's classes.

Single-label (softmax) and file-level probes are not Θ rows (a softmax couples the classes; a
file-level probe reads pooled H), so they stay probe files; merging one is refused in one line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from segmenter.checkpoint import ModelInfo, load_model, save_model
from segmenter.model import NMFSegmenter
from segmenter.probe.linear import LinearProbe, ProbeError
from segmenter.probe.probe_file import check_base

__all__ = ["attach_probe", "save_with_probe"]


def attach_probe(model: NMFSegmenter, probe: LinearProbe) -> NMFSegmenter:
    """A new model (``model`` is left as it is) whose classes are ``model``'s then the probe's,
    Θ and b stacked in that order, everything else shared by value."""
    if probe.level != "frame" or probe.mode != "multilabel":
        raise ProbeError(
            f"a {probe.level}-level {probe.mode} probe cannot be a head of the model (only "
            "frame-level multilabel probes are sigmoid rows like Θ); keep it as a probe file"
        )
    clash = sorted(set(probe.classes) & set(model.classes))
    if clash:
        raise ProbeError(f"probe class(es) {', '.join(clash)} already exist in the model")
    if probe.n_components != model.config.n_components:
        raise ProbeError(
            f"probe reads {probe.n_components} components, the model has "
            f"{model.config.n_components}"
        )
    config = replace(model.config, classes=tuple(model.classes) + tuple(probe.classes))
    merged = NMFSegmenter(config, dictionary=model.W.detach().cpu(), front_end=model.front_end)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    dtype = state["classifier.weight"].dtype
    state["classifier.weight"] = torch.cat(
        [state["classifier.weight"], torch.from_numpy(probe.weight).to(dtype)]
    )
    state["classifier.bias"] = torch.cat(
        [state["classifier.bias"], torch.from_numpy(probe.bias).to(dtype)]
    )
    merged.load_state_dict(state)
    return merged.eval()


def save_with_probe(
    base_path: str | Path,
    probe: LinearProbe,
    out_path: str | Path,
    probe_path: str | Path = "probe",
) -> ModelInfo:
    """Write ``base_path``'s model plus ``probe`` as extra classes to ``out_path`` (never
    onto the base itself); returns what was written."""
    base, out = Path(base_path), Path(out_path)
    if out.exists() and out.resolve() == base.resolve():
        raise ProbeError(f"{out}: is the base model; write the model with a head elsewhere")
    model, info = load_model(base)
    check_base(probe, model, probe_path, base)
    merged = attach_probe(model, probe)
    thresholds = {**info.thresholds, **probe.thresholds}
    probes = list(info.training.get("probes") or [])
    probes.append({
        "classes": list(probe.classes),
        "base_fingerprint": str(probe.base.get("fingerprint", "")),
        "base_file": base.name,
        "metrics": probe.metrics,
    })  # fmt: skip
    training: dict[str, Any] = {**info.training, "probes": probes}
    metrics = dict(info.metrics)
    metrics.setdefault("probes", {})
    metrics["probes"] = {**metrics["probes"], **{c: probe.metrics for c in probe.classes}}
    return save_model(merged, out, thresholds=thresholds, metrics=metrics, training=training)
