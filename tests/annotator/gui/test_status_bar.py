"""The status bar on a narrow window: permanent labels side by side, room left for messages,
never touching them (issue 17 bug 6)."""

from __future__ import annotations


def test_narrow_window_keeps_messages_apart_from_the_permanent_labels(window, qtbot):
    window.model_label.setText(
        "model: nmf · a-long-model-file-name-for-a-fine-tuned-run.safetensors"
    )
    window.resize(900, 700)
    window.show()
    window.statusBar().showMessage("Pre-labelled demo.flac (3.2 s): 36 segments added")
    qtbot.wait(20)
    labels = [window.cursor_label, window.selection_label, window.model_label,
              window.playback_label, window.unsaved_label]  # fmt: skip
    shown = [label.geometry() for label in labels if label.isVisible() and label.width() > 0]
    for left, right in zip(shown, shown[1:], strict=False):
        assert left.right() < right.left()
    bar = window.statusBar()
    assert shown[-1].right() <= bar.width()
    assert shown[0].left() >= 0.2 * bar.width()  # a fifth of the bar at least for messages
    assert window.model_label.width() <= 240  # the long name is clipped, not pushing
    assert labels[0].contentsMargins().left() > 0
