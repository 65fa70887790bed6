"""Real room tone from the conversations' quiet stretches, as an unlabelled floor."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.recipes import room_tone
from segmenter.recipes.bank import Clip, SourceBank
from segmenter.recipes.mixing import ChunkGenerator, MixConfig
from segmenter.recipes.train import RecipeConfig, mix_config, plain

from .conftest import RATE, make_bank, tone

ROOM_HZ = 120.0


def _meeting() -> Clip:
    """10 s of a 120 Hz room hum; a talker (700 Hz) from 3 to 5 s: quiet 0–2.5 s and 5.5–10 s."""
    n = 10 * RATE
    talk = np.zeros(n, dtype=bool)
    talk[3 * RATE : 5 * RATE] = True
    audio = 0.01 * tone(ROOM_HZ, n) + np.where(talk, tone(700.0, n), 0.0).astype(np.float32)
    return Clip("ami/trnX", "conversation", audio, talk, frozenset({"a"}), np.zeros(n, bool))


def test_quiet_runs_keep_the_margin_and_drop_short_gaps():
    active = np.zeros(10 * RATE, dtype=bool)
    active[3 * RATE : 5 * RATE] = True
    active[int(7.0 * RATE) : int(7.5 * RATE)] = True  # leaves 5.5–6.5 (1 s) and 8–10 (2 s)
    assert room_tone.quiet_runs(active) == [
        (0, int(2.5 * RATE)),
        (int(5.5 * RATE), int(6.5 * RATE)),
        (8 * RATE, 10 * RATE),
    ]
    assert room_tone.quiet_runs(np.ones(RATE * 3, dtype=bool)) == []
    assert room_tone.quiet_runs(np.zeros(RATE // 2, dtype=bool)) == []  # shorter than 1 s


def test_room_tone_holds_no_talk_and_is_looped_to_length():
    tone_ = room_tone.room_tone_of(_meeting())
    assert tone_ is not None
    assert tone_.size == pytest.approx(7.0 * RATE, abs=room_tone.CROSSFADE)
    spectrum = np.abs(np.fft.rfft(tone_.astype(np.float64)))
    assert np.fft.rfftfreq(tone_.size, 1 / RATE)[spectrum.argmax()] == pytest.approx(ROOM_HZ, abs=1)
    long = room_tone.draw(np.random.default_rng(0), [tone_], 20 * RATE)
    assert long.size == 20 * RATE
    assert np.sqrt(np.mean(long.astype(np.float64) ** 2)) == pytest.approx(1.0, rel=1e-3)


def test_silence_chunks_get_the_room_unlabelled():
    bank = make_bank()
    bank = SourceBank(bank.speech, [_meeting()], bank.music, bank.noise)
    config = MixConfig(noise_floor_p=1.0, room_tone_p=1.0, noise_floor_dbfs=(-45.0, -45.0))
    chunk = ChunkGenerator(bank, config).chunk(np.random.default_rng(1), "silence")
    assert "floor/room" in chunk.parts and chunk.labels.sum() == 0
    level = 10 * np.log10(np.mean(chunk.audio.astype(np.float64) ** 2))
    assert level == pytest.approx(-45.0, abs=0.1)
    spectrum = np.abs(np.fft.rfft(chunk.audio.astype(np.float64)))
    assert np.fft.rfftfreq(chunk.audio.size, 1 / RATE)[spectrum.argmax()] == pytest.approx(
        ROOM_HZ, abs=1
    )


def test_off_by_default_and_the_default_stream_is_unchanged():
    bank = make_bank(with_conversation=True)
    base = MixConfig(noise_floor_p=1.0)
    a = ChunkGenerator(bank, base).batch(np.random.default_rng(2), 8)
    b = ChunkGenerator(bank, MixConfig(noise_floor_p=1.0, room_tone_p=0.0)).batch(
        np.random.default_rng(2), 8
    )
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    mix = mix_config(RecipeConfig(room_tone_p=0.5))
    assert mix.room_tone_p == 0.5 and plain(mix).room_tone_p == 0.0


def test_no_quiet_stretch_falls_back_to_generated_floors():
    bank = make_bank(with_conversation=True)  # its conversation has no 1-s quiet stretch
    gen = ChunkGenerator(bank, MixConfig(noise_floor_p=1.0, room_tone_p=1.0))
    parts = gen.chunk(np.random.default_rng(3), "silence").parts
    assert any(p.startswith("floor/") for p in parts) and "floor/room" not in parts
