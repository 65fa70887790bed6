"""`Player`: plays a stretch of the recording through sounddevice, or says why it cannot.

PortAudio may be missing (no shared library), or present with no output device (a server, a
container, a remote desktop). Neither may stop the editor: the player then reports
``available == False`` with a one-line reason and every play request is a no-op that says so.
The audio callback only copies samples; the GUI polls `position` from a timer to move the cursor.

Speed (0.5x-2x) resamples the played stretch on the fly by linear interpolation, like a tape
played faster: the pitch moves with the speed. That is what phoneticians expect from Praat-style
slow playback for listening to boundaries, needs no extra library and costs nothing when
``speed == 1`` (plain copy). Looping replays [start, end) until stopped.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

BLOCK = 1024
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def open_backend() -> tuple[Any | None, str | None]:
    """The sounddevice module if it can play here, else (None, reason)."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: PortAudio library not found
        return None, f"playback unavailable: PortAudio not found ({' '.join(str(exc).split())})"
    try:
        sounddevice.query_devices(kind="output")
    except Exception as exc:  # PortAudioError or ValueError when there is no device
        return None, f"playback unavailable: no audio output device ({' '.join(str(exc).split())})"
    return sounddevice, None


class Player(QObject):
    """Plays [start, end) of a mono float32 signal; emits `position` while playing."""

    positionChanged = pyqtSignal(float)  # noqa: N815 (Qt naming)
    stateChanged = pyqtSignal(bool)  # noqa: N815  playing or not

    def __init__(
        self, parent: QObject | None = None, backend: Any | None = None, reason: str | None = None
    ) -> None:
        super().__init__(parent)
        if backend is None and reason is None:
            backend, reason = open_backend()
        self._sd = backend
        self.reason = reason
        self.samples: np.ndarray | None = None
        self.sample_rate = 16000
        self._stream = None
        self._lock = threading.Lock()
        self._frame = 0.0  # fractional source frame: speed != 1 advances by non-integers
        self._start = 0
        self._end = 0
        self.speed = 1.0
        self.loop = False
        self._timer = QTimer(self, interval=30)
        self._timer.timeout.connect(self._poll)

    def sibling(self, parent: QObject | None = None) -> Player:
        """A second player on the same backend (for clips that are not the recording, such as
        a sonified selection), so the recording's player and cursor are left alone."""
        return Player(parent, backend=self._sd, reason=self.reason)

    @property
    def available(self) -> bool:
        return self._sd is not None

    @property
    def playing(self) -> bool:
        return self._stream is not None

    def set_speed(self, speed: float) -> None:
        """Playback rate in 0.5..2 (takes effect on the next block, also while playing)."""
        with self._lock:
            self.speed = float(min(max(speed, 0.5), 2.0))

    def set_audio(self, samples: np.ndarray | None, sample_rate: int) -> None:
        self.stop()
        self.samples, self.sample_rate = samples, int(sample_rate)

    def play(self, start: float, end: float | None = None) -> str | None:
        """Start playing; returns None, or the reason nothing plays (for the status bar)."""
        if self._sd is None:
            return self.reason
        if self.samples is None:
            return "nothing to play"
        self.stop()
        n = self.samples.shape[0]
        self._frame = float(int(np.clip(start * self.sample_rate, 0, n)))
        self._start = int(self._frame)
        self._end = n if end is None else int(np.clip(end * self.sample_rate, 0, n))
        if self._end <= self._frame:
            return "nothing to play there"
        try:
            self._stream = self._sd.OutputStream(
                samplerate=self.sample_rate,
                channels=1,
                dtype="float32",
                blocksize=BLOCK,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # device vanished, busy, unsupported rate
            self._stream = None
            return f"playback failed: {' '.join(str(exc).split())}"
        self._timer.start()
        self.stateChanged.emit(True)
        return None

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # stopping a dead stream must not raise into the GUI
                pass
            self._timer.stop()
            self.stateChanged.emit(False)

    @property
    def position(self) -> float:
        with self._lock:
            return self._frame / self.sample_rate

    def _callback(self, outdata, frames, _time, _status) -> None:
        with self._lock:
            written = 0
            while written < frames:
                n = self._fill(outdata[written:, 0], frames - written)
                written += n
                if self._frame >= self._end and self.loop and self._end > self._start:
                    self._frame = float(self._start)
                elif n == 0 or self._frame >= self._end:
                    break
            outdata[written:, 0] = 0
            done = self._frame >= self._end
        if done:
            raise self._sd.CallbackStop

    def _fill(self, out: np.ndarray, frames: int) -> int:
        """Write up to ``frames`` output samples from the current frame; returns how many."""
        speed, pos = self.speed, self._frame
        if speed == 1.0 and pos == int(pos):
            start = int(pos)
            chunk = self.samples[start : min(start + frames, self._end)]
            out[: len(chunk)] = chunk
            self._frame = float(start + len(chunk))
            return len(chunk)
        count = min(frames, int(np.ceil((self._end - pos) / speed)))
        if count <= 0:
            self._frame = float(self._end)
            return 0
        where = pos + speed * np.arange(count)
        lo = int(where[0])
        hi = min(int(where[-1]) + 2, self._end)
        source = np.asarray(self.samples[lo:hi], dtype=np.float32)
        out[:count] = np.interp(where - lo, np.arange(source.shape[0]), source)
        self._frame = min(pos + speed * count, float(self._end))
        return count

    def _poll(self) -> None:
        self.positionChanged.emit(self.position)
        with self._lock:
            done = self._frame >= self._end
        if done and self._stream is not None and not self._stream.active:
            self.stop()
