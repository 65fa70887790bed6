"""What the training recipe prints: the metrics table and the banks' sizes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from segmenter.recipes.bank import SourceBank

__all__ = ["format_metrics", "bank_minutes", "write_metrics_json"]


def format_metrics(metrics: Mapping[str, Any]) -> str:
    """A plain table: one row per (set, class) with precision, recall, F1, reference time and
    the edit cost — edits per minute to correct the lane, and to label it from empty lanes."""
    lines = [
        f"{'set':<12}{'class':<7}{'precision':>10}{'recall':>8}{'F1':>7}{'ref s':>9}"
        f"{'edits/min':>11}{'empty':>7}"
    ]
    for name, block in metrics.items():
        if not isinstance(block, dict) or "classes" not in block:
            continue
        for cls, m in block["classes"].items():
            lines.append(
                f"{name:<12}{cls:<7}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}"
                f"{m['reference_s']:>9.1f}{_rate(m, 'edits_per_min'):>11}"
                f"{_rate(m, 'empty_edits_per_min'):>7}"
            )
        lines.append(
            f"{name:<12}{'total':<7}{'':>18}{block['summary_f1']:>7.3f}{'':>9}"
            f"{_rate(block, 'edits_per_min'):>11}{_rate(block, 'empty_edits_per_min'):>7}"
        )
    return "\n".join(lines)


def _rate(row: Mapping[str, Any], key: str) -> str:
    """An edit rate, or '-' for metrics written before edit cost was scored."""
    value = row.get(key)
    return "-" if value is None else f"{value:.2f}"


def bank_minutes(bank: SourceBank) -> str:
    """Minutes of audio per group of a bank, for the recipe's log."""
    return ", ".join(f"{k} {v / 60:.1f} min" for k, v in bank.seconds().items())


def write_metrics_json(
    model_file: Path,
    metrics: Mapping[str, Any],
    thresholds: Mapping[str, Any],
    training: Mapping[str, Any],
) -> Path:
    """``<model stem>.metrics.json`` beside ``model_file``: the metadata a model file holds, in
    plain JSON for readers without safetensors (the model card, the reproducibility check)."""
    report = {
        "metrics": dict(metrics),
        "thresholds": {c: th.to_dict() for c, th in thresholds.items()},
        "training": dict(training),
    }
    sidecar = model_file.with_name(model_file.name.split(".")[0] + ".metrics.json")
    sidecar.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return sidecar
