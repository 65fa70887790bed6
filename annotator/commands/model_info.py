"""``annotator info MODEL.safetensors``: what a model file says about itself, weights checked.

The weights are loaded too (safetensors only: nothing in the file is ever executed), because a
file whose metadata reads fine but whose tensors are truncated or of the wrong shape would
otherwise pass ``info`` and fail only hours into a corpus run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.commands.outcome import CliError


def describe_model(path: Path) -> list[str]:
    from segmenter.checkpoint import load_model, read_model_info
    from segmenter.errors import FrontEndError, SegmenterError

    if is_probe_file(path):
        return describe_probe(path)
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
    return (
        lines + threshold_lines(info.thresholds) + describe_finetune(info.training.get("finetune"))
    )


def threshold_lines(thresholds: Any) -> list[str]:
    """One line per class: its onset and offset (a model's classes or a probe's lanes)."""
    return [
        f"  threshold    {name}: onset {value.onset:g}, offset {value.offset:g}"
        for name, value in sorted(thresholds.items())
    ]


def is_probe_file(path: Path) -> bool:
    """Whether ``path`` is a safetensors file whose header says it is a probe (read from the
    header only; anything unreadable is left to the model reader's one-line error)."""
    from safetensors import safe_open

    from segmenter.probe.probe_file import PROBE_FORMAT

    try:
        with safe_open(str(path), framework="pt") as handle:
            return (handle.metadata() or {}).get("format") == PROBE_FORMAT
    except Exception:  # noqa: BLE001 (not a safetensors file: the model reader says why)
        return False


def describe_probe(path: Path) -> list[str]:
    """A probe file (`segmenter.probe`, a lane taught from H): its classes, level, base model
    and held-out figures, weights checked by the probe reader."""
    from segmenter.probe.linear import ProbeError
    from segmenter.probe.probe_file import load_probe

    try:
        probe = load_probe(path)
    except ProbeError as exc:
        raise CliError(" ".join(str(exc).split())) from exc
    base = probe.base
    lines = [
        f"{path}: linear probe on H (a taught lane; use with `annotator label --probe`)",
        f"  classes      {', '.join(probe.classes)}",
        f"  level        {probe.level}, {probe.mode}, {probe.weight.shape[1]} NMF components",
        f"  base model   {base.get('file') or '-'} (activation fingerprint "
        f"{base.get('fingerprint') or '-'}; another base model is refused)",
    ] + threshold_lines(probe.thresholds)
    m = probe.metrics
    if isinstance(m.get("accuracy"), (int, float)) and isinstance(m.get("uar"), (int, float)):
        lines.append(
            f"  held out     accuracy {m['accuracy']:.3f}, UAR {m['uar']:.3f}"
            + (f" on {m['n']} examples" if isinstance(m.get("n"), int) else "")
        )
    return lines


def _f1(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def describe_finetune(provenance: Any) -> list[str]:
    """What a fine-tuned model was made from (``annotator.learn`` writes it), in a few lines:
    the base model and its hash, the recordings and seconds per class, what was trained, the
    held-out and forgetting-check figures. Nothing for a model that was not fine-tuned; a
    malformed record is shown as such rather than failing ``info``."""
    if provenance is None:
        return []
    try:
        recordings = provenance["recordings"]
        train = [r for r in recordings if r.get("role") == "train"]
        held = [r for r in recordings if r.get("role") != "train"]
        seconds = ", ".join(f"{c} {s:.1f} s" for c, s in provenance["seconds"].items())
        lines = [
            f"  fine-tuned   from {provenance['base_file']} "
            f"(sha256 {str(provenance['base_sha256'])[:12]}), {provenance['parts']}, "
            f"classes trained: {', '.join(provenance['trained_classes'])}",
            f"  learned      on {len(train)} recording(s), held out {len(held)}: {seconds}",
        ]
        report = provenance.get("report") or {}
        for key, title in (("held_out", "held-out F1 "), ("check", "forgetting  ")):
            scores = (report.get(key) or {}).get("classes") or {}
            shown = [
                f"{c} {_f1(s['before_f1'])} → {_f1(s['after_f1'])}"
                if s.get("before_f1") is not None
                else f"{c}: no reference time, {s['after_false_alarm_s']:.1f} s false alarm"
                for c, s in scores.items()
            ]
            if shown:
                lines.append(f"  {title} {'; '.join(shown)}")
        if provenance.get("forgetting_overridden"):
            lines.append("  WARNING      saved although the forgetting check refused it")
        if report.get("threshold_changes"):
            lines.append(f"  re-tuned     {'; '.join(report['threshold_changes'])}")
        return lines
    except (KeyError, TypeError, AttributeError, ValueError):
        return ["  fine-tuned   (provenance record unreadable)"]
