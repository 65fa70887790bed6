"""The demo recording (~92 s) with exact reference labels, assembled from validation sources.

Plan (seconds):  0–8 music intro · 8–24 speech (English prompts) · 24–42 speech (French prompts)
over music 12 dB down · 42–48 noise events · 48–58 speech in pink noise at 10 dB SNR ·
58–88 an AMI meeting clip (conversation with overlaps) · 88–92 music outro.

The labels are the union of the placed pieces' own sample masks (prompt activity, music
activity, noise activity or generated span, AMI turns), so they are exact by construction: there
is overlap only where two AMI talkers' turns meet. Every piece comes from the *validation* side
of the split; the few noise events, which the split would otherwise put in training, are reserved
for validation (:data:`DEMO_RESERVED_IDS`, passed to the split by ``fetch``).

Licences: only CC BY-SA 3.0, CC BY 3.0/4.0 and generated material is used (no GPL clip), so the
demo as a whole can be offered under CC BY-SA 3.0 with the attribution file written beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from praatio import textgrid

from segmenter.recipes import RecipeError
from segmenter.recipes import layers as L
from segmenter.recipes.activity import runs
from segmenter.recipes.bank import Clip, clip_from_item
from segmenter.recipes.catalogue import FREEDESKTOP_LICENCES, MOH_AUTHORS, source_by_name
from segmenter.recipes.mixing import gain_for_snr
from segmenter.recipes.noises import generate
from segmenter.recipes.sources import SAMPLE_RATE, Item, load_manifest
from segmenter.recipes.splits import load_split

__all__ = [
    "DEMO_RESERVED_IDS",
    "LANES",
    "build_demo",
    "lane_segments",
    "write_rttm",
    "write_textgrid",
]

DEMO_RESERVED_IDS = (
    "freedesktop-noise/camera-shutter",
    "freedesktop-noise/trash-empty",
    "freedesktop-noise/complete",
)
LANES = (("sp", "speech"), ("mu", "music"), ("no", "noise"), ("ov", "overlap"))
URI = "demo"
SPEECH_DBFS = -23.0
MUSIC_DBFS = -26.0
NOISE_DBFS = -30.0
AMI_CLIP = "ami/dev00"


@dataclass(frozen=True)
class Section:
    """One part of the plan, for the attribution file."""

    start: float
    end: float
    what: str
    parts: tuple[str, ...]


class _Timeline:
    """The demo being assembled: audio plus one sample mask per class."""

    def __init__(self, seconds: float) -> None:
        n = int(round(seconds * SAMPLE_RATE))
        self.audio = np.zeros(n, dtype=np.float64)
        self.masks = {cls: np.zeros(n, dtype=bool) for cls, _ in LANES}
        self.sections: list[Section] = []

    def put(self, at: float, layer: L.Layer, cls: str, gain: float) -> None:
        start = int(round(at * SAMPLE_RATE))
        end = start + layer.audio.size
        self.audio[start:end] += layer.audio * gain
        self.masks[cls][start:end] |= layer.active
        if layer.overlap is not None:
            self.masks["ov"][start:end] |= layer.overlap


def _unit(layer: L.Layer) -> float:
    """Gain that brings a layer's active part to unit RMS (level is then set in dBFS)."""
    x = layer.audio[layer.active] if layer.active.any() else layer.audio
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 1.0 / rms if rms > 0 else 1.0


def _db(db: float) -> float:
    return float(10 ** (db / 20))


def _clips(cache: Path, items: list[Item], split: dict[str, str], source: str) -> list[Clip]:
    chosen = [i for i in items if i.source == source and split.get(i.id) == "validation"]
    if not chosen:
        raise RecipeError(f"{cache}: no validation file of source {source} for the demo")
    return [clip_from_item(cache, item) for item in chosen]


def _assemble(cache: Path, seed: int) -> tuple[_Timeline, list[Item]]:
    items = load_manifest(cache)
    split = load_split(cache)
    by_id = {item.id: item for item in items}
    missing = [i for i in (*DEMO_RESERVED_IDS, AMI_CLIP) if split.get(i) != "validation"]
    if missing:
        raise RecipeError(f"{cache}: demo files not on the validation side: {', '.join(missing)}")
    rng = np.random.default_rng(seed)
    english = _clips(cache, items, split, "asterisk-en")
    french = _clips(cache, items, split, "asterisk-fr")
    music = _clips(cache, items, split, "asterisk-moh")
    noise = [clip_from_item(cache, by_id[i]) for i in DEMO_RESERVED_IDS]
    ami = clip_from_item(cache, by_id[AMI_CLIP])
    t = _Timeline(92.0)
    rms: dict[str, float] = {}

    def music_at(at: float, seconds: float, what: str) -> None:
        layer = L.window(rng, music[int(rng.integers(len(music)))], int(seconds * SAMPLE_RATE))
        layer.audio = L.fade_edges(layer.audio, SAMPLE_RATE // 2)
        t.put(at, layer, "mu", _unit(layer) * _db(MUSIC_DBFS))
        t.sections.append(Section(at, at + seconds, what, tuple(layer.parts)))

    def speech(clips: list[Clip], seconds: float) -> L.Layer:
        n = int(seconds * SAMPLE_RATE)
        return L.sequence(rng, clips, n, (0.25, 0.7), rms, start_inside=False, whole=True)

    music_at(0.0, 8.0, "music intro")
    en = speech(english, 16.0)
    t.put(8.0, en, "sp", _db(SPEECH_DBFS))
    t.sections.append(Section(8.0, 24.0, "speech (English prompts)", tuple(en.parts)))

    fr = speech(french, 18.0)
    t.put(24.0, fr, "sp", _db(SPEECH_DBFS))
    bed = L.window(rng, music[int(rng.integers(len(music)))], fr.audio.size)
    bed.audio = L.fade_edges(bed.audio, SAMPLE_RATE // 4)
    g = gain_for_snr(fr.audio * _db(SPEECH_DBFS), bed.audio, 12.0, fr.active, bed.active)
    t.put(24.0, bed, "mu", g)
    t.sections.append(
        Section(
            24.0, 42.0, "speech (French prompts) over music 12 dB down", (*fr.parts, *bed.parts)
        )
    )

    events = L.sequence(
        rng, noise, 6 * SAMPLE_RATE, (0.3, 0.8), rms, start_inside=False, whole=True
    )
    t.put(42.0, events, "no", _db(NOISE_DBFS))
    t.sections.append(Section(42.0, 48.0, "noise events", tuple(events.parts)))

    en2 = speech(english, 10.0)
    t.put(48.0, en2, "sp", _db(SPEECH_DBFS))
    hiss = L.Layer(
        L.fade_edges(generate("pink", en2.audio.size, rng), SAMPLE_RATE // 4),
        np.ones(en2.audio.size, dtype=bool),
        parts=["gen/pink"],
    )
    g = gain_for_snr(en2.audio * _db(SPEECH_DBFS), hiss.audio, 10.0, en2.active)
    t.put(48.0, hiss, "no", g)
    t.sections.append(
        Section(48.0, 58.0, "speech in pink noise at 10 dB SNR", (*en2.parts, "gen/pink"))
    )

    conv = L.Layer(
        ami.audio[: 30 * SAMPLE_RATE],
        ami.active[: 30 * SAMPLE_RATE],
        ami.speakers,
        ami.overlap[: 30 * SAMPLE_RATE],
        [ami.id],
    )  # type: ignore[index]
    t.put(58.0, conv, "sp", _unit(conv) * _db(SPEECH_DBFS))
    t.sections.append(Section(58.0, 88.0, "AMI meeting: conversation with overlaps", (ami.id,)))
    music_at(88.0, 4.0, "music outro")

    peak = float(np.max(np.abs(t.audio)))
    if peak > 0.99:
        t.audio *= 0.99 / peak
    used = sorted({p for s in t.sections for p in s.parts if p in by_id})
    return t, [by_id[p] for p in used]


def lane_segments(mask: np.ndarray, rate: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Runs of ``mask`` in seconds rounded to the millisecond (touching runs merged)."""
    out: list[tuple[float, float]] = []
    for start, end in runs(mask):
        a, b = round(start / rate, 3), round(end / rate, 3)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        elif b > a:
            out.append((a, b))
    return out


def write_rttm(path: Path, segments: dict[str, list[tuple[float, float]]], uri: str = URI) -> None:
    """NIST RTTM, one ``SPEAKER`` line per segment, the lane name as the speaker field."""
    lines = [
        f"SPEAKER {uri} 1 {a:.3f} {b - a:.3f} <NA> <NA> {lane} <NA> <NA>"
        for lane, segs in segments.items()
        for a, b in segs
    ]
    lines.sort(key=lambda line: (float(line.split()[3]), line.split()[7]))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_textgrid(
    path: Path, segments: dict[str, list[tuple[float, float]]], duration: float
) -> None:
    """One IntervalTier per lane tiling [0, duration]; gaps are empty intervals."""
    grid = textgrid.Textgrid(minTimestamp=0.0, maxTimestamp=duration)
    for lane, segs in segments.items():
        entries = [(a, b, lane) for a, b in segs]
        grid.addTier(textgrid.IntervalTier(lane, entries, 0.0, duration))
    grid.save(str(path), format="long_textgrid", includeBlankSpaces=True)


def _licence(item: Item) -> tuple[str, str]:
    if item.source == "freedesktop-noise":
        return FREEDESKTOP_LICENCES.get(Path(item.origin).name, (item.licence, "unknown"))
    if item.source == "asterisk-moh":
        name = Path(item.origin).name
        authors = [a for prefix, a in MOH_AUTHORS.items() if name.startswith(prefix)]
        return item.licence, authors[0] if authors else "unknown"
    if item.source == "ami":
        return item.licence, "AMI Consortium (AMI Meeting Corpus)"
    return item.licence, source_by_name(item.source).copyright


def _attribution(sections: list[Section], used: list[Item], split: dict[str, str]) -> str:
    lines = [
        "# Attribution of the demo recording (`demo.flac`)",
        "",
        "Assembled by `python -m segmenter.recipes demo` from recorded audio of the sources below",
        "(all on the *validation* side of the training split, so the shipped model was not",
        "trained on them) plus generated pink noise. The reference labels (`demo.TextGrid`,",
        "`demo.rttm`) are exact by construction: the union of each piece's own activity",
        "(energy detector for prompts, music and noise events; AMI's manual speaker turns;",
        "overlap only where two AMI talkers' turns meet).",
        "",
        "Licence of `demo.flac`: **CC BY-SA 3.0** (an adaptation of the CC BY-SA 3.0 and",
        "CC BY 3.0/4.0 works listed below; https://creativecommons.org/licenses/by-sa/3.0/).",
        "The reference labels are ours (same terms as the project).",
        "",
        "## Plan",
        "",
        "| from s | to s | what |",
        "|---|---|---|",
        *(f"| {s.start:.1f} | {s.end:.1f} | {s.what} |" for s in sections),
        "",
        "## Sources",
        "",
        "| piece | file in package / corpus | package | licence | author | split |",
        "|---|---|---|---|---|---|",
    ]
    for item in used:
        licence, author = _licence(item)
        lines.append(
            f"| {item.id} | {item.origin} | {item.package} | {licence} | {author} | "
            f"{split.get(item.id, '?')} |"
        )
    lines += [
        "",
        "AMI Meeting Corpus: Copyright AMI Consortium, CC BY 4.0,",
        "https://groups.inf.ed.ac.uk/ami/corpus/license.shtml (clip taken from the",
        "pyannote/pyannote-audio test data).",
        "Asterisk prompts: Allison Smith (English), June Wallack (French), CC BY-SA 3.0.",
        "Music on hold: Paul Shuler (Macroform), Manolo Camp, Reno Project, CC BY-SA 3.0",
        "(asterisk-moh-opsound).",
        "",
    ]
    return "\n".join(lines)


def build_demo(cache: Path, out_dir: Path, *, seed: int = 0) -> list[Path]:
    """Write demo.flac, demo.rttm, demo.TextGrid and ATTRIBUTION.md into ``out_dir``."""
    cache, out_dir = Path(cache), Path(out_dir)
    timeline, used = _assemble(cache, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    duration = timeline.audio.size / SAMPLE_RATE
    segments = {lane: lane_segments(timeline.masks[cls]) for cls, lane in LANES}
    files = [
        out_dir / f"{URI}.flac",
        out_dir / f"{URI}.rttm",
        out_dir / f"{URI}.TextGrid",
        out_dir / "ATTRIBUTION.md",
    ]
    sf.write(files[0], timeline.audio.astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    write_rttm(files[1], segments)
    write_textgrid(files[2], segments, duration)
    files[3].write_text(_attribution(timeline.sections, used, load_split(cache)), encoding="utf-8")
    return files
