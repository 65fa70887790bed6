"""`Player`: plays a stretch of the recording through sounddevice, or says why it cannot.

PortAudio may be missing (no shared library), or present with no output device (a server, a
container, a remote desktop). Neither may stop the editor: the player then reports
``available == False`` with a one-line reason and every play request is a no-op that says so.
The audio callback only copies samples; the GUI polls `position` from a timer to move the cursor.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

BLOCK = 1024


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
        self._frame = 0
        self._end = 0
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
        self._frame = int(np.clip(start * self.sample_rate, 0, n))
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
            chunk = self.samples[self._frame : min(self._frame + frames, self._end)]
            outdata[: len(chunk), 0] = chunk
            outdata[len(chunk) :, 0] = 0
            self._frame += len(chunk)
            done = self._frame >= self._end
        if done:
            raise self._sd.CallbackStop

    def _poll(self) -> None:
        self.positionChanged.emit(self.position)
        with self._lock:
            done = self._frame >= self._end
        if done and self._stream is not None and not self._stream.active:
            self.stop()
