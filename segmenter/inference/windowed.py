"""The reference inference for non-local networks: fixed windows, averaged where they overlap.

A global-norm Ψ or a WavLM front end (attention, instance norm) makes every output frame depend
on the whole input window, so a file is analysed as the paper does: windows of 4 s every 0.4 s,
each output frame the average over the windows that contain it. Windows start on frame
boundaries (multiples of the hop), so window frame j *is* file frame ``f + j`` and no
interpolation is needed. A window of ``L`` samples gives ``W = num_frames(L)`` frames (199 for
4 s); the last window starts at frame ``T − W`` and takes the samples up to the end of the file,
which gives exactly W frames, so no zero padding enters any window. A file shorter than one
window is analysed in one pass.

What is averaged: posteriors (the reference's scores), logits and H, each separately. Because Θ
is linear, the averaged logits still equal ``b + Θ·H̄`` exactly — explanations stay exact — while
the posteriors are the mean of the windows' sigmoids, not the sigmoid of the mean logit.
Windows are batched; frames are handed to the sink as soon as no later window can touch them, so
memory stays bounded on long files.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import torch

from segmenter.features import log_power_spectrogram, num_frames
from segmenter.inference.buffer import SampleBuffer
from segmenter.inference.sinks import FrameSink
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report

__all__ = ["run_windowed", "window_features"]


def window_features(model: NMFSegmenter, waves: torch.Tensor) -> torch.Tensor:
    """Features S (B, D, T) of waveforms (B, N), without the target X a front end other than
    the spectrogram would compute needlessly (inference never reconstructs)."""
    features = model.front_end.from_target(log_power_spectrogram(waves, model.spectrogram))
    return model.front_end(waves) if features is None else features


class _OverlapAdd:
    """Running sums over the frames that windows still touch, starting at frame ``start``."""

    def __init__(self, n_classes: int, n_components: int, keep_h: bool) -> None:
        self.start = 0
        self.logits = np.zeros((n_classes, 0))
        self.posteriors = np.zeros((n_classes, 0))
        self.H = np.zeros((n_components, 0)) if keep_h else None
        self.count = np.zeros(0)

    def _reserve(self, end: int) -> None:
        extra = end - self.start - self.count.size
        if extra > 0:
            self.logits = np.pad(self.logits, ((0, 0), (0, extra)))
            self.posteriors = np.pad(self.posteriors, ((0, 0), (0, extra)))
            if self.H is not None:
                self.H = np.pad(self.H, ((0, 0), (0, extra)))
            self.count = np.pad(self.count, (0, extra))

    def add(self, frame: int, logits: np.ndarray, posteriors: np.ndarray, H: np.ndarray) -> None:
        a, b = frame - self.start, frame - self.start + logits.shape[1]
        if a < 0:  # pragma: no cover - guards the window order
            raise RuntimeError(f"window at frame {frame} reaches frames already flushed")
        self._reserve(frame + logits.shape[1])
        self.logits[:, a:b] += logits
        self.posteriors[:, a:b] += posteriors
        if self.H is not None:
            self.H[:, a:b] += H
        self.count[a:b] += 1

    def flush(self, upto: int, sink: FrameSink) -> None:
        """Average and emit frames ``[start, upto)``; they must all be covered."""
        n = upto - self.start
        if n <= 0:
            return
        count = self.count[:n]
        if (count == 0).any():  # pragma: no cover - guards the window layout
            raise RuntimeError("a frame was not covered by any window")
        H = None if self.H is None else (self.H[:, :n] / count).astype(np.float32)
        sink.append(
            (self.logits[:, :n] / count).astype(np.float32),
            (self.posteriors[:, :n] / count).astype(np.float32),
            H,
        )
        self.logits, self.posteriors = self.logits[:, n:], self.posteriors[:, n:]
        if self.H is not None:
            self.H = self.H[:, n:]
        self.count = self.count[n:]
        self.start = upto


def _run_batch(
    model: NMFSegmenter,
    waves: list[np.ndarray],
    device: torch.device,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    batch = torch.from_numpy(np.stack(waves)).to(device=device, dtype=model.dictionary.dtype)
    H = model.activations(window_features(model, batch))
    logits = model.classify(H)
    return (
        logits.float().cpu().numpy(),
        torch.sigmoid(logits).float().cpu().numpy(),
        H.float().cpu().numpy(),
    )


def run_windowed(
    model: NMFSegmenter,
    blocks: Iterable[np.ndarray],
    sink: FrameSink,
    device: torch.device,
    *,
    window_seconds: float = 4.0,
    step_seconds: float = 0.4,
    batch_size: int = 16,
    expected_samples: int = 0,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Stream ``blocks`` through ``model`` in overlapping windows into ``sink``; returns N."""
    cfg = model.spectrogram
    win = int(round(window_seconds * cfg.sample_rate))
    step = int(round(step_seconds * cfg.frame_rate))
    if win < cfg.frame_length or step < 1:
        raise ValueError("window must hold at least one frame and the step at least one frame")
    win_frames = num_frames(win, cfg)
    if step > win_frames:
        raise ValueError(f"step {step_seconds} s leaves gaps between {window_seconds} s windows")
    acc = _OverlapAdd(len(model.classes), model.config.n_components, sink.mode != "none")
    buffer = SampleBuffer()
    expected = max(1, expected_samples)
    pending: list[int] = []
    next_frame = 0
    last_frame = -1

    def run(frames: list[int], waves: list[np.ndarray]) -> None:
        nonlocal last_frame
        logits, posteriors, H = _run_batch(model, waves, device)
        for i, f in enumerate(frames):
            acc.add(f, logits[i], posteriors[i], H[i])
        last_frame = frames[-1]
        acc.flush(last_frame, sink)  # later windows all start at or after last_frame
        buffer.release_before(last_frame * cfg.hop_length)
        seconds = (last_frame + win_frames) * cfg.hop_length / cfg.sample_rate
        report(progress, min(buffer.received / expected, 0.99), f"{seconds:.0f} s analysed")

    def run_pending() -> None:
        if pending:
            waves = [buffer.get(f * cfg.hop_length, f * cfg.hop_length + win) for f in pending]
            run(list(pending), waves)
            pending.clear()

    for block in blocks:
        check_cancelled(cancel, "inference")
        buffer.push(block)
        while next_frame * cfg.hop_length + win <= buffer.received:
            pending.append(next_frame)
            next_frame += step
            if len(pending) >= batch_size:
                check_cancelled(cancel, "inference")
                run_pending()
    check_cancelled(cancel, "inference")
    run_pending()
    n = buffer.received
    total = num_frames(n, cfg)
    if last_frame < 0 or last_frame + win_frames < total:
        final = max(0, total - win_frames)  # the tail window, ending with the file
        run([final], [buffer.get(final * cfg.hop_length, n)])
    acc.flush(total, sink)
    return n
