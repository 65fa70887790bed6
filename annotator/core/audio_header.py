"""Reading a recording's header, and refusing what must never be opened or decoded.

Every annotator command that looks at audio before decoding it (``label``'s runner and progress
bar, ``info``, the project scan) asks here, so that they agree on what counts as a recording:

* only a regular file is opened. Opening a FIFO blocks until something writes to it, so a stray
  ``a.wav`` FIFO would hang a whole corpus run; sockets and device files are no recordings
  either. They are recognised by ``stat``, which never blocks.
* a sample rate outside ``MIN_SAMPLE_RATE``..``MAX_SAMPLE_RATE`` is refused: a header that says
  1 Hz would be resampled x16000 (minutes of work on a 32 KB file), and no real recording is
  below telephone-band rates or above 768 kHz. ``segmenter.audio`` holds the same bounds (it may
  not import this package); a test keeps them equal.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError

MIN_SAMPLE_RATE = 1_000
MAX_SAMPLE_RATE = 768_000

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device file"),
    (stat.S_ISBLK, "a block device file"),
)


def native_name(path: str | Path) -> str | bytes:
    """The name to hand libsndfile: on POSIX the file's own bytes. soundfile encodes a ``str``
    strictly and would refuse a name that is not valid UTF-8 (lone surrogates from
    ``os.fsdecode``), which libsndfile opens fine given the bytes. Every soundfile call on a
    user's recording goes through this (the header check, the editor's decoding and streaming)."""
    return os.fsencode(path) if os.name == "posix" else str(path)


class AudioHeaderError(AnnotatorError):
    """A file is not a usable recording; ``problem`` says why, ``str()`` adds the file's name."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


@dataclass(frozen=True)
class AudioHeader:
    """What a recording's header says (nothing is decoded)."""

    frames: int
    sample_rate: int
    channels: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def _kind_of(mode: int) -> str | None:
    """What a file of this ``st_mode`` is, when neither a regular file nor a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def special_kind(path: Path) -> str | None:
    """What ``path`` is when it exists but is neither a regular file nor a folder (a FIFO, a
    socket, a device file; links followed), else None. Never opens the file."""
    try:
        return _kind_of(os.stat(path).st_mode)
    except (OSError, ValueError):  # missing, or a name the OS refuses: callers report that
        return None


def rate_problem(rate: int) -> str | None:
    """Why a recording at ``rate`` Hz is refused, or None when the rate is accepted."""
    if MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        return None
    return (
        f"sample rate {rate} Hz is out of the accepted range "
        f"({MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)"
    )


def read_header(path: Path) -> AudioHeader:
    """The header of the recording at ``path``; raises `AudioHeaderError` naming the file."""
    import soundfile  # here, not at the top: `import annotator.core` stays light

    try:
        mode = os.stat(path).st_mode  # one stat answers all three questions
    except (FileNotFoundError, NotADirectoryError):  # a dangling link too
        raise AudioHeaderError(path, "no such file") from None
    except OSError as exc:  # a folder on the way that may not be searched
        raise AudioHeaderError(path, f"cannot read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL in the name
        raise AudioHeaderError(path, "not a valid file name") from None
    if stat.S_ISDIR(mode):
        raise AudioHeaderError(path, "is a folder, not an audio file")
    kind = _kind_of(mode)
    if kind is not None:
        raise AudioHeaderError(path, f"is {kind}, not a regular file; not opened")
    try:
        info = soundfile.info(native_name(path))
    except Exception as exc:  # libsndfile raises several types, all meaning "cannot read"
        detail = " ".join(str(exc).split(":")[-1].split()) or type(exc).__name__
        raise AudioHeaderError(path, f"not a readable audio file ({detail})") from None
    problem = rate_problem(int(info.samplerate))
    if problem is not None:
        raise AudioHeaderError(path, problem)
    return AudioHeader(
        int(info.frames), int(info.samplerate), int(info.channels), info.format, info.subtype
    )
