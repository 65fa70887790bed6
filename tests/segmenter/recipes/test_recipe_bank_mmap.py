"""The source bank is memory-mapped, yet hands the mixer exactly what the in-RAM bank did.

A bank of 25 hours cannot live in RAM as float32; these tests pin down that mapping it changes
nothing the mixer sees (same chunks, bit for bit, from a seeded generator) while the samples stay
in the mapped files.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from segmenter.recipes import bank as bank_module
from segmenter.recipes.activity import MUSIC, NOISE, SPEECH, activity
from segmenter.recipes.ami import read_turns, turn_masks
from segmenter.recipes.bank import (
    MAPPED,
    Clip,
    SourceBank,
    clip_from_item,
    is_memory_mapped,
    mapped_audio,
)
from segmenter.recipes.mixing import ChunkGenerator, MixConfig
from segmenter.recipes.sources import Item, read_audio
from segmenter.recipes.splits import save_split

RATE = 16000
PARAMS = {"speech": SPEECH, "music": MUSIC, "noise": NOISE}


def _sound(rng: np.random.Generator, seconds: float, hz: float, pauses: bool) -> np.ndarray:
    """A tone plus noise, with silent pauses when ``pauses`` (so activity is not trivial)."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    x = 0.2 * np.sin(2 * np.pi * hz * t) + 0.05 * rng.standard_normal(n)
    if pauses:
        x *= (np.sin(2 * np.pi * 0.7 * t) > -0.3).astype(float)
    return x.astype(np.float32)


def make_cache(root: Path) -> list[Item]:
    """A small fetched-looking cache: speech of 3 talkers, music, noise and one conversation."""
    rng = np.random.default_rng(7)
    items: list[Item] = []

    def add(source: str, kind: str, speaker: str, k: int, audio: np.ndarray, **extra) -> None:
        rel = f"audio/{source}/{k}.flac"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(root / rel, audio, RATE, subtype="PCM_16")
        items.append(
            Item(
                f"{source}/{k}",
                source,
                kind,
                speaker,
                rel,
                audio.size / RATE,
                "pkg",
                "CC0",
                **extra,
            )
        )

    for s, (speaker, hz) in enumerate({"ann": 300.0, "bob": 800.0, "cid": 1500.0}.items()):
        for k in range(3):
            add(f"talk-{speaker}", "speech", speaker, k, _sound(rng, 2.0 + k + s, hz, True))
    for k in range(2):
        add("tracks", "music", "", k, _sound(rng, 30.0, 2500.0, False))
    for k in range(3):
        add("bangs", "noise", "", k, _sound(rng, 1.5 + k, 5000.0, True))
    rttm = root / "conv.rttm"
    rttm.write_text(
        "SPEAKER c0 1 0.500 3.000 <NA> <NA> X <NA> <NA>\n"
        "SPEAKER c0 1 2.500 3.000 <NA> <NA> Y <NA> <NA>\n"
    )
    conv = root / "c0.flac"
    sf.write(conv, _sound(rng, 8.0, 600.0, False), RATE, subtype="PCM_16")
    items.append(
        Item(
            "ami/c0",
            "ami",
            "conversation",
            "",
            str(conv),
            8.0,
            "AMI",
            "CC-BY-4.0",
            split="train",
            rttm=str(rttm),
        )
    )
    (root / "manifest.json").write_text(json.dumps([asdict(i) for i in items]))
    save_split(root, {i.id: "train" for i in items})
    return items


def in_ram_bank(cache: Path, items: list[Item]) -> SourceBank:
    """The bank exactly as it was built before mapping: decoded FLAC and masks in RAM."""
    clips = []
    for item in items:
        audio = read_audio(cache, item)
        overlap = None
        if item.kind == "conversation":
            active, overlap = turn_masks(read_turns(Path(item.rttm)), "c0", audio.size)
            speakers = frozenset({"X", "Y"})
        else:
            active = activity(audio, PARAMS[item.kind])
            speakers = frozenset({item.speaker}) if item.speaker else frozenset()
        clips.append(Clip(item.id, item.kind, audio, active, speakers, overlap))
    return SourceBank.from_clips(clips)


@pytest.fixture(autouse=True)
def map_every_file(request, monkeypatch):
    """The synthetic files are small: map them all, as the bank maps long recordings (the test
    marked ``small_files_in_memory`` keeps the real size rule)."""
    if "small_files_in_memory" not in request.node.name:
        monkeypatch.setattr(bank_module, "MAP_MIN_BYTES", 0)


def test_small_files_in_memory_keep_few_files_open(tmp_path) -> None:
    """Every mapping holds a descriptor: short files are read, so a bank of ~10 000 prompts does
    not run out of open files; the samples and chunks are the same either way."""
    items = make_cache(tmp_path)
    bank = SourceBank.from_cache(tmp_path, "train")
    clips = bank.speech + bank.music + bank.noise
    small = [c for c in clips if c.audio.nbytes + 128 < bank_module.MAP_MIN_BYTES]
    assert small and not any(is_memory_mapped(c.audio) for c in small)
    assert all(is_memory_mapped(c.audio) for c in clips if c not in small)
    assert not any(c.audio.flags.writeable for c in clips)
    assert all(
        np.array_equal(a.audio, b.audio)
        for a, b in zip(_chunks(in_ram_bank(tmp_path, items)), _chunks(bank), strict=True)
    )


def _chunks(bank: SourceBank, n: int = 40) -> list:
    generator = ChunkGenerator(bank, MixConfig())
    rng = np.random.default_rng(1234)
    return [generator.chunk(rng) for _ in range(n)]


def test_mapped_bank_gives_the_same_chunks_bit_for_bit(tmp_path) -> None:
    items = make_cache(tmp_path)
    before = _chunks(in_ram_bank(tmp_path, items))
    mapped = SourceBank.from_cache(tmp_path, "train")
    for clips in (mapped.speech, mapped.music, mapped.noise, mapped.conversations):
        assert clips and all(is_memory_mapped(c.audio) for c in clips)
    for clip in mapped.speech + mapped.music + mapped.noise:
        assert is_memory_mapped(clip.active)
    after = _chunks(mapped)
    assert {c.scenario for c in before} == {c.scenario for c in after}
    assert len({c.scenario for c in after}) >= 4  # the test exercises several scenarios
    for a, b in zip(before, after, strict=True):
        assert a.scenario == b.scenario and a.parts == b.parts
        assert np.array_equal(a.audio, b.audio)
        assert np.array_equal(a.labels, b.labels)
        assert np.array_equal(a.masks, b.masks)
    # A second load reuses the mapped files and still gives the same chunks.
    again = _chunks(SourceBank.from_cache(tmp_path, "train"))
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(after, again, strict=True))


def test_mapped_samples_equal_the_decoded_flac_and_are_read_only(tmp_path) -> None:
    items = make_cache(tmp_path)
    item = items[0]
    audio = mapped_audio(tmp_path, item)
    assert audio.dtype == np.float32 and is_memory_mapped(audio)
    assert np.array_equal(audio, read_audio(tmp_path, item))
    assert (tmp_path / MAPPED / f"{item.id}.f32.npy").exists()
    with pytest.raises(ValueError):
        audio[0] = 1.0  # the mixer must copy, never write into the bank


def test_a_rewritten_flac_is_mapped_again(tmp_path) -> None:
    items = make_cache(tmp_path)
    item = items[0]
    first = np.array(clip_from_item(tmp_path, item).audio)
    new = (0.5 * np.ones(first.size)).astype(np.float32)
    sf.write(tmp_path / item.path, new, RATE, subtype="PCM_16")
    later = os.stat(tmp_path / MAPPED / f"{item.id}.f32.npy").st_mtime_ns + 10**9
    os.utime(tmp_path / item.path, ns=(later, later))
    clip = clip_from_item(tmp_path, item)
    assert np.array_equal(clip.audio, read_audio(tmp_path, item))
    assert not np.array_equal(clip.audio, first)
    assert clip.active.all()  # the mask was recomputed from the new samples too


def test_loading_a_mapped_bank_does_not_copy_the_audio(tmp_path) -> None:
    make_cache(tmp_path)
    SourceBank.from_cache(tmp_path, "train")  # first load writes the mapped files
    tracemalloc.start()
    bank = SourceBank.from_cache(tmp_path, "train")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    audio_bytes = sum(c.audio.nbytes for g in (bank.speech, bank.music, bank.noise) for c in g)
    assert audio_bytes > 4_000_000
    # An in-RAM bank peaks above 1x the audio; what is left is the conversation's turn masks.
    assert peak < audio_bytes / 3, (peak, audio_bytes)


def test_data_card_table_counts_minutes_voices_and_licences(tmp_path) -> None:
    from segmenter.recipes.datacard import markdown, package_table

    items = make_cache(tmp_path)
    (row,) = package_table(tmp_path)
    assert row.package == "pkg" and row.licences == {"CC0"}
    assert row.voices == {"ann", "bob", "cid"}
    assert row.files == sum(1 for i in items if i.kind != "conversation")
    speech = sum(i.seconds for i in items if i.kind == "speech") / 60
    assert abs(row.minutes["speech"] - speech) < 1e-9
    assert 0 < row.active["speech"] < row.minutes["speech"]  # the pauses are not speech
    table = markdown([row])
    assert "| pkg |" in table and "| **total** |" in table
