"""Keyboard-only correction of the demo: how many key presses bring the lanes to the reference?

Run: ``python benchmarks/keyboard_correction.py [--model resources/models/default.safetensors]
[--tolerance 0.02 ...] [--json out.json]`` (offscreen, under a minute on 2 CPU cores).

A copy of ``resources/demo`` is opened in the real window (offscreen), pre-labelled with the
model, and corrected into ``demo.TextGrid`` by key events alone: the keys come from
``benchmarks/keyboard_plan.py`` (the window's own shortcuts, never the reference-copy ones), and
the lanes are read back from the window afterwards. The same is done from **empty lanes** (the
demo opened without a pre-label), the cost of labelling from scratch with the same keys.

Printed per lane and in total: key presses, model segments kept / deleted / drawn (and merged
into a kept one), and the largest boundary error measured in the window. Fewer presses is
better; the error is bounded by ``--tolerance`` (seconds, default 0.02: every boundary within
20 ms; the issue asks for 1 % of the duration, 0.92 s on the 92 s demo).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # keyboard_plan, run as a script

import keyboard_plan  # noqa: E402

DEMO = ROOT / "resources" / "demo"
DEFAULT_MODEL = ROOT / "resources" / "models" / "default.safetensors"


def correct_in_window(folder: Path, model: Path | None, tolerance: float) -> dict:
    """Open ``folder``/demo.flac, pre-label with ``model`` (None: empty lanes), plan, send the
    keys to the focused widget, and measure the window's lanes against the reference."""
    from PyQt6.QtCore import QSettings
    from PyQt6.QtGui import QKeySequence
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QApplication

    from annotator.formats.textgrid import read_textgrid
    from annotator.gui.main_window import MainWindow
    from annotator.gui.player import Player

    app = QApplication.instance()
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, player=Player(backend=None, reason="benchmark"))
    window.resize(1200, 800)
    window.show()
    app.processEvents()
    if not window.open_path(folder / "demo.flac"):
        raise SystemExit("cannot open the demo copy")
    if model is not None:
        settings.setValue("prelabel/nmf/model", str(model))
        if not window.prelabel.run("nmf"):
            raise SystemExit("pre-labelling did not start")
        while window.prelabel.running:
            app.processEvents()
            time.sleep(0.01)
        for _ in range(20):
            app.processEvents()
        if window.prelabel.job.outcome != "done":
            raise SystemExit(f"pre-labelling: {window.prelabel.job.outcome}")
    doc, timeline = window.document, window.timeline
    reference = read_textgrid(folder / "demo.TextGrid")
    x0, x1 = timeline.visible_range()
    started = time.perf_counter()
    plan = keyboard_plan.plan(
        doc.annotation, reference, duration=timeline.duration, cursor=timeline.cursor_time,
        view_width=x1 - x0, active_lane=window.controller.current_lane,
        lane_pixels=(x1 - x0) / timeline.lanes.seconds_per_pixel(), tolerance=tolerance,
    )  # fmt: skip
    planned = time.perf_counter() - started
    for key in plan.keys:
        combo = QKeySequence(key)[0]
        QTest.keyClick(QApplication.focusWidget(), combo.key(), combo.keyboardModifiers())
    lanes = []
    for stats in plan.lanes:
        mine, theirs = list(doc.annotation.lane(stats.lane)), list(reference.lane(stats.lane))
        errors = keyboard_plan.boundary_errors(mine, theirs)  # raises if the counts differ
        lanes.append({
            "lane": stats.lane, "keys": stats.keys, "kept": stats.kept, "deleted": stats.deleted,
            "drawn": stats.drawn, "merged": stats.merged, "reference": len(theirs),
            "max_error_s": max(errors, default=0.0),
        })  # fmt: skip
    window.prelabel.shutdown()
    doc.stack.setClean()  # nothing to save: the copy is thrown away
    window.close()
    return {
        "keys": len(plan.keys), "lanes": lanes, "plan_s": planned,
        "max_error_s": max(lane["max_error_s"] for lane in lanes),
        "duration_s": timeline.duration,
    }  # fmt: skip


def format_result(name: str, result: dict) -> str:
    rows = [f"{name}: {result['keys']} key presses, largest boundary error "
            f"{result['max_error_s'] * 1000:.1f} ms (planned in {result['plan_s']:.1f} s)",
            f"  {'lane':<9}{'keys':>6}{'ref':>5}{'kept':>6}{'merged':>8}{'deleted':>9}"
            f"{'drawn':>7}{'max error':>11}"]  # fmt: skip
    for lane in result["lanes"]:
        rows.append(
            f"  {lane['lane']:<9}{lane['keys']:>6}{lane['reference']:>5}{lane['kept']:>6}"
            f"{lane['merged']:>8}{lane['deleted']:>9}{lane['drawn']:>7}"
            f"{lane['max_error_s'] * 1000:>8.1f} ms"
        )
    total = {k: sum(lane[k] for lane in result["lanes"]) for k in
             ("keys", "reference", "kept", "merged", "deleted", "drawn")}  # fmt: skip
    rows.append(
        f"  {'total':<9}{total['keys']:>6}{total['reference']:>5}{total['kept']:>6}"
        f"{total['merged']:>8}{total['deleted']:>9}{total['drawn']:>7}"
        f"{result['max_error_s'] * 1000:>8.1f} ms"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--tolerance", type=float, nargs="+", default=[0.02])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    import torch
    from PyQt6.QtCore import QStandardPaths
    from PyQt6.QtWidgets import QApplication

    from annotator.gui.app import configure_pyqtgraph

    torch.set_num_threads(1)
    QStandardPaths.setTestModeEnabled(True)  # no user settings or data read or written
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tolerance in args.tolerance:
            for name, model in ((args.model.name, args.model), ("empty lanes", None)):
                folder = Path(tmp) / f"{name}-{tolerance}".replace(" ", "_")
                shutil.copytree(DEMO, folder)  # opening the shipped folder would write there
                result = correct_in_window(folder, model, tolerance)
                key = f"{name} @ {tolerance:g} s"
                results[key] = result
                print(format_result(key, result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
