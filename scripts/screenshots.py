"""Render the editor offscreen into docs/screenshots/ (run: python scripts/screenshots.py).

Builds a small synthetic corpus in a temporary folder (a tone-and-noise recording with model-like
segments and synthetic evidence), opens it in the real window and saves `QWidget.grab()`s, so
the pictures always show the current code. Needs no display (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SR = 16000


def synthetic_recording(path: Path, seconds: float = 30.0) -> None:
    """Alternating 'speech' (AM harmonic buzz), 'music' (chord) and noise, with pauses."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * SR)) / SR
    signal = 0.01 * rng.standard_normal(t.size)
    for a, b in [(1.0, 6.5), (8.0, 12.0), (18.5, 24.0)]:
        m = (t >= a) & (t < b)
        f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t[m])
        phase = 2 * np.pi * np.cumsum(f0) / SR
        buzz = sum(np.sin(h * phase) / h for h in range(1, 12))
        signal[m] += 0.25 * buzz * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t[m]) ** 2)
    m = (t >= 11.0) & (t < 19.0)
    signal[m] += 0.12 * sum(np.sin(2 * np.pi * f * t[m]) for f in (261.6, 329.6, 392.0, 523.2))
    m = (t >= 25.0) & (t < 29.0)
    signal[m] += 0.15 * rng.standard_normal(int(m.sum()))
    soundfile.write(str(path), signal.astype(np.float32), SR)


def synthetic_evidence(seconds: float):
    from annotator.evidence.cache import Evidence

    frames = int(seconds / 0.02)
    x = np.arange(frames) * 0.02
    rng = np.random.default_rng(3)

    def bump(a: float, b: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(x - a) * 8)) * (1 / (1 + np.exp((x - b) * 8)))

    speech = np.clip(bump(1, 6.5) + bump(8, 12) + bump(18.5, 24) + 0.05 * rng.random(frames), 0, 1)
    music = np.clip(bump(11, 19) + 0.05 * rng.random(frames), 0, 1)
    noise = np.clip(bump(25, 29) + 0.1 * rng.random(frames), 0, 1)
    overlap = np.clip(np.minimum(speech, music), 0, 1)
    posteriors = np.stack([speech, music, noise, overlap])
    activations = np.abs(rng.standard_normal((24, frames))) * 0.2
    for k in range(24):
        activations[k] += posteriors[k % 4] * rng.random() * 2
    onsets = {"sp": 0.5, "mu": 0.5, "no": 0.6, "ov": 0.4}
    return Evidence(
        model="synthetic (screenshots)",
        classes=tuple(onsets),
        lanes=("speech", "music", "noise", "overlap"),
        posteriors=posteriors.astype(np.float32),
        H=activations,
        duration=seconds,
        thresholds={c: {"onset": v, "offset": max(v - 0.1, 0.0)} for c, v in onsets.items()},
        prelabeler="synthetic",
    )


def prelabel_model(folder: Path) -> tuple[Path, str]:
    """The shipped default model if installed, else a small random one (labels then are noise,
    but the picture shows how model output looks and where the controls are)."""
    from annotator.gui.prelabel_actions import default_model

    shipped = default_model()
    if shipped is not None:
        return shipped, "default model"
    import torch

    from segmenter.checkpoint import save_model
    from segmenter.model import ModelConfig, NMFSegmenter

    torch.manual_seed(1)
    model = NMFSegmenter(ModelConfig(n_components=32, bottleneck_channels=8, hidden_channels=16))
    for p in model.parameters():
        p.data.normal_(0, 0.3)
    path = folder / "random-model.safetensors"
    save_model(
        model,
        path,
        thresholds={
            c: {"onset": 0.5, "offset": 0.4, "min_on": 0.2, "min_off": 0.2}
            for c in ("sp", "mu", "no", "ov")
        },
    )
    return path, "random model (no default model installed)"


def prelabelled_view(app, folder: Path, settle) -> None:
    """The demo (or a synthetic recording) pre-labelled through the real menu action."""
    from PyQt6.QtCore import QSettings

    from annotator.core import MoveBoundary, RelabelSegment
    from annotator.gui.main_window import MainWindow
    from annotator.resources import ResourceMissing, resource_path

    model, what = prelabel_model(folder)
    settings = QSettings(str(folder / "settings2.ini"), QSettings.Format.IniFormat)
    settings.setValue("prelabel/nmf/model", str(model))
    window = MainWindow(settings=settings)
    window.resize(1500, 900)
    window.show()
    try:
        demo = resource_path("demo", "demo.flac")
        copy = folder / "demo" / "demo.flac"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(demo.read_bytes())
        textgrid = demo.with_suffix(".TextGrid")
        if textgrid.exists():  # the reference labels, for the why-panel's example stretch
            copy.with_suffix(".TextGrid").write_bytes(textgrid.read_bytes())
    except ResourceMissing:
        copy = folder / "interview_01.wav"
    window.open_path(copy)
    window.actions["prelabel:nmf"].trigger()
    while window.prelabel.running:
        app.processEvents()
    settle()
    doc = window.document
    # a person has confirmed one model segment and moved its end: drawn solid, not dashed
    lane = max(doc.annotation.lane_names, key=lambda n: len(doc.annotation.lane(n)))
    if len(doc.annotation.lane(lane)):
        first = doc.annotation.lane(lane)[0]
        window.controller.push(RelabelSegment(lane, first, first.label))
        accepted = doc.annotation.lane(lane).at(first.start)
        window.controller.push(
            MoveBoundary(lane, accepted, "end", first.start + first.duration * 0.7)
        )
    window.timeline.set_visible_range(0.0, min(30.0, doc.duration))
    settle(window)
    window.statusBar().showMessage(f"Pre-labelled with the {what}")
    window.grab().save(str(OUT / "editor-prelabelled.png"))
    explain_views(window, settle)
    compare_view(window, folder, settle)
    doc.stack.clear()
    doc.stack.setClean()
    window.close()


def explain_views(window, settle) -> None:
    """The component inspector and the why-this-label panel beside the pre-labelled view."""
    from PyQt6.QtCore import Qt

    from annotator.core import Source

    doc, tools = window.document, window.explain
    if doc.evidence is None or not doc.evidence.explainable:
        print("no explainable evidence: inspector / why-panel screenshots skipped")
        return
    # a stretch a person labelled speech (the demo's reference), else the longest model segment
    lane, span = "speech", None
    reference = doc.path.with_suffix(".TextGrid")
    if reference.exists():
        from annotator.formats import read_annotation

        spans = [s for s in read_annotation(reference).lane("speech") if 1.0 <= s.duration <= 4]
        if spans:
            span = (spans[0].start, spans[0].end)
    if span is None:
        found = [(n, s) for n, s in doc.annotation.segments() if s.source is Source.MODEL]
        if not found:
            print("no model segment to explain: inspector / why-panel screenshots skipped")
            return
        lane, segment = max(found, key=lambda p: min(p[1].duration, 4.0))
        span = (segment.start, segment.end)
    window.controller.time_span = span
    window.controller.set_selection([])
    tools.why.set_class(lane)
    window.timeline.set_visible_range(max(0.0, span[0] - 4.0), span[1] + 4.0)
    tools.show_panel("why")
    window.resizeDocks([tools.docks["why"]], [640], Qt.Orientation.Horizontal)
    settle(window)
    why = tools.refresh_why()
    settle(window)
    window.grab().save(str(OUT / "why-panel.png"))
    k = why.components[0].k if why is not None and why.components else 0
    tools.filter_heatmap(lane)
    tools.inspect(k)
    settle(window)
    window.grab().save(str(OUT / "inspector.png"))


def long_recording_view(folder: Path, settle) -> None:
    """Zoomed to a selection (Ctrl+N) 25 minutes into a 40-minute recording: the time axis
    in clock time, never "ks"."""
    from PyQt6.QtCore import QSettings

    from annotator.core import AddSegment, Segment
    from annotator.gui.main_window import MainWindow

    piece = folder / "interview_01.wav"
    samples, rate = soundfile.read(str(piece), dtype="float32")
    long_folder = folder / "long"
    long_folder.mkdir(exist_ok=True)
    path = long_folder / "meeting_40min.flac"
    with soundfile.SoundFile(str(path), "w", rate, 1, subtype="PCM_16") as out:
        for _ in range(80):
            out.write(samples)
    settings = QSettings(str(folder / "settings3.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1500, 900)
    window.show()
    window.open_path(path)
    at = 25 * 60.0
    for a, b in ((1.0, 6.5), (8.0, 12.0), (18.5, 24.0)):
        window.controller.push(AddSegment("speech", Segment(at + a, at + b, "speech")))
    selected = window.document.annotation.lane("speech").at(at + 9.0)
    window.controller.set_selection([("speech", selected)])
    window.timeline.set_visible_range(at - 120.0, at + 180.0)
    window.controller.zoom_to_selection()
    window.controller.set_cursor(at + 9.3)
    settle(window)
    window.grab().save(str(OUT / "editor-long-zoomed.png"))
    window.document.stack.clear()
    window.document.stack.setClean()
    window.close()


def compare_view(window, folder: Path, settle) -> None:
    """The compare panel with a speaker-turn reference mapped onto speech and overlap: the
    demo's own reference written as speakers (its prompt speech as one talker, the AMI stretch
    as AMI's manual turns, shifted to where the demo plays them)."""
    from PyQt6.QtCore import Qt

    from annotator.formats import read_annotation

    ami = Path(__file__).resolve().parents[2] / "shared" / "data" / "ami" / "dev.rttm"
    reference = window.document.path.with_suffix(".TextGrid")
    if not ami.is_file() or not reference.exists():
        print("no AMI turns or demo reference: compare screenshot skipped")
        return
    demo = read_annotation(reference)
    lines = [
        f"SPEAKER demo 1 {s.start:.3f} {s.duration:.3f} <NA> <NA> PROMPTS <NA> <NA>"
        for s in demo.lane("speech")
        if s.end <= 58.0 or s.start >= 88.0
    ]
    for line in ami.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[1] == "dev00":
            onset, duration = float(fields[3]) + 58.0, float(fields[4])
            lines.append(
                f"SPEAKER demo 1 {onset:.3f} {duration:.3f} <NA> <NA> {fields[7]} <NA> <NA>"
            )
    for lane in ("music", "noise"):
        lines += [
            f"SPEAKER demo 1 {s.start:.3f} {s.duration:.3f} <NA> <NA> {lane} <NA> <NA>"
            for s in demo.lane(lane)
        ]
    turns = folder / "demo-speaker-turns.rttm"
    turns.write_text("\n".join(lines) + "\n")
    window.prompts.map_speakers = lambda name, speakers: True  # the question, answered yes
    window.explain.load_reference(turns)
    tools = window.explain
    tools.filter_heatmap("")
    for name in ("inspector", "why"):
        tools.docks[name].hide()
    tools.show_panel("compare")
    window.resizeDocks([tools.docks["compare"]], [640], Qt.Orientation.Horizontal)
    window.timeline.set_visible_range(56.0, 90.0)
    settle(window)
    window.grab().save(str(OUT / "compare-speaker-turns.png"))


def model_segments(annotation) -> None:
    from annotator.core import Segment, Source

    spans = {
        "speech": [(1.0, 6.5, 0.93), (8.0, 12.0, 0.81), (18.5, 24.0, 0.62)],
        "music": [(11.0, 19.0, 0.88)],
        "noise": [(25.0, 29.0, 0.55)],
        "overlap": [(11.0, 12.0, 0.41)],
    }
    for lane, items in spans.items():
        for a, b, c in items:
            annotation.lane(lane).add(Segment(a, b, lane, c, Source.MODEL))


def main() -> int:
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from annotator.core import Segment, Source
    from annotator.gui.app import application
    from annotator.gui.main_window import MainWindow

    app = application()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("interview_01.wav", "interview_02.wav", "radio_show.wav"):
            synthetic_recording(folder / name)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.resize(1500, 900)
        window.show()
        window.open_folder(folder)
        doc = window.document
        model_segments(doc.annotation)
        doc.annotation.lane("speech").remove(doc.annotation.lane("speech")[0])
        doc.annotation.lane("speech").add(Segment(1.0, 6.5, "speech", None, Source.HUMAN))
        doc.evidence = synthetic_evidence(doc.duration)
        window._show_document(doc)
        window.controller.set_selection([("speech", doc.annotation.lane("speech")[1])])
        window.controller.set_cursor(9.3)

        def settle(target=window) -> None:
            for _ in range(10):
                app.processEvents()
                QApplication.sendPostedEvents()
            target.timeline._refresh_spectrogram()
            app.processEvents()

        settle()
        window.grab().save(str(OUT / "editor.png"))
        window.timeline.set_visible_range(7.0, 13.5)
        settle()
        window.grab().save(str(OUT / "editor-zoomed.png"))
        window.show_keys()
        settle()
        window.cheat_sheet.grab().save(str(OUT / "keyboard-map.png"))
        window.document.stack.clear()
        window.document.stack.setClean()
        window.close()
        long_recording_view(folder, settle)
        prelabelled_view(app, folder, settle)
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
