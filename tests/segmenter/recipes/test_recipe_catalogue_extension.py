"""Issue 16's new sources: archives, label conventions in the globs, held-out packages, split.

The split must not move an existing file when sources are added (the shipped model's validation
figures and the demo depend on which files are held out), and the packages the out-of-domain and
channel benchmarks use as unseen material must never become training data.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.recipes import RecipeError
from segmenter.recipes.catalogue import CATALOGUE, HEDGEWARS_PACKS, Source, source_by_name
from segmenter.recipes.sources import Item, _check_items, load_manifest, source_files
from segmenter.recipes.splits import load_split, make_split

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "cache"
FIRST_SOURCES = (
    "asterisk-en",
    "asterisk-fr",
    "fillets-speech",
    "alsa-speech",
    "asterisk-moh",
    "fillets-music",
    "asc-music",
    "freedesktop-noise",
    "alsa-noise",
    "fillets-noise",
)
"""The catalogue before issue 16, in order (new sources are appended after them)."""


def _benchmark_packages() -> set[str]:
    """Packages benchmarks/out_of_domain.py plays as unseen material (channel_robustness too)."""
    path = ROOT / "benchmarks" / "out_of_domain.py"
    spec = importlib.util.spec_from_file_location("_ood_for_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return {source.package for source in module.SOURCES}


def test_benchmark_packages_stay_held_out() -> None:
    held_out = _benchmark_packages()
    assert {"asterisk-core-sounds-it-g722", "supertuxkart-data"} <= held_out
    assert not held_out & {source.package for source in CATALOGUE}
    never = {"flight-of-the-amazon-queen", "beneath-a-steel-sky"}  # freeware licences
    assert not never & {source.package for source in CATALOGUE}


def test_first_sources_keep_their_place_and_every_source_is_well_formed() -> None:
    names = [s.name for s in CATALOGUE]
    assert tuple(names[: len(FIRST_SOURCES)]) == FIRST_SOURCES  # dedup keeps the older copy
    assert len(names) == len(set(names))
    for source in CATALOGUE:
        assert source.kind in {"speech", "music", "noise"} and source.licence and source.copyright
        assert not source.root.startswith("/") and not source.archive.startswith("/")
        if source.kind == "speech":
            assert source.speakers, source.name


def test_label_conventions_are_in_the_globs() -> None:
    speech = source_by_name("hedgewars-speech")
    assert speech.selects("Robot/Kamikaze.ogg")  # processed voice: still speech
    assert speech.speaker_of("Robot/Kamikaze.ogg") == "hedgewars-robot"
    assert speech.speaker_of("Default_pl/Hello.ogg") != speech.speaker_of("Default/Hello.ogg")
    for wordless in ("Laugh", "PoisonCough", "Ow2", "Ooff1", "Jump3", "Hmm", "Firepunch4"):
        assert not speech.selects(f"Default/{wordless}.ogg"), wordless
    assert not speech.selects("Singer/Hello.ogg")  # sung: not speech
    noise = source_by_name("hedgewars-vocal-noise")
    assert noise.selects("Pirate/Laugh.ogg") and noise.selects("Default/PoisonCough.ogg")
    assert not noise.selects("Default/Hello.ogg")
    assert len(HEDGEWARS_PACKS) == len(
        {speech.speaker_of(f"{p}/Hello.ogg") for p in HEDGEWARS_PACKS}
    )

    tux = source_by_name("tuxpaint-speech")
    assert tux.speaker_of("animals/birds/owl_desc_fr.ogg") == "tuxpaint-fr"
    assert tux.speaker_of("food/vegetables/corn_desc_pt_BR.wav") == "tuxpaint-pt_BR"
    assert tux.speaker_of("animals/birds/owl_desc.ogg") == "tuxpaint-en"
    tux_noise = source_by_name("tuxpaint-noise")
    assert tux_noise.selects("animals/birds/owl.ogg")
    assert not tux_noise.selects("animals/birds/owl_desc.ogg")

    ufo = source_by_name("ufoai-noise")
    assert ufo.archive == "0snd.pk3"
    assert ufo.selects("sound/civilians/civfemscream01a.ogg")  # screams: noise
    assert ufo.selects("sound/ambience/thunder1.ogg")
    for voice_or_music in ("radiomessage", "tv_newswav", "disco", "jingle2"):
        assert not ufo.selects(f"sound/ambience/{voice_or_music}.ogg")
    oa = source_by_name("openarena-vocal-noise")
    assert oa.selects("sound/player/sergei/death1.wav")
    assert not oa.selects("sound/player/sergei/taunt.wav")
    glest = source_by_name("megaglest-noise")
    sounds = "techs/megapack/commondata/sounds"
    assert glest.selects(f"{sounds}/archer_die1.wav") and glest.selects(
        "tilesets/forest/sounds/day.ogg"
    )
    assert not glest.selects(f"{sounds}/archer_ack3.wav")  # spoken acknowledgement
    assert not glest.selects("tilesets/hell/sounds/good_morning.wav")
    fof = source_by_name("fretsonfire-sectoid")
    assert fof.selects("Feelings/song.ogg") and not fof.selects("Feelings/guitar.ogg")


def _zip_package(root: Path, members: dict[str, bytes]) -> Source:
    base = root / "usr/share/game"
    base.mkdir(parents=True)
    with zipfile.ZipFile(base / "data.pk3", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    (base / "loose.ogg").write_bytes(b"loose")
    return Source(
        "zipped", "pkg", "noise", "CC0", "nobody", "usr/share/game", ("sound/*.ogg",),
        exclude=("sound/skip*",), archive="data.pk3",
    )  # fmt: skip


def test_archive_members_are_selected_by_the_globs_and_written_once(tmp_path) -> None:
    members = {"sound/b.ogg": b"bbb", "sound/a.ogg": b"aa", "sound/skip.ogg": b"x", "x.txt": b"t"}
    source = _zip_package(tmp_path, members)
    files = source_files(source, tmp_path)
    assert [rel for rel, _ in files] == ["sound/a.ogg", "sound/b.ogg"]
    assert [f.read_bytes() for _, f in files] == [b"aa", b"bbb"]
    stamp = files[0][1].stat().st_mtime_ns
    assert source_files(source, tmp_path) == files
    assert files[0][1].stat().st_mtime_ns == stamp  # reused, not rewritten
    # A loose-file source of the same package never sees the unpacked members.
    loose = Source("loose", "pkg", "noise", "CC0", "nobody", "usr/share/game", ("*.ogg",))
    assert [rel for rel, _ in source_files(loose, tmp_path)] == ["loose.ogg"]


def test_archive_failures_are_one_clear_line(tmp_path) -> None:
    source = _zip_package(tmp_path, {"sound/a.ogg": b"aa"})
    (tmp_path / "usr/share/game/data.pk3").write_bytes(b"not a zip")
    with pytest.raises(RecipeError, match=r"data\.pk3: cannot read archive"):
        source_files(source, tmp_path)
    other = Source("z", "pkg", "noise", "CC0", "n", "usr/share/game", ("*",), archive="none.pk3")
    with pytest.raises(RecipeError, match=r"none\.pk3: archive of source z missing"):
        source_files(other, tmp_path)
    evil = tmp_path / "evil"
    source = _zip_package(evil, {"sound/../../x.ogg": b"x"})
    source = Source("e", "pkg", "noise", "CC0", "n", "usr/share/game", ("*",), archive="data.pk3")
    with pytest.raises(RecipeError, match="unsafe member"):
        source_files(source, evil)


def test_manifest_refuses_speech_without_speaker_and_repeated_ids() -> None:
    good = Item("s/a", "s", "speech", "ann", "a.flac", 1.0, "p", "CC0")
    _check_items([good])
    with pytest.raises(RecipeError, match="no speaker"):
        _check_items([Item("s/b", "s", "speech", "", "b.flac", 1.0, "p", "CC0")])
    with pytest.raises(RecipeError, match="same item id"):
        _check_items([good, good])


def _items(source: str, n: int) -> list[Item]:
    return [
        Item(f"{source}/{k}", source, "speech", "s", "", 1.0 + k % 7, "p", "CC0") for k in range(n)
    ]


@settings(max_examples=25, deadline=None)
@given(
    old=st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 30), min_size=1),
    new=st.dictionaries(st.sampled_from("uvwxyz"), st.integers(1, 30), min_size=1),
    seed=st.integers(0, 100),
)
def test_adding_sources_moves_no_existing_file(old, new, seed) -> None:
    before_items = [i for s, n in old.items() for i in _items(s, n)]
    after_items = before_items + [i for s, n in new.items() for i in _items(s, n)]
    before = make_split(before_items, 0.2, seed, reserve=["a/0"])
    after = make_split(after_items, 0.2, seed, reserve=["a/0"])
    assert {k: after[k] for k in before} == before


@pytest.mark.skipif(
    not (CACHE / "manifest.json").exists()
    or not (CACHE / "split.json").exists()
    or "tuxpaint-speech" not in (CACHE / "manifest.json").read_text(),
    reason="recipe cache with the issue-16 sources not fetched",
)
def test_fetched_cache_holds_the_new_sources_on_both_sides() -> None:
    items = load_manifest(CACHE)
    split = load_split(CACHE)
    by_source: dict[str, set[str]] = {}
    files: dict[str, int] = {}
    for item in items:
        by_source.setdefault(item.source, set()).add(split[item.id])
        files[item.source] = files.get(item.source, 0) + 1
    fetched = {item.package for item in items}
    for source in CATALOGUE:  # a one-file source (alsa-noise) can only be on one side
        if source.package not in fetched:
            continue  # a package appended to the catalogue after this cache was fetched
        sides = {"train", "validation"} if files.get(source.name, 0) >= 2 else {"train"}
        assert by_source.get(source.name) == sides, source.name
    assert all(item.speaker for item in items if item.kind == "speech")
