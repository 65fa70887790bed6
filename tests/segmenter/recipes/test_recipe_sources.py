"""Catalogue, decoding, manifest and AMI turns; the real cache is only used when it exists."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from segmenter.recipes import RecipeError
from segmenter.recipes.ami import read_turns, turn_masks
from segmenter.recipes.catalogue import CATALOGUE, source_by_name
from segmenter.recipes.sources import Item, decode_file, load_manifest, read_audio
from segmenter.recipes.splits import load_split

CACHE = Path(__file__).resolve().parents[3] / "cache"
needs_cache = pytest.mark.skipif(
    not (CACHE / "manifest.json").exists() or not (CACHE / "split.json").exists(),
    reason="recipe cache not fetched (python -m segmenter.recipes fetch --cache cache)",
)


def test_catalogue_selects_the_intended_files() -> None:
    en = source_by_name("asterisk-en")
    assert en.selects("vm-intro.g722") and en.selects("digits/5.g722")
    assert not en.selects("silence/1.g722") and not en.selects("beep.g722")
    fillets = source_by_name("fillets-speech")
    assert fillets.selects("elk/en/deu-p-jawohl.ogg")
    assert fillets.speaker_of("elk/en/deu-p-jawohl.ogg") == "fillets-parrot"
    assert not fillets.selects("warcraft/en/war-a-move0.ogg")
    fd = source_by_name("freedesktop-noise")
    assert fd.selects("bell.oga") and not fd.selects("audio-channel-front-left.oga")
    assert source_by_name("alsa-noise").selects("Noise.wav")
    assert not source_by_name("alsa-noise").selects("Front_Left.wav")
    names = [s.name for s in CATALOGUE]
    assert len(names) == len(set(names))
    assert all(s.kind in {"speech", "music", "noise"} and s.licence for s in CATALOGUE)
    with pytest.raises(KeyError):
        source_by_name("nope")


def test_decode_downmixes_and_resamples_to_16k(tmp_path) -> None:
    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], 1) * 0.5
    path = tmp_path / "tone.wav"
    sf.write(path, stereo, 44100)
    audio = decode_file(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert audio.size == pytest.approx(16000, abs=2)
    assert np.sqrt(np.mean(audio[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_decode_failure_names_the_file(tmp_path) -> None:
    bad = tmp_path / "broken.ogg"
    bad.write_bytes(b"not audio")
    with pytest.raises(RecipeError, match="broken.ogg"):
        decode_file(bad)


def test_manifest_round_trip_and_missing_manifest(tmp_path) -> None:
    with pytest.raises(RecipeError, match="fetch"):
        load_manifest(tmp_path)
    sf.write(tmp_path / "a.flac", np.zeros(1600, np.float32), 16000)
    item = Item("s/a", "s", "noise", "", "a.flac", 0.1, "pkg", "CC0", origin="x/a.wav")
    (tmp_path / "manifest.json").write_text(json.dumps([asdict(item)]))
    assert load_manifest(tmp_path) == [item]
    assert read_audio(tmp_path, item).shape == (1600,)


def test_ami_turns_become_speech_and_overlap_masks(tmp_path) -> None:
    rttm = tmp_path / "x.rttm"
    rttm.write_text(
        "SPEAKER u 1 0.000 1.000 <NA> <NA> A <NA> <NA>\n"
        "SPEAKER u 1 0.500 1.000 <NA> <NA> B <NA> <NA>\n"
        "SPEAKER u 1 0.800 0.400 <NA> <NA> A <NA> <NA>\n"  # A overlapping A is not overlap
        "SPEAKER v 1 0.000 2.000 <NA> <NA> C <NA> <NA>\n"
    )
    sp, ov = turn_masks(read_turns(rttm), "u", 32000)
    assert sp.sum() == 24000 and sp[:24000].all()
    assert ov.sum() == 11200 and ov[8000:19200].all()  # B (0.5-1.5) meets A (0-1.2)
    (tmp_path / "bad.rttm").write_text("SPEAKER u 1 zero 1.0 <NA> <NA> A <NA> <NA>\n")
    with pytest.raises(RecipeError, match="bad.rttm:1"):
        read_turns(tmp_path / "bad.rttm")


@needs_cache
def test_fetched_cache_is_consistent() -> None:
    items = load_manifest(CACHE)
    split = load_split(CACHE)
    assert {i.id for i in items} == set(split)
    kinds = {i.kind for i in items}
    assert {"speech", "music", "noise"} <= kinds
    for side in ("train", "validation"):
        for kind in ("speech", "music", "noise"):
            assert any(i.kind == kind and split[i.id] == side for i in items)
    paths = [i.path for i in items]
    assert len(paths) == len(set(paths))
    sample = next(i for i in items if i.kind == "speech")
    assert read_audio(CACHE, sample).size == pytest.approx(sample.seconds * 16000, abs=1)
