"""What a phonetician adjusts first: the waveform scaled to the view (or in dB) and the
spectrogram's window, top frequency, dynamic range and pre-emphasis (issue 17 habit 4)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from annotator.gui.spectrogram_item import PRAAT, SpectrogramSettings, spectrogram
from annotator.gui.waveform_item import to_db_scale

SR = 16000


def test_spectrogram_follows_its_settings():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(SR).astype(np.float32)
    image, _, _, top = spectrogram(noise, SR, 0.0, 1.0, 200)
    assert top == 8000.0 and image.shape[0] == 512 // 2 + 1
    assert image.max() - image.min() <= 90.0 + 1e-3
    praat, _, _, top = spectrogram(noise, SR, 0.0, 1.0, 200, PRAAT)
    assert top == 5000.0
    assert praat.max() - praat.min() <= 70.0 + 1e-3
    # white noise is flat; 6 dB/octave above 50 Hz lifts 4 kHz over 500 Hz by about 18 dB
    flat = SpectrogramSettings(pre_emphasis_db=0.0, dynamic_range_db=200.0)
    lifted = SpectrogramSettings(pre_emphasis_db=6.0, dynamic_range_db=200.0)
    a, *_ = spectrogram(noise, SR, 0.0, 1.0, 200, flat)
    b, *_ = spectrogram(noise, SR, 0.0, 1.0, 200, lifted)
    bin_hz = SR / 512

    def gain(img, hz):
        return float(img[int(hz / bin_hz)].mean())

    lift = (gain(b, 4000) - gain(b, 500)) - (gain(a, 4000) - gain(a, 500))
    assert lift == pytest.approx(18.0, abs=0.5)


def test_a_short_window_tells_apart_clicks_a_long_one_blurs():
    signal = np.zeros(SR // 2, dtype=np.float32)
    signal[[4000, 4240]] = 1.0  # two clicks 15 ms apart
    columns = 400  # one column every 20 samples

    def dips(settings):
        image, t0, step, _ = spectrogram(signal, SR, 0.2, 0.3, columns, settings)
        energy = image.mean(axis=0)
        between = int(((4120 / SR) - t0) / step)
        at = int(((4000 / SR) - t0) / step)
        return energy[at] - energy[between]

    assert dips(SpectrogramSettings(window_s=0.005)) > 20.0
    assert dips(SpectrogramSettings(window_s=0.032)) < 5.0


def test_db_scale_keeps_sign_and_lifts_soft_sounds():
    y = np.array([1.0, -1.0, 0.001, -0.001, 1e-6, 0.0])
    scaled = to_db_scale(y)
    assert scaled[:2].tolist() == [1.0, -1.0]
    assert scaled[2] == pytest.approx(0.0) and scaled[4] == 0.0  # -60 dB and below: 0
    assert to_db_scale(np.array([0.1]))[0] == pytest.approx(2 / 3)


@pytest.fixture
def loud_then_quiet(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    t = np.arange(10 * SR) / SR
    y = 0.01 * np.sin(2 * np.pi * 220 * t)
    y[:SR] = 0.9 * np.sin(2 * np.pi * 220 * t[:SR])
    path = folder / "x.wav"
    soundfile.write(str(path), y.astype(np.float32), SR)
    return path


def test_waveform_scaled_to_the_view_and_in_db_from_the_view_menu(make_window, loud_then_quiet):
    window = make_window()
    assert window.open_path(loud_then_quiet)
    timeline, plot = window.timeline, window.timeline.rows["waveform"]
    timeline.set_visible_range(5.0, 7.0)
    low, high = plot.getViewBox().viewRange()[1]
    assert high == pytest.approx(0.0105, rel=0.15)  # the quiet stretch fills the row
    window.actions["waveform_local"].setChecked(False)
    assert plot.getViewBox().viewRange()[1][1] == pytest.approx(0.945, rel=0.05)  # the file's
    window.actions["waveform_db"].setChecked(True)
    _, y = timeline.waveform.getData()
    assert 0.2 < float(np.max(y)) < 0.4  # -40 dBFS on a 60 dB scale
    assert window.settings.value("view/waveform_db") in (True, "true")
    other = make_window()  # remembered
    assert other.actions["waveform_db"].isChecked()
    assert not other.actions["waveform_local"].isChecked()


def test_spectrogram_settings_from_the_dialog(window):
    window.actions["settings"].trigger()
    dialog = window.settings_dialog
    dialog._fill_spectrogram(PRAAT)
    dialog.accept()
    assert window.timeline.spectrogram.settings == PRAAT
    window.timeline._refresh_spectrogram()
    assert window.timeline.spectrogram.image.shape[0] == int(5000 / (SR / 256)) + 1
