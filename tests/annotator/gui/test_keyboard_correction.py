"""Issue 17: the pre-labelled demo corrected to its reference TextGrid with the keyboard alone.

The plan comes from ``benchmarks/keyboard_plan.py``, computed from whatever the shipped model
pre-labels (a retrained model gives another plan, not a failure); every key of it goes to the
real window as a key event, and the lanes are then read back and compared with the reference.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QApplication

from annotator.formats.textgrid import read_textgrid
from annotator.resources import installed_default_model
from tests.benchmarks import load_benchmark

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "resources" / "demo"
TOLERANCE_S = 0.02  # what the plan aims for, far under the ceiling (1 % of the duration)

keyboard_plan = load_benchmark("keyboard_plan")


def lanes_error(annotation, reference) -> tuple[bool, float]:
    """(every lane has the reference's segment count, the largest boundary error)."""
    worst, counts = 0.0, True
    for name in reference.lane_names:
        mine, theirs = list(annotation.lane(name)), list(reference.lane(name))
        if len(mine) != len(theirs):
            counts = False
            continue
        worst = max([worst] + keyboard_plan.boundary_errors(mine, theirs))
    return counts, worst


def send(qtbot, key: str) -> None:
    """One key press as the user makes it: a key event to the widget that has the focus."""
    combo = QKeySequence(key)[0]
    target = QApplication.focusWidget()
    assert target is not None, f"no widget has the keyboard focus for {key}"
    qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


def test_after_opening_a_recording_the_keys_drive_the_editor(window, qtbot):
    """The focus used to stay in the corpus table, which keeps the arrows, Home and End (the
    key guard) while Tab plays the selection: no key could reach the editor."""
    window.timeline.set_visible_range(0.0, 10.0)
    send(qtbot, "Right")
    send(qtbot, "Down")
    assert window.timeline.cursor_time == 0.1 and window.controller.current_lane == "music"


def test_the_keyboard_alone_brings_the_prelabelled_demo_to_its_reference(
    make_window, tmp_path: Path, qtbot
):
    """Open a copy of the demo, pre-label it with the shipped model, send the plan's keys.

    Pass: every lane has exactly the reference's number of segments and every boundary is
    within ``TOLERANCE_S`` = 0.02 s of the reference's (the issue's ceiling, 1 % of the 92 s
    recording = 0.92 s, is checked too). Before the keys the lanes must miss that bound, so the
    test measures the correction, not an already correct pre-label. No mouse event is sent,
    and the reference shortcuts (Shift+C copies the reference, D walks its disagreements) are
    never pressed; the cursor is compared with the plan's expectation after every key.
    """
    assert installed_default_model() is not None, "the shipped model is missing"
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)  # never the shipped folder: opening it writes a project there
    window = make_window()
    assert window.open_path(demo / "demo.flac")
    assert window.prelabel.prelabel_demo()  # what `annotator --demo` does on the first open
    qtbot.waitUntil(lambda: not window.prelabel.running, timeout=120000)
    qtbot.wait(20)  # the queued result and the finished signal
    assert window.prelabel.job.outcome == "done"

    doc, timeline, reference = (
        window.document,
        window.timeline,
        read_textgrid(demo / "demo.TextGrid"),
    )
    duration = timeline.duration
    counts, worst = lanes_error(doc.annotation, reference)
    assert not (counts and worst <= TOLERANCE_S), "the pre-label matches already: nothing to test"

    x0, x1 = timeline.visible_range()
    assert window.controller.selection == [] and window.controller.time_span is None
    plan = keyboard_plan.plan(
        doc.annotation, reference, duration=duration, cursor=timeline.cursor_time,
        view_width=x1 - x0, active_lane=window.controller.current_lane,
        lane_pixels=(x1 - x0) / timeline.lanes.seconds_per_pixel(), tolerance=TOLERANCE_S,
    )  # fmt: skip
    assert not set(plan.keys) & {"Shift+C", "D", "Shift+D"}

    for n, (key, expected) in enumerate(zip(plan.keys, plan.cursors, strict=True)):
        send(qtbot, key)
        assert abs(timeline.cursor_time - expected) < 1e-6, (
            f"key {n} ({key}): cursor {timeline.cursor_time:.6f} s, plan {expected:.6f} s"
        )

    counts, worst = lanes_error(doc.annotation, reference)
    assert counts, {
        n: (len(doc.annotation.lane(n)), len(reference.lane(n))) for n in reference.lane_names
    }
    assert worst <= TOLERANCE_S + 1e-9 and worst <= 0.01 * duration
    assert doc.annotation.lane_names == plan.result.lane_names
    for name in reference.lane_names:  # the window did what the planner's model of it did
        mine, planned = list(doc.annotation.lane(name)), list(plan.result.lane(name))
        assert max(keyboard_plan.boundary_errors(mine, planned), default=0.0) < 1e-6, name
    print(f"\n{len(plan.keys)} key presses; largest boundary error {worst * 1000:.1f} ms")
