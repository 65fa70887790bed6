"""The recipe's frame convention: sample masks to frame labels.

WavLM's convention, i.e. a 400-sample window every 320 samples without padding, so a chunk of N
samples has ``T = (N - 400) // 320 + 1`` frames (199 for 4 s) and frame t spans
[0.02 t, 0.02 t + 0.025) s, centred at ``0.02 t + 0.0125`` s. A frame is on when at least half of
its window is on. Kept apart from the mixer: it is the labels' contract, not a mixing detail.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SAMPLE_RATE", "WIN", "HOP", "n_frames", "frame_centres", "window_majority"]

SAMPLE_RATE = 16000
WIN, HOP = 400, 320


def n_frames(n_samples: int, win: int = WIN, hop: int = HOP) -> int:
    """Frames of the default convention: ``(N - win) // hop + 1`` (0 if shorter than a window)."""
    return max(0, (n_samples - win) // hop + 1)


def frame_centres(
    count: int, win: int = WIN, hop: int = HOP, rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Centre time in seconds of each frame: ``t * hop / rate + win / (2 rate)``."""
    return (np.arange(count) * hop + win / 2) / rate


def window_majority(masks: np.ndarray, win: int = WIN, hop: int = HOP) -> np.ndarray:
    """Frame t is on when at least half of samples [t·hop, t·hop + win) are on."""
    masks = np.atleast_2d(np.asarray(masks, dtype=bool))
    count = n_frames(masks.shape[-1], win, hop)
    cumsum = np.concatenate(
        [np.zeros((masks.shape[0], 1), np.int64), np.cumsum(masks, axis=-1, dtype=np.int64)], -1
    )
    starts = np.arange(count) * hop
    on = cumsum[:, starts + win] - cumsum[:, starts]
    return (2 * on >= win).astype(np.float32)
