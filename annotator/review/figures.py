"""PNG figures of components, drawn with matplotlib's Agg canvas.

``Figure`` + ``FigureCanvasAgg`` instead of ``pyplot``: no global backend or figure registry, so
export works headless, from a worker thread, and inside a running Qt application alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["component_figure", "relevance_figure", "envelope"]

MAX_POINTS = 4000  # plotted points per curve; longer activations are reduced to min/max pairs


def envelope(times: np.ndarray, values: np.ndarray, points: int = MAX_POINTS) -> tuple:
    """``(times, low, high)``: per-bin min and max, so a one-frame peak survives reduction."""
    n = values.size
    if n <= points:
        return times, values, values
    edges = np.linspace(0, n, points + 1).astype(int)
    low = np.minimum.reduceat(values, edges[:-1])
    high = np.maximum.reduceat(values, edges[:-1])
    return times[edges[:-1]], low, high


def _save(figure, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)


def component_figure(
    path: Path,
    title: str,
    freqs: np.ndarray,
    spectrum: np.ndarray,
    times: np.ndarray,
    activation: np.ndarray,
    region: np.ndarray | None = None,
) -> None:
    """Two panels: the atom (column of W) against Hz, and its activation (row of H) in time,
    with the frames the relevance was computed over shaded."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 6), layout="constrained")
    top, bottom = figure.subplots(2, 1)
    top.plot(freqs, spectrum, color="tab:blue", linewidth=1.0)
    top.set_xlabel("frequency (Hz)")
    top.set_ylabel("atom weight")
    top.set_xlim(float(freqs[0]), float(freqs[-1]))
    top.set_title(title, fontsize=10)
    t, low, high = envelope(times, activation)
    if low is high:
        bottom.plot(t, high, color="tab:orange", linewidth=0.8)
    else:
        bottom.fill_between(t, low, high, color="tab:orange", linewidth=0.5)
    if region is not None and region.any():
        top_value = float(np.max(activation)) if activation.size else 1.0
        rt, _, rhigh = envelope(times, region.astype(float))
        bottom.fill_between(
            rt, 0, rhigh * max(top_value, 1e-12), color="tab:green", alpha=0.15, step="post",
            label="frames used for relevance",
        )  # fmt: skip
        bottom.legend(loc="upper right", fontsize=8)
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("activation")
    if times.size:
        bottom.set_xlim(float(times[0]), float(times[-1]) + 1e-9)
    _save(figure, path)


def relevance_figure(
    path: Path, title: str, relevance: np.ndarray, relevant: np.ndarray, threshold: float
) -> None:
    """All components' relevance as bars, the relevant ones highlighted, the threshold drawn."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.5), layout="constrained")
    axes = figure.subplots()
    k = np.arange(relevance.size)
    colours = np.where(np.isin(k, relevant), "tab:red", "tab:gray")
    axes.bar(k, relevance, color=colours, width=1.0)
    axes.axhline(threshold, color="black", linestyle="--", linewidth=0.8)
    axes.set_xlabel("component")
    axes.set_ylabel("relevance")
    axes.set_title(title, fontsize=10)
    _save(figure, path)
