"""GUI speed and memory on an hour of audio (run: python benchmarks/gui_speed.py).

Generates a 1-hour 16 kHz recording with 2 000 saved segments and cached model evidence
(posteriors for 4 classes, activations of a K = 256 model, as a pre-labelling run leaves them),
then, in a fresh process, opens it in the real window offscreen and prints:

* time to first paint after open (model results come from the cache: no model runs),
* median and p95 redraw time for 50 pan and 50 zoom steps (range change + the repaint it causes;
  the spectrogram's deferred recomputation is timed apart, since it runs after the redraw); an
  event filter checks that every visible time row really received a paint event in each step,
  so a change that skipped painting could not pass for a fast one,
* peak RSS of the process.

Targets: open <= 1 s, redraw median <= 16 ms, RSS <= 600 MB. The data are generated in a
child process so that building them does not count towards the peak RSS being measured.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SR = 16000
SECONDS = 3600.0
SEGMENTS = 2000
K = 256
FRAME_S = 0.02


def prepare(folder: Path) -> Path:
    """Write the recording, its sidecar and its evidence cache into ``folder``."""
    import numpy as np
    import soundfile

    from annotator.core import Annotation, Segment, Source
    from annotator.core.project import Project
    from annotator.evidence.cache import Evidence, save_evidence

    path = folder / "hour.wav"
    rng = np.random.default_rng(0)
    block = 60 * SR
    with soundfile.SoundFile(str(path), "w", SR, 1, subtype="PCM_16") as out:
        for start in range(0, int(SECONDS * SR), block):
            t = (start + np.arange(block)) / SR
            x = 0.02 * rng.standard_normal(block) + 0.2 * np.sin(2 * np.pi * 180 * t) * (
                np.sin(2 * np.pi * 0.05 * t) > 0
            )
            out.write(x.astype(np.float32))
    project = Project.create(folder)
    entry = project.entry("hour.wav")
    annotation = Annotation.with_class_lanes(project.recording_info(entry))
    lanes = annotation.lane_names
    step = SECONDS / (SEGMENTS / len(lanes))
    for i in range(SEGMENTS):
        lane = lanes[i % len(lanes)]
        start = (i // len(lanes)) * step + 0.1 * (i % len(lanes))
        source = Source.MODEL if i % 3 else Source.HUMAN
        conf = 0.8 if source is Source.MODEL else None
        annotation.lane(lane).add(Segment(start, start + step * 0.6, lane, conf, source))
    project.save(entry, annotation)
    frames = int(SECONDS / FRAME_S)
    # posteriors as a model gives them: smooth over a few hundred ms (white noise per 20 ms frame
    # would be a worst case no model produces, and draws as a solid block)
    kernel = np.hanning(25) / np.hanning(25).sum()
    posteriors = np.stack(
        [np.convolve(rng.random(frames), kernel, mode="same") for _ in range(4)]
    ).astype(np.float32)
    h = np.empty((K, frames), dtype=np.float16)
    for k in range(0, K, 32):
        h[k : k + 32] = rng.random((32, frames), dtype=np.float32)
    thresholds = {c: {"onset": 0.5, "offset": 0.4} for c in ("sp", "mu", "no", "ov")}
    evidence = Evidence(
        "nmf · benchmark", ("sp", "mu", "no", "ov"), lanes, posteriors, h, FRAME_S, SECONDS,
        thresholds, "nmf",
    )  # fmt: skip
    save_evidence(project.sidecar_path(entry), path, evidence)
    return path


def stats(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered) * 1e3:6.1f} ms   p95 {p95 * 1e3:6.1f} ms"


def paint_counter():
    """An event filter that records which widgets received a paint event."""
    from PyQt6.QtCore import QEvent, QObject

    class Counter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted: set[int] = set()

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                self.painted.add(id(watched))
            return False

    return Counter()


def measure(path: Path) -> dict[str, float]:
    from PyQt6.QtCore import QSettings, QStandardPaths

    from annotator.gui.app import application
    from annotator.gui.main_window import MainWindow

    QStandardPaths.setTestModeEnabled(True)
    app = application()
    settings = QSettings(str(path.parent / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1400, 860)
    window.show()
    app.processEvents()

    begin = time.perf_counter()
    assert window.open_path(path)
    app.processEvents()
    window.repaint()
    first_paint = time.perf_counter() - begin
    assert window.document.evidence is not None, "the evidence cache was not used"
    timeline = window.timeline

    # every time row's viewport must really be painted in each step, or the timing would flatter
    counter = paint_counter()
    rows = [widget.viewport() for widget in timeline.rows.values() if widget.isVisible()]
    for viewport in rows:
        viewport.installEventFilter(counter)
    painted_rows: list[int] = []

    def redraw(change) -> float:
        counter.painted.clear()
        t0 = time.perf_counter()
        change()
        app.processEvents()  # handles the update requests: every dirty row is painted here
        elapsed = time.perf_counter() - t0
        painted_rows.append(len(counter.painted))
        return elapsed

    timeline.set_visible_range(600.0, 660.0)
    app.processEvents()
    pans = []
    for i in range(50):
        x0, x1 = timeline.visible_range()
        shift = 0.1 * (x1 - x0) * (1 if i < 25 else -1)
        pans.append(
            redraw(lambda x0=x0, x1=x1, s=shift: timeline.set_visible_range(x0 + s, x1 + s))
        )
    timeline.set_visible_range(0.0, timeline.duration)
    app.processEvents()
    timeline.set_cursor(1800.0)
    zooms = [redraw(lambda i=i: timeline.zoom(0.8 if i < 25 else 1.25)) for i in range(50)]
    spectrogram, ticks = [], []
    for span in ((0, 3600), (1790, 1850), (1799, 1801)):
        timeline.set_visible_range(*span)
        app.processEvents()
        t0 = time.perf_counter()
        timeline._refresh_spectrogram()
        spectrogram.append(time.perf_counter() - t0)
    for span in ((0, 3600), (1770, 1830), (1799.5, 1800.5)):
        timeline.set_visible_range(*span)
        app.processEvents()
        ticks.append(", ".join(timeline.time_axis.visible_tick_labels()))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.document.autosaver.mark_saved()
    window.close()
    print(
        f"recording: {SECONDS / 3600:.0f} h at {SR} Hz, {SEGMENTS} segments, cached K={K} evidence"
    )
    print(f"first paint after open: {first_paint * 1e3:7.0f} ms   (target <= 1000 ms)")
    print(f"pan  (50 steps):  {stats(pans)}   (target median <= 16 ms)")
    print(f"zoom (50 steps):  {stats(zooms)}   (target median <= 16 ms)")
    print(
        "spectrogram recompute (deferred, after the redraw): "
        + ", ".join(f"{t * 1e3:.0f} ms" for t in spectrogram)
        + "  (full hour, 60 s, 2 s)"
    )
    for name, labels in zip(("1 h", "60 s", "1 s"), ticks, strict=True):
        print(f"time axis at a {name} span: {labels}")
    print(f"peak RSS: {rss_mb:7.0f} MB   (target <= 600 MB)")
    print(f"rows painted per step: at least {min(painted_rows)} of {len(rows)}")
    if min(painted_rows) < len(rows):
        print("WARNING: some steps did not repaint every row; the redraw times flatter the code")
    return {
        "first_paint_s": first_paint,
        "pan_median_s": statistics.median(pans),
        "zoom_median_s": statistics.median(zooms),
        "rss_mb": rss_mb,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        print(prepare(args.prepare))
        return 0
    if args.measure:
        measure(args.measure)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--prepare", tmp], check=True, stdout=subprocess.DEVNULL
        )
        print(f"(generated the test data in {time.perf_counter() - t0:.0f} s)")
        return subprocess.run(
            [sys.executable, __file__, "--measure", str(Path(tmp) / "hour.wav")]
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
