"""Child process for test_crash_safety: saves a growing annotation in a loop until it is killed.

Usage: ``python crash_writer.py {sidecar|autosave} PATH BASE STEP [FSYNC_DELAY_S]``

Generation g of the file holds exactly BASE + g * STEP segments in lane ``speech`` and
``extra["generation"] == g``, so the parent can tell a complete version from a torn one. The
child resumes from whatever the file holds (loading it is part of the check), prints ``ready``,
then prints each generation after its save has returned. FSYNC_DELAY_S makes every fsync that
much slower, as on a spinning or network disk, so that random kills often land inside the
write-fsync-rename window rather than in JSON encoding.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from annotator.core.annotation import Annotation
from annotator.core.autosave import Autosaver
from annotator.core.lane import Lane
from annotator.core.segment import Segment
from annotator.core.sidecar import RecordingStatus, SidecarState, load_sidecar, save_sidecar


def segment(i: int) -> Segment:
    return Segment(i * 0.01, i * 0.01 + 0.005, f"spéech {i}", confidence=0.5)


def main() -> None:
    mode, path, base, step = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if len(sys.argv) > 5:
        delay, real_fsync = float(sys.argv[5]), os.fsync

        def slow_fsync(fd: int) -> None:
            time.sleep(delay)
            real_fsync(fd)

        os.fsync = slow_fsync
    if path.exists():
        state = load_sidecar(path)
        generation = int(state.extra["generation"])
        annotation = state.annotation
    else:
        generation = 0
        annotation = Annotation([Lane("speech", (segment(i) for i in range(base)))])
    lane = annotation.lane("speech")
    autosaver = Autosaver(path, interval_s=0.0) if mode == "autosave" else None
    print("ready", generation, flush=True)
    while True:
        generation += 1
        start = len(lane)
        for i in range(start, start + step):
            lane.add(segment(i))
        extra = {"generation": generation}
        if autosaver is not None:
            autosaver.notify_changed(annotation, status=RecordingStatus.IN_REVIEW, extra=extra)
            if not autosaver.flush():
                raise SystemExit(f"autosave failed: {autosaver.last_error}")
        else:
            save_sidecar(path, SidecarState(annotation, RecordingStatus.IN_REVIEW, extra))
        print(generation, flush=True)


if __name__ == "__main__":
    main()
