"""Exact chunked inference for a local network (channel norm, spectrogram front end).

Output frame t of a local Ψ depends only on spectrogram frames within ±``context_frames`` of t,
and spectrogram frame t only on samples ``frame_sample_span(t, t + 1)`` of the zero-extended
file. So the file is cut into large *core* chunks of frames ``[s, e)``; each is computed from
frames ``[lo, hi) = [max(0, s − m), min(T, e + m))`` (m = context margin), i.e. from samples
``frame_sample_span(lo, hi)`` with zeros outside the file, and cropped back to ``[s, e)``.
Clipping ``lo``/``hi`` to the file's frames matters: there the network's own zero padding is
what the whole-file pass sees too. The result equals one pass over the whole file up to float
rounding, while memory holds one chunk (plus one decoded block) at a time.

The frame count T is only known when the stream ends, so a chunk is run as soon as the samples
up to its last needed one have arrived — which proves frames up to ``hi`` exist — and the last
chunks run once the stream is exhausted. The reconstruction W·H is computed only when the sink
asks for it (``FrameSink(reconstruction=True)``, for the review queue's unfamiliar sounds): the
labels do not need it (on the shipped model it adds 10–20 % to the time, one thread); then only
two norms per frame leave the chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import torch

from segmenter.explain.novelty import reconstruction_norms
from segmenter.features import frame_sample_span, log_power_spectrogram, num_frames
from segmenter.inference.buffer import SampleBuffer
from segmenter.inference.sinks import FrameSink
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report

__all__ = ["run_chunked"]


def _run_chunk(
    model: NMFSegmenter,
    buffer: SampleBuffer,
    core: tuple[int, int],
    frames: tuple[int, int],
    sink: FrameSink,
    device: torch.device,
) -> None:
    (s, e), (lo, hi) = core, frames
    cfg = model.spectrogram
    a, b = frame_sample_span(lo, hi, cfg)
    samples = torch.from_numpy(buffer.get(a, b)).to(device=device, dtype=model.dictionary.dtype)
    X = log_power_spectrogram(samples.unsqueeze(0), cfg, padded=False)
    if X.shape[-1] != hi - lo:  # pragma: no cover - guards the framing arithmetic
        raise RuntimeError(f"chunk gave {X.shape[-1]} frames, expected {hi - lo}")
    features = model.front_end.from_target(X)
    if features is None:  # pragma: no cover - run_chunked takes local models: spectrogram features
        raise RuntimeError("chunked inference needs features computed from the spectrogram")
    H = model.activations(features)[..., s - lo : e - lo]
    logits = model.classify(H)
    norms = None
    if sink.keeps_reconstruction:
        norms = reconstruction_norms(X[0, :, s - lo : e - lo], model.reconstruct(H)[0])
    sink.append(
        logits[0].float().cpu().numpy(),
        torch.sigmoid(logits[0]).float().cpu().numpy(),
        None if sink.mode == "none" else H[0].float().cpu().numpy(),
        norms,
    )


def run_chunked(
    model: NMFSegmenter,
    blocks: Iterable[np.ndarray],
    sink: FrameSink,
    device: torch.device,
    *,
    chunk_frames: int,
    expected_samples: int = 0,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Stream ``blocks`` through ``model`` chunk by chunk into ``sink``; returns N (samples)."""
    if chunk_frames < 1:
        raise ValueError("chunk_frames must be at least 1")
    cfg = model.spectrogram
    margin = model.context_frames
    buffer = SampleBuffer()
    s = 0
    expected = max(1, expected_samples)

    def run(e: int, hi: int) -> None:
        nonlocal s
        lo = max(0, s - margin)
        _run_chunk(model, buffer, (s, e), (lo, hi), sink, device)
        s = e
        first = max(0, s - margin)
        buffer.release_before(frame_sample_span(first, first + 1, cfg)[0])
        seconds = s * cfg.hop_length / cfg.sample_rate
        report(progress, min(buffer.received / expected, 0.99), f"{seconds:.0f} s analysed")

    for block in blocks:
        check_cancelled(cancel, "inference")
        buffer.push(block)
        while True:
            e = s + chunk_frames
            if frame_sample_span(max(0, s - margin), e + margin, cfg)[1] > buffer.received:
                break
            check_cancelled(cancel, "inference")
            run(e, e + margin)
    total = num_frames(buffer.received, cfg)
    while s < total:
        check_cancelled(cancel, "inference")
        e = min(s + chunk_frames, total)
        run(e, min(total, e + margin))
    return buffer.received
