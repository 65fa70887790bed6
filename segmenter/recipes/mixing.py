"""The training stream: random broadcast-like 4 s chunks with exact frame labels.

Each chunk is one *scenario* — music, speech, speech over music, noise, speech in noise,
overlapping speech of two different talkers, or silence — built from layers whose sample masks
are known (see :mod:`.layers`), so the labels are exact by construction:

* ``sp`` where any talker's own activity is on (prompt pauses are not speech; AMI: turns);
* ``mu`` where a music layer is present and its track is not silent, at any level below speech;
* ``no`` where a noise layer is present and audible on its own (events) or generated;
* ``ov`` where two different talkers are active at once (or an AMI clip's turns overlap).

Frame convention (the default ``frame_fn``): :mod:`.frames` (WavLM's 400-sample window every
320 samples, 199 frames for 4 s). Pass another ``frame_fn`` for another front end. The level
arithmetic is :mod:`.levels`; both are re-exported here for the mixer's callers.

Levels follow the issue (music 5–20 dB below speech; speech in noise at 0–20 dB SNR) and SPEC's
overlap augmentation (second talker 0–10 dB below the first). SPEC's "add noise on top" is
``MixConfig.extra_noise_p``: any non-silent, noise-free scenario may get a noise layer 5–20 dB
down, which gives the model co-occurring music and noise. Everything is drawn from the
``numpy.random.Generator`` the caller passes: same seed, same chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from segmenter.classes import CLASSES
from segmenter.recipes import codec, noises, room_tone, rooms
from segmenter.recipes import layers as L
from segmenter.recipes.bank import Clip, SourceBank
from segmenter.recipes.frames import SAMPLE_RATE, frame_centres, n_frames, window_majority
from segmenter.recipes.levels import active_power, gain_for_snr, mix_at_snr

__all__ = [
    "CLASSES",
    "SAMPLE_RATE",
    "CHUNK_SAMPLES",
    "SCENARIOS",
    "DEFAULT_WEIGHTS",
    "FrameFn",
    "n_frames",
    "frame_centres",
    "window_majority",
    "active_power",
    "gain_for_snr",
    "mix_at_snr",
    "MixConfig",
    "Chunk",
    "ChunkGenerator",
]

CHUNK_SAMPLES = 64000
SCENARIOS = ("music", "speech", "speech_music", "noise", "speech_noise", "overlap", "silence")
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "music": 0.15,
        "speech": 0.17,
        "speech_music": 0.15,
        "noise": 0.12,
        "speech_noise": 0.15,
        "overlap": 0.18,
        "silence": 0.08,
    }
)

FrameFn = Callable[[np.ndarray], np.ndarray]
"""Sample masks (C, N) bool → frame labels (C, T) float32."""


@dataclass(frozen=True)
class MixConfig:
    """Ranges of the random draws (dB ranges are uniform, (low, high)).

    The augmentations all default to off, so ``MixConfig()`` is the plain stream the issue
    defines (the recipe validates and scores on it); the recipe turns some on for training:

    * ``event_kinds`` / ``event_scenarios``: generated event noises (engines, ticks, …), only in
      the named scenarios ("extra" = the extra noise layer; None = everywhere);
    * ``music_lowpass_p``: bass-only music (see :func:`.layers.lowpass`), levelled as heard or,
      with ``music_lowpass_keeps_level``, as the whole track before the filter;
    * ``narrowband_p``: whole chunks through a steep 3–4 kHz low-pass (telephone, 8 kHz);
    * ``noise_speed_p``: recorded noise events replayed at another speed (:func:`.layers.speed`);
    * ``noise_floor_p``: an unlabelled generated noise floor (hiss, rumble or mains hum)
      ``noise_floor_below_db`` under the labelled content, or at ``noise_floor_dbfs`` in a silent
      chunk — what real recordings carry under everything. Without it the model only ever hears
      digital silence beneath a talker and takes a faint hum under speech for bass music.
      ``floor_kinds`` are the floors drawn from (uniformly; a kind named twice is drawn twice as
      often): :data:`.noises.KINDS` by default, :data:`.noises.FLOOR_ONLY_KINDS` on request;
    * ``gsm_p``: whole chunks through the GSM 06.10 telephone codec (:mod:`.codec`), after a
      narrowband line whose labels follow what it keeps;
    * ``reverb_p``: whole chunks heard in one random room (:mod:`.rooms`: RT60 in
      ``reverb_rt60_s``, direct-to-reverberant ratio in ``reverb_drr_db``), every layer in the
      same room as in a real distant-microphone recording. The labels stay the dry activity
      (annotators mark the sound, not its echo), and the direct path is undelayed, so they stay
      aligned with what is heard first;
    * ``lossy_p``: whole chunks through a low-rate MP3 or Opus round trip (one of
      ``lossy_codecs`` at one of :data:`.codec.LOSSY_KBPS`), last of all, as an archive's
      upload would be. Labels unchanged: at these rates no class is coded away. Skipped where
      ffmpeg or the encoder is missing (see :func:`.codec.lossy_available`);
    * ``balance_sources``: music tracks and recorded noises drawn source first (every catalogue
      source as likely as any other, then a file of it) rather than file by file. The grown
      catalogue has one 240-min music pack beside 5-min ones, and hundreds of short effects in
      two packs: drawn by file, a few packs set what "music" and "noise" sound like;
    * ``room_tone_p``: share of the noise floors that are real room tone, the quiet stretches
      of the bank's conversations (:mod:`.room_tone`), instead of a generated hiss, rumble or hum;
    * ``overlap_sets_level``: a chunk where two talkers overlap gets its drawn level on the
      overlapping samples, not on everything heard. Levelled on everything, the overlapping
      stretch (two voices summed) is louder than a lone talker at the same draw, so the loudest
      speech of the stream is mostly overlap and loudness alone comes to mean overlap: run G3
      labels 20 % of a lone Italian talker's speech overlap at -47 dBFS and 52 % at -17 dBFS
      (the shipped model 6 % and 31 %). With it, overlapping frames are as loud on average as
      lone talkers' frames over the stream; a lone talker beside them in the chunk is quieter.
      Measured, it does not cure that: run G8 (G3 with this) gives lone talkers the same overlap
      posterior as G3 (mean 0.37 at -17 dBFS, 0.27 at -47 dBFS; G3 0.37 and 0.24), so the cue is
      more than the level set here (summed voices also have fewer quiet frames). Off by default.
    """

    chunk_samples: int = CHUNK_SAMPLES
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    music_below_speech_db: tuple[float, float] = (5.0, 20.0)
    speech_snr_db: tuple[float, float] = (0.0, 20.0)
    second_talker_below_db: tuple[float, float] = (0.0, 10.0)
    extra_noise_p: float = 0.15
    extra_noise_below_db: tuple[float, float] = (5.0, 20.0)
    level_dbfs: tuple[float, float] = (-35.0, -15.0)
    speech_gap_s: tuple[float, float] = (0.05, 0.8)
    noise_gap_s: tuple[float, float] = (0.0, 1.0)
    conversation_p: float = 0.3
    generated_noise_p: float = 0.4
    generated_kinds: tuple[str, ...] = noises.KINDS
    event_kinds: tuple[str, ...] = ()
    event_scenarios: tuple[str, ...] | None = None
    music_lowpass_p: float = 0.0
    music_lowpass_hz: tuple[float, float] = (150.0, 1000.0)
    music_lowpass_keeps_level: bool = False
    narrowband_p: float = 0.0
    narrowband_hz: tuple[float, float] = (3000.0, 4000.0)
    noise_speed_p: float = 0.0
    noise_speed: tuple[float, float] = (0.5, 2.0)
    partial_p: float = 0.3
    silence_dbfs: float = -90.0
    noise_floor_p: float = 0.0
    floor_kinds: tuple[str, ...] = noises.KINDS
    noise_floor_below_db: tuple[float, float] = (30.0, 50.0)
    noise_floor_dbfs: tuple[float, float] = (-85.0, -60.0)
    gsm_p: float = 0.0
    reverb_p: float = 0.0
    reverb_rt60_s: tuple[float, float] = (0.15, 0.9)
    reverb_drr_db: tuple[float, float] = (-5.0, 10.0)
    lossy_p: float = 0.0
    lossy_codecs: tuple[str, ...] = codec.LOSSY_CODECS
    balance_sources: bool = False
    room_tone_p: float = 0.0
    overlap_sets_level: bool = False


def source_of(clip: Clip) -> str:
    """The catalogue source a clip came from (its id is ``source/name``)."""
    return clip.id.split("/", 1)[0]


def by_source(clips: Sequence[Clip]) -> list[list[Clip]]:
    """``clips`` grouped by source, sources in sorted order (deterministic draws)."""
    groups: dict[str, list[Clip]] = {}
    for clip in clips:
        groups.setdefault(source_of(clip), []).append(clip)
    return [groups[name] for name in sorted(groups)]


@dataclass(frozen=True, eq=False)
class Chunk:
    """One training example: audio (N,), frame labels (4, T) in CLASSES order, sample masks."""

    audio: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    scenario: str
    parts: tuple[str, ...]


class ChunkGenerator:
    """Draws chunks of one split's :class:`SourceBank`; all randomness comes from ``rng``."""

    def __init__(
        self, bank: SourceBank, config: MixConfig | None = None, frame_fn: FrameFn = window_majority
    ) -> None:
        self.bank = bank
        self.config = config or MixConfig()
        self.frame_fn = frame_fn
        self._rms: dict[str, float] = {}
        self._speakers = bank.speakers()
        self._music_sources = by_source(bank.music)
        self._noise_sources = by_source(bank.noise)
        tones = (
            (room_tone.room_tone_of(c) for c in bank.conversations)
            if self.config.room_tone_p
            else ()
        )
        self._room_tones = [t for t in tones if t is not None]
        unknown = set(self.config.weights) - set(SCENARIOS)
        if unknown:
            raise ValueError(f"unknown scenarios {sorted(unknown)}; known: {SCENARIOS}")
        codecs = self.config.lossy_codecs
        if self.config.lossy_p > 0 and (not codecs or set(codecs) - set(codec.LOSSY_CODECS)):
            raise ValueError(f"lossy_codecs {codecs} must name some of {codec.LOSSY_CODECS}")
        self.scenarios = tuple(
            s for s in SCENARIOS if self.config.weights.get(s, 0) > 0 and self._possible(s)
        )
        if not self.scenarios:
            raise ValueError("the bank holds nothing any weighted scenario can use")
        w = np.array([self.config.weights[s] for s in self.scenarios], dtype=np.float64)
        self._p = w / w.sum()
        seconds = np.array([sum(c.audio.size for c in v) for v in self._speakers.values()], float)
        self._speaker_p = np.sqrt(seconds) / np.sqrt(seconds).sum() if seconds.size else seconds

    def _possible(self, scenario: str) -> bool:
        """Whether the bank holds what ``scenario`` needs (so a small bank still works)."""
        speech = bool(self._speakers) or bool(self.bank.conversations)
        music = bool(self.bank.music)
        pairs = len(self._speakers) >= 2 or (bool(self._speakers) and bool(self.bank.conversations))
        return {
            "music": music,
            "noise": True,
            "silence": True,
            "speech": speech,
            "speech_music": speech and music,
            "speech_noise": speech,
            "overlap": pairs,
        }[scenario]

    # -- layers -----------------------------------------------------------------------------
    def _talker(self, rng: np.random.Generator, exclude: frozenset[str] = frozenset()) -> L.Layer:
        names = [s for s in self._speakers if s not in exclude]
        p = np.array([self._speaker_p[list(self._speakers).index(s)] for s in names])
        name = names[int(rng.choice(len(names), p=p / p.sum()))]
        n = self.config.chunk_samples
        return L.sequence(rng, self._speakers[name], n, self.config.speech_gap_s, self._rms)

    def _speech(self, rng: np.random.Generator) -> L.Layer:
        conv = self.bank.conversations
        if conv and (not self._speakers or rng.random() < self.config.conversation_p):
            return self._conversation(rng)
        return self._talker(rng)

    def _conversation(self, rng: np.random.Generator, tries: int = 4) -> L.Layer:
        """A window of a conversation, redrawn (a few times) while it holds little speech.

        Some AMI clips are mostly silence; without the redraw a "speech" chunk would often hold
        none. The labels stay exact whichever window is kept.
        """
        conv, n = self.bank.conversations, self.config.chunk_samples
        for _ in range(tries):
            layer = L.window(rng, conv[int(rng.integers(len(conv)))], n)
            if layer.active.mean() >= 0.25:
                break
        return layer

    def _music(self, rng: np.random.Generator, under: L.Layer | None = None) -> L.Layer:
        """A music window; ``under`` a talker, it is set ``music_below_speech_db`` below it.

        A low-passed (bass-only) track is levelled either as heard after the filter or, with
        ``music_lowpass_keeps_level``, as the whole track before it: in a real mix the level is
        set for the song, and its bass-only passages are then quieter than that.
        """
        cfg = self.config
        tracks = self._pool(rng, self.bank.music, self._music_sources)
        clip = tracks[int(rng.integers(len(tracks)))]
        layer = L.window(rng, clip, cfg.chunk_samples)
        lowpass = cfg.music_lowpass_p > 0 and rng.random() < cfg.music_lowpass_p
        if lowpass and not cfg.music_lowpass_keeps_level:
            layer = L.lowpass(rng, layer, cfg.music_lowpass_hz)
        if rng.random() < cfg.partial_p:
            layer = L.partial_span(rng, layer)
        if under is not None:
            layer = self._below(rng, under, layer, cfg.music_below_speech_db)
        if lowpass and cfg.music_lowpass_keeps_level:
            layer = L.lowpass(rng, layer, cfg.music_lowpass_hz)
        return layer

    def _noise(self, rng: np.random.Generator, scenario: str | None = None) -> L.Layer:
        """A recorded or generated noise; generated *event* kinds (engines, ticks, …) only in
        ``event_scenarios`` (all when None), so they can be kept out of e.g. two-talker chunks."""
        cfg, n = self.config, self.config.chunk_samples
        events = cfg.event_scenarios is None or scenario in cfg.event_scenarios
        kinds = cfg.generated_kinds + (cfg.event_kinds if events else ())
        if not self.bank.noise or rng.random() < self.config.generated_noise_p:
            layer = L.stationary_noise(rng, n, kinds)
            return L.partial_span(rng, layer) if rng.random() < self.config.partial_p else layer
        factor = 1.0
        if cfg.noise_speed_p > 0 and rng.random() < cfg.noise_speed_p:
            factor = float(np.exp(rng.uniform(*np.log(cfg.noise_speed))))
        pool = self._pool(rng, self.bank.noise, self._noise_sources)
        layer = L.sequence(rng, pool, int(np.ceil(n * factor)), cfg.noise_gap_s, self._rms)
        if factor != 1.0:
            layer = L.speed(layer, factor, n)
        return layer if layer.active.any() else L.stationary_noise(rng, n, kinds)

    def _pool(
        self, rng: np.random.Generator, clips: list[Clip], sources: list[list[Clip]]
    ) -> list[Clip]:
        """The clips to draw from: all of them, or one source's (``balance_sources``)."""
        if not self.config.balance_sources:
            return clips
        return sources[int(rng.integers(len(sources)))]

    # -- scenarios --------------------------------------------------------------------------
    def _below(self, rng, base: L.Layer, other: L.Layer, db: tuple[float, float]) -> L.Layer:
        """``other`` scaled to sit U(db) dB below ``base`` (powers over their active samples)."""
        if not base.active.any() or not other.active.any():
            return other.scaled(10 ** (-rng.uniform(*db) / 20))
        g = gain_for_snr(base.audio, other.audio, rng.uniform(*db), base.active, other.active)
        return other.scaled(g)

    def _layers(self, rng: np.random.Generator, scenario: str) -> dict[str, list[L.Layer]]:
        cfg = self.config
        if scenario == "music":
            return {"mu": [self._music(rng)]}
        if scenario == "noise":
            return {"no": [self._noise(rng, scenario)]}
        if scenario == "silence":
            return {}
        first = self._speech(rng)
        if scenario == "speech":
            return {"sp": [first]}
        if scenario == "speech_music":
            return {"sp": [first], "mu": [self._music(rng, under=first)]}
        if scenario == "speech_noise":
            return {
                "sp": [first],
                "no": [self._below(rng, first, self._noise(rng, scenario), cfg.speech_snr_db)],
            }
        if len(self._speakers) < 2:  # one talker: it can only join a conversation
            first = self._conversation(rng)
        elif not first.speakers or not set(self._speakers) - first.speakers:
            first = self._talker(rng)  # need a talker with someone else left to pair with
        second = self._talker(rng, exclude=first.speakers)
        return {"sp": [first, self._below(rng, first, second, cfg.second_talker_below_db)]}

    def draw_scenario(self, rng: np.random.Generator) -> str:
        """One scenario, drawn by the configured weights."""
        return self.scenarios[int(rng.choice(len(self.scenarios), p=self._p))]

    def chunk(self, rng: np.random.Generator, scenario: str | None = None) -> Chunk:
        """One chunk of ``scenario`` (drawn by the configured weights when None)."""
        cfg, n = self.config, self.config.chunk_samples
        if scenario is None:
            scenario = self.draw_scenario(rng)
        elif scenario not in self.scenarios:
            raise ValueError(f"scenario {scenario!r} not available; have {self.scenarios}")
        groups = self._layers(rng, scenario)
        if groups and "no" not in groups and rng.random() < cfg.extra_noise_p:
            main = [layer for layers in groups.values() for layer in layers][0]
            extra = self._noise(rng, "extra")
            groups["no"] = [self._below(rng, main, extra, cfg.extra_noise_below_db)]
        narrow = cfg.narrowband_p > 0 and rng.random() < cfg.narrowband_p
        gsm = cfg.gsm_p > 0 and rng.random() < cfg.gsm_p
        if narrow or gsm:  # a GSM line is an 8 kHz line: labels follow what it keeps
            groups = self._narrowband(rng, groups)
        room = None
        if groups and cfg.reverb_p > 0 and rng.random() < cfg.reverb_p:
            room = rooms.draw_room(rng, cfg.reverb_rt60_s, cfg.reverb_drr_db, SAMPLE_RATE)
        masks = np.zeros((len(CLASSES), n), dtype=bool)
        audio = np.zeros(n, dtype=np.float64)
        for name, layers in groups.items():
            row = CLASSES.index(name)
            for layer in layers:
                audio += layer.audio
                masks[row] |= layer.active
                if layer.overlap is not None:
                    masks[CLASSES.index("ov")] |= layer.overlap
        talkers = groups.get("sp", [])
        if len(talkers) == 2:
            masks[CLASSES.index("ov")] |= talkers[0].active & talkers[1].active
        parts = tuple(p for layers in groups.values() for layer in layers for p in layer.parts)
        if room is not None:  # convolution is linear: the sum's echo is the sum of the layers'
            audio = rooms.reverberate(audio, room)
            parts += (room.part,)
        heard, overlap = masks.any(axis=0), masks[CLASSES.index("ov")]
        levelled = overlap if cfg.overlap_sets_level and overlap.any() else heard
        audio = self._level(rng, audio, levelled)
        if cfg.noise_floor_p > 0 and rng.random() < cfg.noise_floor_p:
            audio, kind = self._noise_floor(rng, audio, heard)
            parts += (f"floor/{kind}",)
        if gsm:
            audio = codec.gsm_roundtrip(audio, SAMPLE_RATE)
            parts += ("codec/gsm",)
        if cfg.lossy_p > 0 and rng.random() < cfg.lossy_p:
            audio, part = self._lossy(rng, audio)
            parts += (part,) if part else ()
        return Chunk(audio, self.frame_fn(masks), masks, scenario, parts)

    def _narrowband(
        self, rng: np.random.Generator, groups: dict[str, list[L.Layer]]
    ) -> dict[str, list[L.Layer]]:
        """The whole chunk through one steep low-pass at 3–4 kHz: a telephone line or an 8 kHz
        archive. Filtered layer by layer (the filter is linear, so the sum is the filtered
        mix) so each layer's label follows what is left of it."""
        low, high = self.config.narrowband_hz
        cutoff = float(rng.uniform(low, high))
        return {
            name: [L.lowpass(rng, layer, (cutoff, cutoff), order=8) for layer in layers]
            for name, layers in groups.items()
        }

    def _lossy(self, rng: np.random.Generator, audio: np.ndarray) -> tuple[np.ndarray, str]:
        """``audio`` through one of ``lossy_codecs`` at a drawn bit rate, and its part name;
        unchanged with no name where the codec is not installed (drawn all the same, so the
        random stream does not depend on what is installed)."""
        names = self.config.lossy_codecs
        name = names[int(rng.integers(len(names)))]
        rates = codec.LOSSY_KBPS[name]
        kbps = rates[int(rng.integers(len(rates)))]
        if not codec.lossy_available(name):
            return audio, ""
        return codec.lossy_roundtrip(audio, name, kbps, SAMPLE_RATE), f"codec/{name}/{kbps}k"

    def _level(self, rng: np.random.Generator, audio: np.ndarray, heard: np.ndarray) -> np.ndarray:
        """Random overall level over the labelled samples; never clip; silence is faint dither."""
        cfg = self.config
        power = active_power(audio, heard) if heard.any() else 0.0
        if power > 0:
            audio = audio * (10 ** (rng.uniform(*cfg.level_dbfs) / 20) / np.sqrt(power))
            peak = float(np.max(np.abs(audio)))
            if peak > 0.99:
                audio *= 0.99 / peak
        dither = 10 ** (cfg.silence_dbfs / 20) * rng.standard_normal(audio.size)
        return (audio + dither).astype(np.float32)

    def _noise_floor(
        self, rng: np.random.Generator, audio: np.ndarray, heard: np.ndarray
    ) -> tuple[np.ndarray, str]:
        """``audio`` plus an unlabelled stationary noise far below what is labelled (or at a low
        absolute level when nothing is): drawn last, so the rest of the chunk is the same chunk
        the seed gives without it."""
        cfg = self.config
        if cfg.room_tone_p > 0 and self._room_tones and rng.random() < cfg.room_tone_p:
            kind, floor = "room", room_tone.draw(rng, self._room_tones, audio.size)
        else:
            kind = cfg.floor_kinds[int(rng.integers(len(cfg.floor_kinds)))]
            floor = noises.generate(kind, audio.size, rng)
        if heard.any():
            level_db = 10 * np.log10(active_power(audio, heard)) - rng.uniform(
                *cfg.noise_floor_below_db
            )
        else:
            level_db = rng.uniform(*cfg.noise_floor_dbfs)
        return (audio + floor * np.float32(10 ** (level_db / 20))).astype(np.float32), kind

    def batch(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` chunks stacked: audio (B, N) float32 and labels (B, 4, T) float32."""
        chunks = [self.chunk(rng) for _ in range(size)]
        return np.stack([c.audio for c in chunks]), np.stack([c.labels for c in chunks])
