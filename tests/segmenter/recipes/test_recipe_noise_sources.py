"""The recorded-noise batch (widelands, scratch, gcompris): what the globs take and leave.

Each package is rebuilt as a tree of empty files (gcompris: a hand-written ``.rcc``) named as in
the real Debian package, so the selection is checked file by file without the network: noise
in, and every voice, song, loop, instrument note and interface sound out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segmenter.recipes import RecipeError
from segmenter.recipes.catalogue import CATALOGUE, Source, source_by_name
from segmenter.recipes.sources import _packages, source_files
from tests.segmenter.recipes.tiny_rcc import rcc_bytes

BEFORE_THIS_BATCH = (
    "asterisk-en", "asterisk-fr", "fillets-speech", "alsa-speech", "asterisk-moh",
    "fillets-music", "asc-music", "freedesktop-noise", "alsa-noise", "fillets-noise",
    "tuxpaint-speech", "festvox-ru", "hedgewars-speech", "hedgewars-music", "ufoai-music",
    "singularity-music", "nexuiz-music", "supertux-music", "fretsonfire-sectoid",
    "fretsonfire-muldjord", "megaglest-music", "scorched3d-music", "lincity-music",
    "megaglest-noise", "ufoai-noise", "scorched3d-noise", "openarena-vocal-noise",
    "lincity-noise", "tuxpaint-noise", "hedgewars-vocal-noise",
)  # fmt: skip
"""The catalogue before this batch, in order: splits are seeded per source name and duplicate
files keep their first source, so new sources may only be appended."""
NEW = ("widelands-noise", "scratch-noise", "gcompris-noise", "gcompris-farm-noise")


def _tree(root: Path, relpaths: list[str]) -> None:
    for rel in relpaths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rel.encode())


def _selected(source: Source, package_root: Path) -> set[str]:
    return {rel for rel, _ in source_files(source, package_root)}


def test_the_batch_is_appended_and_fetched() -> None:
    names = tuple(s.name for s in CATALOGUE)
    assert names[: len(BEFORE_THIS_BATCH)] == BEFORE_THIS_BATCH
    assert names[len(BEFORE_THIS_BATCH) :][: len(NEW)] == NEW
    for name in NEW:
        source = source_by_name(name)
        assert source.kind == "noise" and source.notes
        assert source.package in _packages()
    assert {"widelands-data", "scratch", "gcompris-qt-data"} <= set(_packages())


WIDELANDS_NOISE = [
    "sound/animals/bird1_00.ogg",
    "sound/animals/crickets1_00.ogg",
    "sound/animals/wolf_02.ogg",
    "sound/atlanteans/cutting/stonecutter_00.ogg",
    "sound/atlanteans/saw/benchsaw_01.ogg",
    "sound/barbarians/weaver.ogg",
    "sound/barbarians/taverns/inn_01.ogg",
    "sound/empire/beerbubble_00.ogg",
    "sound/farm/ox_00.ogg",
    "sound/farm/scythe_00.ogg",
    "sound/fisher/fisher_throw_net.ogg",
    "sound/hammering/hammering_00.ogg",
    "sound/metal/furnace.ogg",
    "sound/mill/mill_turning_00.ogg",
    "sound/other/falling_tools_00.ogg",
    "sound/sawmill/sawmill_00.ogg",
    "sound/smiths/smith_00.ogg",
    "sound/stonecutting/stonemason.ogg",
    "sound/woodcutting/tree_falling_00.ogg",
    "world/critters/duck/duck_00.ogg",
]
WIDELANDS_NOT = [
    "music/ingame_00.ogg",  # music
    "music/menu.ogg",
    "sound/animals/boar.ogg",  # personal-use-only origin
    "sound/click.ogg",  # interface sounds
    "sound/lobby_chat.ogg",
    "sound/message_00.ogg",
    "sound/create_construction_site.ogg",
    "sound/military/under_attack.ogg",  # signals
    "sound/wl-sound-docu.csv",
]


def test_widelands_takes_the_foley_not_its_music_or_interface(tmp_path) -> None:
    source = source_by_name("widelands-noise")
    _tree(tmp_path / source.root, WIDELANDS_NOISE + WIDELANDS_NOT)
    assert _selected(source, tmp_path) == set(WIDELANDS_NOISE)


SCRATCH_NOISE = [
    "Animal/Dog1.wav",
    "Animal/SeaLion.mp3",
    "Effects/MotorcyclePassing.wav",
    "Effects/Typing.mp3",
    "Electronic/Laser1.wav",
    "Electronic/ComputerBeeps2.wav",
    "Human/Laugh-female.wav",
    "Human/Cough-male.wav",
    "Human/Scream-male2.mp3",
    "Human/Footsteps-1.wav",
    "Human/BabyCry.mp3",
]
SCRATCH_NOT = [
    "Vocals/Join-us.mp3",  # spoken or sung
    "Vocals/Singer1.wav",
    "Vocals/BeatBox1.wav",
    "Music Loops/Drum.mp3",
    "Music Loops/HumanBeatbox1.mp3",
    "Instruments/Trumpet1.wav",
    "Percussion/Gong.wav",
    "Human/PartyNoise.wav",  # a room of people: voices
    "Electronic/Fairydust.wav",  # a chime run: maybe music
]


def test_scratch_takes_effects_and_wordless_human_sounds_only(tmp_path) -> None:
    source = source_by_name("scratch-noise")
    _tree(tmp_path / source.root, SCRATCH_NOISE + SCRATCH_NOT)
    assert _selected(source, tmp_path) == set(SCRATCH_NOISE)


MEMORY_SOUND = "gcompris/src/activities/memory-sound/resource"
GCOMPRIS_NOISE = [
    "LRApplauses_1_LA_cut.ogg",
    "LRBark_3_LA_cut.ogg",
    "LRBuddhist_gong_05_LA.ogg",
    "LRDoor_Open_2_LA.ogg",
    "LRFactory_noise_06_LA.ogg",
    "LRFrogsInPondDuringStormLACut.ogg",
    "LRHeart_beat_01_LA.ogg",
    "LRRain_in_garden_01_LA_cut.ogg",
    "LRStartAndStopCarEngine1LACut.ogg",
    "LRTrain_slowing_down_01_LA_cut.ogg",
]
GCOMPRIS_NOT = [
    "guitar_melody.ogg",  # music
    "guitar_son1.ogg",
    "LRLaPause_short.ogg",  # unknown content
    "LRWeird_3_LA.ogg",
    "Licence.txt",
    "Tux_play.png",
]


def _gcompris(tmp_path: Path) -> Path:
    root = tmp_path / "usr/share/gcompris-qt/rcc"
    root.mkdir(parents=True)
    sounds = {name: name.encode() * 3 for name in GCOMPRIS_NOISE + GCOMPRIS_NOT}
    folder = {"gcompris": {"src": {"activities": {"memory-sound": {"resource": sounds}}}}}
    (root / "memory-sound.rcc").write_bytes(rcc_bytes(folder, compress=tuple(sounds)[::2]))
    animals = {"cow.ogg": b"moo", "owl.ogg": b"hoot"}
    farm = {"explore_farm_animals": {"resource": {"animals": animals, "x.svg": b"<svg/>"}}}
    music = {"explore_world_music": {"resource": {"music": {"africa.ogg": b"drums"}}}}
    tree = {"gcompris": {"src": {"activities": {**farm, **music}}}}
    (root / "explore_farm_animals.rcc").write_bytes(rcc_bytes(tree))
    return tmp_path


def test_gcompris_reads_its_clips_out_of_the_resource_files(tmp_path) -> None:
    package = _gcompris(tmp_path)
    source = source_by_name("gcompris-noise")
    files = source_files(source, package)
    assert {rel for rel, _ in files} == {f"{MEMORY_SOUND}/{n}" for n in GCOMPRIS_NOISE}
    for rel, file in files:  # written out inflated, byte for byte
        assert file.read_bytes() == rel.rsplit("/", 1)[1].encode() * 3
        assert ".archives" in file.parts
    assert source_files(source, package) == files  # the second call reuses them
    farm = source_by_name("gcompris-farm-noise")
    assert [rel.rsplit("/", 1)[1] for rel, _ in source_files(farm, package)] == [
        "cow.ogg",
        "owl.ogg",
    ]


def test_a_broken_resource_file_is_one_recipe_error(tmp_path) -> None:
    package = _gcompris(tmp_path)
    (package / "usr/share/gcompris-qt/rcc/memory-sound.rcc").write_bytes(b"qres\0\0")
    with pytest.raises(RecipeError, match=r"memory-sound\.rcc: cannot read archive"):
        source_files(source_by_name("gcompris-noise"), package)


def test_an_unsafe_member_name_in_a_resource_file_is_refused(tmp_path) -> None:
    root = tmp_path / "usr/share/game"
    root.mkdir(parents=True)
    (root / "evil.rcc").write_bytes(rcc_bytes({"..": {"x.ogg": b"x"}}))
    source = Source("e", "pkg", "noise", "CC0", "n", "usr/share/game", ("*",), archive="evil.rcc")
    with pytest.raises(RecipeError, match="unsafe member"):
        source_files(source, tmp_path)
