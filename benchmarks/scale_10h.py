"""Scale check: a long recording is pre-labelled with bounded memory and opens in the GUI.

What it does, in a temporary folder that is removed afterwards (``--keep`` leaves it):

1. writes a ``--hours`` long (default 10) 16 kHz mono 16-bit recording, block by block (one
   minute of varied synthetic signal at a time: speech-like bursts, chords, noise, silence), so
   the generator never holds the recording in memory;
2. runs ``annotator label`` on it in a subprocess and measures its peak RSS and wall time;
3. opens it in the GUI in a subprocess (``QT_QPA_PLATFORM=offscreen``): the recording and the
   TextGrid from step 2, time to the first paint; pre-labels it in the GUI with the shipped model
   (that run's H is what the heatmap draws), zooms and scrolls, and saves a screenshot;
4. opens it again in a fresh GUI process, now with the cached model evidence (the heatmap read
   from the mapped cache), and measures the same.

Peak RSS is the child's own maximum resident set (``wait4``), which counts mapped file pages
while they are resident, so a pass that pinned a mapped file would show here.

    python benchmarks/scale_10h.py                 # 10 hours (a few minutes on 2 cores)
    python benchmarks/scale_10h.py --hours 1 --png /tmp/scale1h.png
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SR = 16000
BLOCK_S = 60


# --- the recording ---------------------------------------------------------------------------
def synthetic_minute(index: int) -> np.ndarray:
    """One minute whose kind changes with ``index``: the model sees speech-like, music-like,
    noisy and silent stretches, as a day-long field recording has."""
    rng = np.random.default_rng(index)
    t = np.arange(BLOCK_S * SR) / SR
    kind = index % 4
    if kind == 0:  # speech-like: formant-ish harmonics, syllable-rate amplitude, pauses
        f0 = 110 + 40 * np.sin(2 * np.pi * 0.3 * t + index)
        phase = 2 * np.pi * np.cumsum(f0) / SR
        voice = sum(np.sin(k * phase) / k for k in range(1, 12))
        envelope = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) * (
            np.sin(2 * np.pi * 0.2 * t) > -0.3
        )
        signal = 0.15 * voice * envelope
    elif kind == 1:  # music-like: a sequence of chords with decaying notes
        signal = np.zeros_like(t)
        for start in range(0, BLOCK_S * 2):
            a, b = int(start * SR / 2), int((start + 1) * SR / 2)
            root = 220 * 2 ** (rng.integers(0, 12) / 12)
            tt = t[: b - a]
            for ratio in (1.0, 1.26, 1.5):
                signal[a:b] += 0.08 * np.sin(2 * np.pi * root * ratio * tt) * np.exp(-3 * tt)
    elif kind == 2:  # broadband noise, slowly changing level
        signal = 0.05 * (1.2 + np.sin(2 * np.pi * 0.05 * t)) * rng.standard_normal(t.size)
    else:  # near silence
        signal = 0.002 * rng.standard_normal(t.size)
    return np.clip(signal, -1, 1).astype(np.float32)


def write_recording(path: Path, hours: float) -> None:
    """Write ``hours`` of audio block by block."""
    import soundfile

    minutes = max(int(round(hours * 60)), 1)
    cache: dict[int, np.ndarray] = {}
    with soundfile.SoundFile(str(path), "w", SR, 1, subtype="PCM_16") as out:
        for index in range(minutes):
            key = index % 97  # 97 distinct minutes, reused: generation stays cheap
            if key not in cache:
                cache[key] = synthetic_minute(key)
            out.write(cache[key])


# --- measuring a child -------------------------------------------------------------------------
def run_measured(command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``command``; its wall time, peak RSS (MB) and exit code, and its stdout."""
    begun = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall_s": time.perf_counter() - begun,
        "peak_rss_mb": usage.ru_maxrss / 1024.0,
        "returncode": proc.returncode,
        "stdout": out,
    }


# --- the GUI child -----------------------------------------------------------------------------
def gui_child(args: argparse.Namespace) -> int:
    """In the GUI subprocess: open, paint, (pre-label,) zoom and scroll, grab; print JSON."""
    import resource

    from PyQt6.QtCore import QSettings, QStandardPaths

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    def now_mb() -> float:  # the current resident set (the peak is `rss_mb`)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        return float("nan")

    begun = time.perf_counter()
    QStandardPaths.setTestModeEnabled(True)
    from annotator.gui.app import application
    from annotator.gui.main_window import MainWindow
    from annotator.gui.player import Player

    app = application(["scale"])
    settings = QSettings(
        str(Path(args.gui).parent.parent / "settings.ini"), QSettings.Format.IniFormat
    )
    window = MainWindow(settings=settings, player=Player(backend=None, reason="benchmark"))
    errors: list[str] = []
    window.prompts.unsaved = lambda _what: "discard"  # no modal dialog may block offscreen
    window.prompts.recover = lambda _names: "discard"
    window.prompts.error = errors.append
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    figures: dict[str, float] = {"qt_ready_rss_mb": rss_mb()}
    t0 = time.perf_counter()
    if not window.open_path(Path(args.gui)):
        print(json.dumps({"error": "could not open"}))
        return 2
    figures["open_s"] = time.perf_counter() - t0
    window.grab()  # forces the first paint of every row
    app.processEvents()
    figures["first_paint_s"] = time.perf_counter() - t0
    figures["first_paint_since_start_s"] = time.perf_counter() - begun
    figures["first_paint_rss_mb"] = rss_mb()
    samples = window.document.audio.samples
    figures["samples_held_mb"] = getattr(samples, "nbytes", 0) / 1e6
    figures["pyramid_mb"] = window.document.audio.pyramid.nbytes / 1e6
    if args.labels:
        window.import_labels(Path(args.labels))
        app.processEvents()
    if args.prelabel:
        from annotator.gui.prelabel_actions import default_model

        window.settings.setValue("prelabel/nmf/model", str(default_model()))
        t1 = time.perf_counter()
        window.actions["prelabel:nmf"].trigger()
        while window.prelabel.running:
            app.processEvents()
            time.sleep(0.05)
        for _ in range(20):
            app.processEvents()
        figures["gui_prelabel_s"] = time.perf_counter() - t1
        figures["gui_prelabel_outcome"] = window.prelabel.job.outcome
        figures["after_prelabel_rss_mb"] = rss_mb()
        figures["after_prelabel_now_mb"] = now_mb()
    evidence = window.document.evidence
    figures["heatmap_shown"] = bool(evidence is not None and window.timeline.heatmap.data_shape)
    t2 = time.perf_counter()
    timeline = window.timeline
    duration = window.document.duration
    views = [(0, duration), (duration * 0.5, duration * 0.5 + 600), (3600.5, 3630.5),
             (duration - 20, duration), (1234.0, 1234.8), (duration * 0.25, duration * 0.75),
             (100.0, 400.0)]  # fmt: skip
    for start, end in views:
        timeline.set_visible_range(min(start, duration), min(end, duration))
        timeline._refresh_spectrogram()  # what the settle timer does
        window.grab()
        app.processEvents()
    figures["zoom_scroll_s_each"] = (time.perf_counter() - t2) / len(views)
    timeline.set_visible_range(duration * 0.3, duration * 0.3 + 120)
    timeline._refresh_spectrogram()
    app.processEvents()
    if args.png:
        window.grab().save(args.png)
    figures["final_rss_mb"] = rss_mb()
    figures["final_now_mb"] = now_mb()
    figures["samples_read_mb"] = getattr(samples, "samples_read", 0) * 2 / 1e6
    figures["errors"] = errors
    window.document.stack.setClean()
    window.close()
    # the window closed its recording: no handle on the audio, the evidence cache or a
    # temporary mapped file (H of the run, its heat image) is left
    names = (Path(args.gui).name, "nmf-annotator-", "activations-")
    figures["fds_left_after_close"] = sum(open_fds(name) for name in names)
    print("FIGURES " + json.dumps(figures))
    return 0


def open_fds(name: str) -> int:
    """This process's file descriptors whose target mentions ``name`` (Linux; 0 elsewhere)."""
    folder = Path("/proc/self/fd")
    if not folder.is_dir():
        return 0
    count = 0
    for fd in os.listdir(folder):
        with contextlib.suppress(OSError):  # closed between listing and reading
            count += name in os.readlink(folder / fd)
    return count


def parse(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith("FIGURES "):
            return json.loads(line[len("FIGURES ") :])
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=10.0)
    parser.add_argument("--png", default="/tmp/scale10h.png", help="screenshot of the GUI")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--skip-label", action="store_true")
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the writer child: file to write
    parser.add_argument("--gui", help=argparse.SUPPRESS)  # the GUI child: recording to open
    parser.add_argument("--labels", help=argparse.SUPPRESS)
    parser.add_argument("--prelabel", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        write_recording(Path(args.write), args.hours)
        return 0
    if args.gui:
        return gui_child(args)

    folder = Path(tempfile.mkdtemp(prefix="scale-"))
    try:
        corpus = folder / "corpus"
        corpus.mkdir()
        audio = corpus / f"long_{args.hours:g}h.wav"
        # written by a child: a child's peak RSS starts from its parent's at the fork, so this
        # process stays small for the measured children that follow
        made = run_measured([sys.executable, str(Path(__file__).resolve()), "--write", str(audio),
                             "--hours", str(args.hours)])["wall_s"]  # fmt: skip
        size_mb = audio.stat().st_size / 1e6
        frames = int(args.hours * 3600) * SR
        print(f"recording: {args.hours:g} h, {size_mb:.0f} MB on disk, written in {made:.1f} s; "
              f"decoded whole it would be {frames * 2 / 1e6:.0f} MB as int16, "
              f"{frames * 4 / 1e6:.0f} MB as float32")  # fmt: skip
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        labels = None
        if not args.skip_label:
            out = folder / "labels"
            label = run_measured(
                [sys.executable, "-m", "annotator", "label", str(audio), "--out", str(out),
                 "--quiet", "--device", "cpu"], env,
            )  # fmt: skip
            found = sorted(out.rglob("*.TextGrid"))
            labels = found[0] if found else None
            print(f"annotator label: wall {label['wall_s']:.1f} s, peak RSS "
                  f"{label['peak_rss_mb']:.0f} MB, exit {label['returncode']}, "
                  f"{'TextGrid written' if labels else 'no TextGrid'}")  # fmt: skip
        child = [sys.executable, str(Path(__file__).resolve()), "--gui", str(audio)]
        first = run_measured(
            [
                *child,
                "--prelabel",
                "--png",
                args.png,
                *(["--labels", str(labels)] if labels else []),
            ],
            env,
        )
        figures = parse(first["stdout"])
        print(f"GUI open + pre-label: peak RSS {first['peak_rss_mb']:.0f} MB, exit "
              f"{first['returncode']}, wall {first['wall_s']:.1f} s")  # fmt: skip
        print("   " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                  for k, v in figures.items()}))  # fmt: skip
        again = run_measured([*child, "--png", ""], env)
        figures = parse(again["stdout"])
        print(f"GUI reopen (cached evidence): peak RSS {again['peak_rss_mb']:.0f} MB, exit "
              f"{again['returncode']}, wall {again['wall_s']:.1f} s")  # fmt: skip
        print("   " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                  for k, v in figures.items()}))  # fmt: skip
        if args.png:
            print(f"screenshot: {args.png}")
        return 0 if first["returncode"] == 0 and again["returncode"] == 0 else 1
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
