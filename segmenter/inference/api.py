"""Whole-file inference: a recording in, posteriors (and activations) per 20 ms frame out.

Two paths behind one call, picked from what the network is:

* local network (channel norm, spectrogram front end; the default model): the file streams
  through in large chunks with only the receptive-field margin — exact, one pass, bounded memory
  (:mod:`.chunked`);
* anything else (the paper's global-norm Ψ, the WavLM front end): 4 s windows every 0.4 s,
  averaged where they overlap, as the reference does (:mod:`.windowed`).

Everything runs under ``torch.inference_mode()`` in eval mode (the model's training flag is
restored afterwards), reports ``progress(fraction, message)`` and stops with
:class:`~segmenter.errors.Cancelled` when the ``cancel`` event is set. There is no randomness, so
the same file, model and device give the same numbers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from segmenter.audio import audio_info, stream_audio
from segmenter.checkpoint import ModelInfo, load_model
from segmenter.decisions import Decision, Thresholds, decide
from segmenter.inference.chunked import run_chunked
from segmenter.inference.sinks import FrameSink
from segmenter.inference.windowed import run_windowed
from segmenter.model import NMFSegmenter
from segmenter.progress import ProgressCallback, check_cancelled, report

__all__ = [
    "Prediction",
    "predict_file",
    "predict_waveform",
    "resolve_device",
    "segment_file",
    "uses_chunking",
]


@dataclass
class Prediction:
    """What the network says about one recording, one column per 20 ms frame.

    ``posteriors`` and ``logits`` are (C, T) float32 with rows ordered as ``classes``; ``H`` is
    (K, T) float32 (an ``np.memmap`` view in ``"mmap"`` mode, None in ``"none"`` mode). Frame t
    covers ``[t·frame_duration, (t+1)·frame_duration)``; ``duration`` is the decoded length.
    ``method`` says how it was computed: ``"chunked"`` (exact) or ``"windowed"`` (overlap-add).
    ``reconstruction`` is (2, T) float32, ``‖X − W·H‖`` and ``‖X‖`` per frame, when asked for
    and the path can measure it (the chunked one; None otherwise).
    """

    posteriors: np.ndarray
    logits: np.ndarray
    H: np.ndarray | None
    classes: tuple[str, ...]
    duration: float
    sample_rate: int
    frame_duration: float
    num_samples: int
    method: str
    reconstruction: np.ndarray | None = None

    @property
    def num_frames(self) -> int:
        return int(self.posteriors.shape[1])

    def segments(
        self, thresholds: Mapping[str, Thresholds] | Thresholds | None = None
    ) -> dict[str, list[Decision]]:
        """Posteriors → segments per class with :func:`segmenter.decisions.decide`."""
        return decide(self.posteriors, thresholds, self.classes, self.frame_duration, self.duration)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA if available, else Apple MPS, else CPU; anything else as given."""
    if str(device) != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def uses_chunking(model: NMFSegmenter) -> bool:
    """Whether :func:`predict_file` takes the exact chunked path for ``model``."""
    return model.is_local and model.front_end.name == "spectrogram"


@contextlib.contextmanager
def _inference(model: NMFSegmenter, device: torch.device) -> Iterator[None]:
    """Eval mode and inference mode on ``device``; the training flag comes back afterwards.

    The model is moved to ``device`` (in place, as ``Module.to`` does) and left there, so
    repeated calls do not copy it back and forth.
    """
    was_training = model.training
    model.to(device).eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


def _predict_blocks(
    model: NMFSegmenter,
    blocks: Iterable[np.ndarray],
    expected_samples: int,
    *,
    chunk_seconds: float,
    window_seconds: float,
    step_seconds: float,
    batch_size: int,
    device: str | torch.device,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    activations: str,
    mmap_dir: str | Path | None,
    reconstruction: bool = False,
) -> Prediction:
    cfg = model.spectrogram
    dev = resolve_device(device)
    expected_frames = int(expected_samples // cfg.hop_length) + 1
    sink = FrameSink(
        len(model.classes), model.config.n_components, activations, mmap_dir, expected_frames,
        reconstruction=reconstruction,
    )  # fmt: skip
    chunked = uses_chunking(model)
    report(progress, 0.0, "analysing audio")
    try:
        with _inference(model, dev):
            if chunked:
                chunk_frames = max(1, int(round(chunk_seconds * cfg.frame_rate)))
                n = run_chunked(
                    model, blocks, sink, dev, chunk_frames=chunk_frames,
                    expected_samples=expected_samples, progress=progress, cancel=cancel,
                )  # fmt: skip
            else:
                n = run_windowed(
                    model, blocks, sink, dev, window_seconds=window_seconds,
                    step_seconds=step_seconds, batch_size=batch_size,
                    expected_samples=expected_samples, progress=progress, cancel=cancel,
                )  # fmt: skip
        logits, posteriors, H = sink.finish()
    except BaseException:
        sink.abort()
        raise
    report(progress, 1.0, "analysis done")
    return Prediction(
        posteriors=posteriors,
        logits=logits,
        H=H,
        classes=tuple(model.classes),
        duration=n / cfg.sample_rate,
        sample_rate=cfg.sample_rate,
        frame_duration=cfg.hop_length / cfg.sample_rate,
        num_samples=n,
        method="chunked" if chunked else "windowed",
        reconstruction=sink.reconstruction(),
    )


def predict_file(
    model: NMFSegmenter,
    path: str | Path,
    *,
    chunk_seconds: float = 60.0,
    window_seconds: float = 4.0,
    step_seconds: float = 0.4,
    batch_size: int = 16,
    device: str | torch.device = "auto",
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    activations: str = "memory",
    mmap_dir: str | Path | None = None,
    reconstruction: bool = False,
) -> Prediction:
    """Run ``model`` over a recording, decoded block by block (never whole in memory).

    ``chunk_seconds`` sizes the chunks of the exact path; ``window_seconds`` / ``step_seconds``
    / ``batch_size`` the overlapping windows of the reference path. ``activations`` is
    ``"memory"``, ``"mmap"`` (H in a float32 file under ``mmap_dir``, kept there when a folder
    is given, otherwise a temporary file unlinked as soon as it is mapped on POSIX) or
    ``"none"``. ``reconstruction`` also measures how well W·H rebuilds X per frame
    (`Prediction.reconstruction`; exact path only, 10–20 % more time on the shipped model). Raises AudioError
    (one line naming the file) or Cancelled.
    """
    if chunk_seconds <= 0:
        raise ValueError("chunk_seconds must be positive")
    check_cancelled(cancel, "inference")
    info = audio_info(path)
    rate = model.spectrogram.sample_rate
    expected = int(round(info.frames * rate / info.sample_rate))
    chunked = uses_chunking(model)
    block_seconds = max(chunk_seconds, 10.0) if chunked else max(30.0, 4 * window_seconds)
    return _predict_blocks(
        model, stream_audio(path, block_seconds, rate), expected,
        chunk_seconds=chunk_seconds, window_seconds=window_seconds, step_seconds=step_seconds,
        batch_size=batch_size, device=device, progress=progress, cancel=cancel,
        activations=activations, mmap_dir=mmap_dir, reconstruction=reconstruction,
    )  # fmt: skip


def predict_waveform(
    model: NMFSegmenter,
    wave: np.ndarray | torch.Tensor,
    *,
    chunk_seconds: float = 60.0,
    window_seconds: float = 4.0,
    step_seconds: float = 0.4,
    batch_size: int = 16,
    device: str | torch.device = "auto",
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    activations: str = "memory",
    mmap_dir: str | Path | None = None,
    reconstruction: bool = False,
) -> Prediction:
    """:func:`predict_file` for a mono waveform (N,) already at the model's sample rate."""
    if isinstance(wave, torch.Tensor):
        wave = wave.detach().cpu().numpy()
    samples = np.asarray(wave, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"wave must be mono (N,), got shape {samples.shape}")
    if samples.size == 0:
        raise ValueError("wave is empty")
    block = max(1, int(round(max(chunk_seconds, 10.0) * model.spectrogram.sample_rate)))
    blocks = (samples[i : i + block] for i in range(0, samples.size, block))
    return _predict_blocks(
        model, blocks, samples.size,
        chunk_seconds=chunk_seconds, window_seconds=window_seconds, step_seconds=step_seconds,
        batch_size=batch_size, device=device, progress=progress, cancel=cancel,
        activations=activations, mmap_dir=mmap_dir, reconstruction=reconstruction,
    )  # fmt: skip


def segment_file(
    model: NMFSegmenter | str | Path,
    thresholds: ModelInfo | Mapping[str, Thresholds] | Thresholds | None,
    path: str | Path,
    **options: Any,
) -> dict[str, list[Decision]]:
    """Segments per class of one recording: :func:`predict_file` then ``decide``.

    ``model`` may be a model file path, whose stored thresholds apply when ``thresholds`` is
    None; a :class:`ModelInfo` stands for its thresholds. H is not kept unless ``options`` asks.
    """
    if isinstance(model, (str, Path)):
        model, info = load_model(model)
        if thresholds is None:
            thresholds = info
    if isinstance(thresholds, ModelInfo):
        thresholds = thresholds.thresholds
    options.setdefault("activations", "none")
    return predict_file(model, path, **options).segments(thresholds)
