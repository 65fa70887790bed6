"""The evidence rows and the waveform hand pyqtgraph only the visible stretch, at about the
screen's resolution, and a pan inside what was drawn hands it nothing new."""

from __future__ import annotations

import numpy as np
import pytest

FRAMES = 40_000  # 10 s at 0.25 ms: far more frames than pixels, as an hour at 20 ms


def long_evidence(window):
    rng = np.random.default_rng(1)
    heat = rng.integers(0, 256, (16, FRAMES)).astype(np.uint8)
    posteriors = rng.random((4, FRAMES)).astype(np.float32)
    names = ("speech", "music", "noise", "overlap")
    window.timeline.set_evidence(heat, posteriors, names, (0.5,) * 4, frame_s=10.0 / FRAMES)
    return heat, posteriors


def pixels(window) -> int:
    return int(window.timeline.rows["waveform"].getViewBox().width())


def test_the_whole_file_is_drawn_from_coarse_levels(window):
    heat, posteriors = long_evidence(window)
    timeline = window.timeline
    timeline.set_visible_range(0.0, 10.0)
    width = pixels(window)
    assert timeline.heatmap.data_shape == (16, FRAMES)
    shown = timeline.heatmap.image
    assert shown.shape[0] == 16 and 0 < shown.shape[1] <= 2 * 2 * width + 2
    x, y = timeline.posteriors.curves["music"].getData()
    assert 0 < len(x) <= 2 * 2 * 2 * width + 4
    # min/max blocks: the drawn extremes are the curve's extremes
    assert y.max() == pytest.approx(posteriors[1].max()) and y.min() == pytest.approx(
        posteriors[1].min()
    )
    rect = timeline.heatmap.mapRectToParent(timeline.heatmap.boundingRect())
    assert rect.left() == pytest.approx(0.0) and rect.right() == pytest.approx(10.0, abs=1e-3)


def test_zoomed_in_it_draws_the_frames_themselves_around_the_view(window):
    heat, posteriors = long_evidence(window)
    timeline = window.timeline
    timeline.set_visible_range(4.0, 4.05)  # 200 frames
    assert timeline.heatmap.image.shape[1] >= 200
    rect = timeline.heatmap.mapRectToParent(timeline.heatmap.boundingRect())
    assert rect.left() <= 4.0 and rect.right() >= 4.05 and rect.width() < 0.2
    frame = 10.0 / FRAMES
    first = int(round(rect.left() / frame))
    shown = timeline.heatmap.image
    np.testing.assert_array_equal(shown, heat[:, first : first + shown.shape[1]])
    assert shown.shape[1] == int(round(rect.width() / frame))
    x, y = timeline.posteriors.curves["speech"].getData()
    i0 = int(round(x[0] / frame - 0.5))
    np.testing.assert_array_equal(y, posteriors[0, i0 : i0 + len(y)])


def test_a_small_pan_needs_no_new_data_a_zoom_does(window):
    long_evidence(window)
    timeline = window.timeline
    timeline.set_visible_range(2.0, 4.0)
    heat_image = timeline.heatmap.image
    wave_x = timeline.waveform.getData()[0]
    curve_x = timeline.posteriors.curves["noise"].getData()[0]
    timeline.set_visible_range(2.4, 4.4)  # inside the half-screen margin
    assert timeline.heatmap.image is heat_image
    assert timeline.waveform.getData()[0] is wave_x
    assert timeline.posteriors.curves["noise"].getData()[0] is curve_x
    timeline.set_visible_range(2.4, 3.4)  # a zoom
    assert timeline.heatmap.image is not heat_image
    assert timeline.waveform.getData()[0] is not wave_x
    assert timeline.posteriors.curves["noise"].getData()[0] is not curve_x


def test_sixteen_bit_audio_is_held_as_int16_and_drawn_in_unit_scale(window):
    audio = window.document.audio
    assert audio.samples.raw.dtype == np.int16  # the fixture writes 16-bit WAV
    low, high = window.timeline.rows["waveform"].getViewBox().viewRange()[1]
    assert 0.1 < high < 1.0 and low == pytest.approx(-high)
    _, y = window.timeline.waveform.getData()
    assert np.abs(y).max() <= 1.0
