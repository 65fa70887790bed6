"""Explanation export: for each class, the relevant components as PNG figures and a JSON summary.

Relevance follows the paper (SPEC, Explanations): ``r_k = mean_t H[k,t]·Θ[c,k]`` over the frames
where the model labels the class, divided by its largest positive value; components with
``r >= threshold`` are relevant. Where the model never labels a class the whole recording is used
instead, and the summary says so (``"region": "whole recording"``), since "what drives this
class here" is then "what keeps it off".

Layout under the output folder::

    summary.json                 classes → region, relevance of every component, relevant ones
    <lane>/relevance.png         all components' relevance, relevant ones highlighted
    <lane>/component_<k>.png     atom spectrum (Hz) and activation over time, per relevant k

The summary also carries the logit identity check: ``b + Σ_k Θ[c,k]·H[k,t]`` against the
model's own logits for every frame and class (computed in blocks of frames, so a long recording
does not need the (C, K, T) contribution tensor in memory).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annotator.review.evidence import (
    Evidence,
    ReviewError,
    RunEvidence,
    activations,
    as_float,
    class_row,
    lane_of,
    n_fft_of,
)
from segmenter.classes import lane_name
from segmenter.evaluation import to_frames
from segmenter.explain import (
    component_relevance,
    component_stats,
    contributions,
    describe_component,
    logits_from_contributions,
    relevant_components,
)
from segmenter.progress import ProgressCallback, check_cancelled, report

__all__ = ["ExplanationSummary", "RunEvidence", "export_explanations", "explain_recording"]

BLOCK_FRAMES = 4096
SUMMARY_NAME = "summary.json"


@dataclass
class ExplanationSummary:
    """What was written: the summary document, its path, and the figures."""

    document: dict[str, Any]
    summary_path: Path
    figures: list[Path]


def logit_check(evidence: Evidence, logits: np.ndarray | None) -> dict[str, Any]:
    """Max |(b + Σ_k contributions) − model| over all frames: against the model's logits when
    given, else against its posteriors (through the sigmoid)."""
    H = activations(evidence)
    theta, bias = as_float(evidence.theta), as_float(evidence.bias)
    worst = 0.0
    for a in range(0, H.shape[1], BLOCK_FRAMES):
        block = as_float(H[:, a : a + BLOCK_FRAMES])
        rebuilt = logits_from_contributions(contributions(block, theta), bias)
        if logits is not None:
            target = as_float(logits[:, a : a + BLOCK_FRAMES])
        else:
            rebuilt = 0.5 * (1.0 + np.tanh(0.5 * rebuilt))
            target = as_float(evidence.posteriors[:, a : a + BLOCK_FRAMES])
        if rebuilt.size:
            worst = max(worst, float(np.abs(rebuilt - target).max()))
    return {
        "against": "logits" if logits is not None else "posteriors",
        "max_abs_error": worst,
        "frames": int(H.shape[1]),
        "ok": bool(worst <= (1e-3 if logits is not None else 1e-4)),
    }


def _component_entry(
    k: int, r: np.ndarray, H_region: np.ndarray, theta_c: np.ndarray, W: np.ndarray, freqs: Any
) -> dict[str, Any]:
    stats = component_stats(W[:, k], freqs)
    mean_activation = float(H_region[k].mean()) if H_region.size else 0.0
    return {
        "k": k,
        "relevance": float(r[k]),
        "mean_activation": mean_activation,
        "mean_contribution": mean_activation * float(theta_c[k]),
        "theta": float(theta_c[k]),
        "description": describe_component(W[:, k], freqs),
        "stats": {
            "peak_hz": stats.peak_hz, "centroid_hz": stats.centroid_hz,
            "band_hz": list(stats.band_hz), "flatness": stats.flatness,
            "harmonicity": stats.harmonicity, "f0_hz": stats.f0_hz,
        },
    }  # fmt: skip


def _safe_name(lane: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in lane)
    return keep.strip(".") or "class"


def export_explanations(
    evidence: Evidence,
    out_dir: str | Path,
    *,
    classes: Sequence[str] | None = None,
    regions: Mapping[str, Sequence[Sequence[float]]] | None = None,
    threshold: float = 0.5,
    logits: np.ndarray | None = None,
    max_figures: int = 20,
    source: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> ExplanationSummary:
    """Write figures and ``summary.json`` for ``classes`` (codes or lane names; default all).

    ``regions`` gives, per class code, the spans (seconds) where the model labels the class;
    relevance is computed over their frames (a class without spans: the whole recording).
    ``max_figures`` caps the component figures per class (the most relevant first; the
    summary lists every relevant component). ``source`` is copied into the summary (file,
    model). Raises `ReviewError` for unknown classes or an unusable output folder.
    """
    from annotator.review import figures

    H = activations(evidence)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ReviewError(f"{out}: exists and is not a folder")
    rows = [class_row(evidence, c) for c in (classes or evidence.classes)]
    theta, W = as_float(evidence.theta), as_float(evidence.W)
    d = float(evidence.frame_duration)
    T = H.shape[1]
    freqs = np.fft.rfftfreq(n_fft_of(evidence), 1.0 / float(evidence.sample_rate))
    times = np.arange(T) * d
    doc: dict[str, Any] = {
        "source": dict(source or {}),
        "threshold": float(threshold),
        "frame_duration": d,
        "frames": int(T),
        "logit_check": logit_check(evidence, logits),
        "classes": {},
    }
    written: list[Path] = []
    for i, row in enumerate(dict.fromkeys(rows)):
        check_cancelled(cancel, "explanation export")
        code, lane = evidence.classes[row], lane_of(evidence, row)
        report(progress, i / len(rows), f"explaining {lane}")
        spans = list((regions or {}).get(code, ()))
        mask = to_frames(spans, T, d) if spans else np.zeros(T, dtype=bool)
        used = mask if mask.any() else np.ones(T, dtype=bool)
        H_region = as_float(H[:, used])
        r = component_relevance(H_region, theta, row)
        chosen = relevant_components(r, threshold)
        folder = out / _safe_name(lane)
        entries = [_component_entry(int(k), r, H_region, theta[row], W, freqs) for k in chosen]
        relevance_png = folder / "relevance.png"
        figures.relevance_figure(
            relevance_png, f"{lane}: relevance of each component (threshold {threshold:g})",
            r, chosen, threshold,
        )  # fmt: skip
        written.append(relevance_png)
        for entry in entries[: max(0, int(max_figures))]:
            check_cancelled(cancel, "explanation export")
            k = entry["k"]
            png = folder / f"component_{k:03d}.png"
            figures.component_figure(
                png, f"{lane} — component {k} (relevance {entry['relevance']:.2f}): "
                f"{entry['description']}",
                freqs, W[:, k], times, as_float(H[k]), mask if mask.any() else None,
            )  # fmt: skip
            entry["figure"] = png.relative_to(out).as_posix()
            written.append(png)
        doc["classes"][code] = {
            "lane": lane,
            "region": "labelled by the model" if mask.any() else "whole recording",
            "region_frames": int(used.sum()),
            "relevance": [float(v) for v in r],
            "relevant": entries,
            "figure": relevance_png.relative_to(out).as_posix(),
        }
    summary = out / SUMMARY_NAME
    _write_json(summary, doc)
    report(progress, 1.0, "explanations written")
    return ExplanationSummary(doc, summary, written)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def explain_recording(
    audio: str | Path,
    model_path: str | Path,
    out_dir: str | Path,
    *,
    classes: Sequence[str] | None = None,
    threshold: float = 0.5,
    device: str = "auto",
    max_figures: int = 20,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> ExplanationSummary:
    """Run the model on ``audio`` (keeping H) and export its explanations; the relevance
    regions are where the model's stored thresholds label each class."""
    from segmenter.checkpoint import load_model
    from segmenter.inference import predict_file
    from segmenter.progress import sub_progress

    model, info = load_model(model_path)
    prediction = predict_file(
        model, audio, device=device, activations="memory",
        progress=sub_progress(progress, 0.0, 0.6), cancel=cancel,
    )  # fmt: skip
    evidence = RunEvidence(
        classes=tuple(prediction.classes),
        lanes=tuple(lane_name(c) for c in prediction.classes),
        posteriors=prediction.posteriors,
        H=prediction.H,
        W=model.W.detach().cpu().numpy(),
        theta=model.classifier.weight.detach().cpu().numpy(),
        bias=model.classifier.bias.detach().cpu().numpy(),
        frame_duration=prediction.frame_duration,
        sample_rate=prediction.sample_rate,
    )
    decided = prediction.segments(info.thresholds)
    regions = {c: [(s.start, s.end) for s in spans] for c, spans in decided.items()}
    source = {
        "recording": str(audio), "model": str(model_path), "duration": prediction.duration,
        "thresholds": {c: t.to_dict() for c, t in info.thresholds.items()},
    }  # fmt: skip
    return export_explanations(
        evidence, out_dir, classes=classes, regions=regions, threshold=threshold,
        logits=prediction.logits, max_figures=max_figures, source=source,
        progress=sub_progress(progress, 0.6, 1.0), cancel=cancel,
    )  # fmt: skip
