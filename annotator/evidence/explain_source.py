"""The open recording's evidence as the review tools want it: H at hand, and cut to a selection.

The GUI keeps H on disk until something needs its numbers (`cache.load_activations`); the
panels call `activations_of` to get it once per evidence. The review tools of `annotator.review`
work on whole arrays (``why_label`` turns H into float64), which for an hour of a K = 256 model
would be 700 MB per click: `why_selection` hands them only the frames around the selection (a
frame of margin on each side, so the frame rounding is the same as on the whole file) and shifts
the answer back. Relevance follows the paper's rule over the frames where the model labels the
class (at the current thresholds), computed in column blocks so H is never copied whole.

No Qt in here, so the numbers can be tested without widgets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.core.errors import AnnotatorError
from annotator.evidence.cache import Evidence, cache_paths, load_activations
from annotator.evidence.mapped_arrays import column_blocks

BLOCK = 8192


class ExplainUnavailable(AnnotatorError):
    """Why the open recording cannot be explained (one line for the panel)."""


_NOT_EXPLAINABLE = "The cached evidence lacks the model's W and Θ: pre-label this recording again"


def check_explainable(evidence: Evidence | None) -> Evidence:
    if evidence is None:
        raise ExplainUnavailable("No model evidence: pre-label this recording first")
    if not evidence.explainable:
        raise ExplainUnavailable(_NOT_EXPLAINABLE)
    return evidence


def _model(evidence: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """W, Θ, bias and the model's rate of evidence that `check_explainable` passed."""
    W, theta, bias, rate = evidence.W, evidence.theta, evidence.bias, evidence.sample_rate
    if W is None or theta is None or bias is None or rate is None:
        raise ExplainUnavailable(_NOT_EXPLAINABLE)
    return W, theta, bias, int(rate)


def activations_of(evidence: Evidence, sidecar: Path | None) -> np.ndarray:
    """H of ``evidence``, read from the cache beside ``sidecar`` the first time it is needed."""
    if evidence.H is None and sidecar is not None and cache_paths(sidecar)[0].exists():
        evidence.H = load_activations(sidecar)
    if evidence.H is None:
        raise ExplainUnavailable(
            "This model run kept no activations (H): pre-label this recording again"
        )
    return evidence.H


@dataclass(frozen=True)
class _Window:
    """An `annotator.review.evidence.Evidence` over frames ``[offset, offset + T)`` only."""

    classes: tuple[str, ...]
    lanes: tuple[str, ...]
    posteriors: np.ndarray
    H: np.ndarray
    W: np.ndarray
    theta: np.ndarray
    bias: np.ndarray
    frame_duration: float
    sample_rate: int


def frames_around(evidence: Evidence, start: float, end: float, margin: int) -> tuple[int, int]:
    """Frames ``[a, b)`` covering ``[start, end)`` s plus ``margin`` frames each side."""
    d, T = evidence.frame_s, evidence.posteriors.shape[1]
    a = max(0, int(np.floor(start / d)) - margin)
    b = min(T, int(np.ceil(end / d)) + margin)
    return a, max(a, b)


def window_of(evidence: Evidence, a: int, b: int) -> _Window:
    H = evidence.H
    assert H is not None and evidence.explainable
    W, theta, bias, model_rate = _model(evidence)
    return _Window(
        evidence.classes, evidence.lanes, evidence.posteriors[:, a:b], H[:, a:b],
        W, theta, bias, evidence.frame_s, model_rate,
    )  # fmt: skip


def why_selection(evidence: Evidence, lane: str, start: float, end: float, n: int = 5):
    """``why_label`` for ``[start, end)`` s of class ``lane``, computed on the frames around it.

    Raises `annotator.review.ReviewError` (one line) for an empty or outside selection.
    """
    from annotator.review.why import why_label

    a, b = frames_around(evidence, start, end, margin=1)
    shift = a * evidence.frame_s
    why = why_label(window_of(evidence, a, b), lane, start - shift, end - shift, n)
    return dataclasses.replace(why, start=float(start), end=float(end), t0=why.t0 + a,
                               t1=why.t1 + a)  # fmt: skip


def listen_selection(evidence: Evidence, samples, rate: int, start: float, end: float, components):
    """``annotator.review.listen`` of the selection, on the frames around it (the STFT margin
    of the listener needs n_fft / hop frames, so the window is wider than for `why_selection`).

    ``samples`` is anything that slices to float samples at ``rate`` Hz (a numpy array, the
    document's `Samples`): only the stretch the frames need is read."""
    from annotator.review.listen import listen

    W, _, _, model_rate = _model(evidence)
    n_fft = 2 * (int(W.shape[0]) - 1)
    hop = max(1, int(round(evidence.frame_s * model_rate)))
    margin = int(np.ceil(n_fft / hop)) + 2
    a, b = frames_around(evidence, start, end, margin)
    shift = a * evidence.frame_s
    first = int(round(shift * rate))
    last = int(np.ceil((b * evidence.frame_s + 2.0 * n_fft / model_rate) * rate))
    piece = np.asarray(samples[first : last + 1], dtype=np.float32)
    son = listen(piece, window_of(evidence, a, b), start - shift, end - shift, components,
                 sample_rate=rate)  # fmt: skip
    return dataclasses.replace(son, start=son.start + shift)


def labelled_frames(evidence: Evidence) -> np.ndarray:
    """(C, T) bool: where the model labels each class — the decision at the current thresholds
    when they are known, else posterior ≥ 0.5."""
    P = evidence.posteriors
    if not evidence.tunable:
        return P >= 0.5
    from segmenter.evaluation import to_frames

    decided = evidence.decide()
    T, d = P.shape[1], evidence.frame_s
    rows = []
    for lane in evidence.lanes:
        rows.append(to_frames([(s.start, s.end) for s in decided.lane(lane)], T, d))
    return np.stack(rows)


def class_relevance(evidence: Evidence, H: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``(C, K)`` relevance of every component for every class (paper's rule, normalised per
    class so the most relevant is 1), and per class which region it was measured over."""
    from segmenter.explain import component_relevance

    labelled = labelled_frames(evidence)
    theta = np.asarray(evidence.theta, dtype=np.float64)
    out = np.zeros((len(evidence.classes), H.shape[0]))
    regions = []
    for row in range(len(evidence.classes)):
        mask = labelled[row] if labelled[row].any() else np.ones(H.shape[1], dtype=bool)
        regions.append("where labelled" if labelled[row].any() else "whole recording")
        total = np.zeros(H.shape[0])
        for a, columns in column_blocks(H, BLOCK):  # a mapped H is let go page by page
            block = mask[a : a + BLOCK]
            if block.any():
                total += columns[:, block].astype(np.float64).sum(axis=1)
        mean = total / max(int(mask.sum()), 1)
        # the rule is a mean over the region: on the mean column it gives the same scores
        out[row] = component_relevance(mean[:, None], theta, row)
    return out, regions


def frequencies(evidence: Evidence) -> np.ndarray:
    """Hz of W's rows (the model's STFT bins)."""
    W, _, _, model_rate = _model(evidence)
    n_fft = 2 * (int(W.shape[0]) - 1)
    return np.fft.rfftfreq(n_fft, 1.0 / float(model_rate))
