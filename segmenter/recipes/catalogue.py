"""Which recordings the recipe uses: package, licence, class and the files inside the package.

Kept as plain data, apart from the code that fetches it, so that the list of sources and their
licences can be read (and reviewed) in one place.

Choices that are not obvious from the issue, all made so that labels stay truthful:

* ``alsa-utils`` ships nine test sounds, but eight of them are a *voice* saying a channel name
  ("Front left"); those are used as speech (speaker ``alsa-voice``), only ``Noise.wav`` as noise.
  ``sound-theme-freedesktop`` carries the same eight spoken channel names as ``.oga``; they are
  left out (speech, and duplicates of the ALSA ones).
* ``fillets-ng-data`` has no English dialogue track in Debian (the spoken dialogues are the
  separate ``-cs``/``-nl`` packages, not in our list). Its speech is the subtitled voice lines of
  the ``elk`` level (the elk and the parrot, German/Russian phrases) and the floppy's "Oh/Ouch/Yup".
  Sound effects go to noise only when they are clearly non-vocal (keys, keyboard, motor, bubbles,
  impacts, clicks, alarms); growls, laughter, babble, moans and unknown vocal effects are left out
  of every class, because they are neither clean speech nor safe as "noise".
* ``widelands-data``: only its work and nature Foley (``sound/`` minus the interface and
  military signals, plus the ducks under ``world/critters``); its music is not used, and it has
  no voice files. ``sound/animals/boar.ogg`` is left out: the package's own sound list
  (``sound/wl-sound-docu.csv``) gives its origin as a personal-use-only SoundBible clip.
* ``scratch``: the Animal, Effects, Electronic and Human folders of ``Media/Sounds``, without
  ``Human/PartyNoise`` (a room of people: voices) and ``Electronic/Fairydust`` (a chime run:
  maybe music). Vocals (sung or spoken), Music Loops, Instruments and Percussion are not noise.
* ``gcompris-qt-data``: the recorded effects of the memory-sound activity (Lionel Allorge's
  "LR" clips) and the farm animals, read out of their ``.rcc`` files; the guitar clips, the
  "LaPause" clip and the six "Weird" clips (unknown content) are left out, and so are the
  world-music excerpts and instrument notes (music).
* Asterisk's ``silence/`` prompts (digital silence), its beeps and two-tone signals and
  ``tt-monkeys`` (animal screeching) are not speech; left out.

Label conventions (issue 16; the same in the recipe, the tests and the model card): speech is
words, read, acted or spoken, and a robot-processed voice is still speech; sung vocals are
music; laughs, screams, coughs and breaths are noise; a steady floor 30 dB or more under the
foreground is not labelled. Files whose class the name and folder do not make clear (a taunt,
a "good morning", a radio message, a battle cry, rooms full of people) are left out of every
class: nobody listened to them, and a wrong label teaches more than a missing file.

Packages of ``../shared/data/DEBIAN-AUDIO.md`` deliberately not used: asterisk-core-sounds-es/it,
asterisk-prompt-fr-armelle, wesnoth music and supertuxkart (the out-of-domain and channel
benchmarks play them as unseen material), and the freeware-licensed flight-of-the-amazon-queen and
beneath-a-steel-sky (not a free licence; the owners would have to decide).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

__all__ = [
    "Source",
    "CATALOGUE",
    "ASTERISK_NOT_SPEECH",
    "G722",
    "FREEDESKTOP_LICENCES",
    "MOH_AUTHORS",
    "source_by_name",
]


@dataclass(frozen=True)
class Source:
    """One class of recordings inside one Debian package.

    ``include``/``exclude`` are glob patterns on the path relative to ``root`` (``*`` crosses
    folders), or on the member name inside ``archive`` when the audio ships inside an archive:
    a zip (the ``.pk3`` files of Quake-engine games) or, when the name ends in ``.rcc``, a Qt
    resource file (gcompris); reading them is the only way to reach that audio. ``speakers``
    maps a glob to a speaker id; a speech file's speaker is the first match (overlap mixing
    needs it: two talkers must be different people, not two files).
    """

    name: str
    package: str
    kind: str  # "speech" | "music" | "noise"
    licence: str
    copyright: str
    root: str
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    speakers: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    raw_format: dict[str, str] = field(default_factory=dict)  # extension -> ffmpeg -f
    archive: str = ""  # a zip (.pk3) or Qt .rcc under ``root``; the globs select members

    def selects(self, relpath: str) -> bool:
        """True when the file at ``relpath`` (relative to ``root``) belongs to this source."""
        if not any(fnmatch.fnmatchcase(relpath, pat) for pat in self.include):
            return False
        return not any(fnmatch.fnmatchcase(relpath, pat) for pat in self.exclude)

    def speaker_of(self, relpath: str) -> str:
        """Speaker id of a speech file; ``""`` for music and noise."""
        for pattern, speaker in self.speakers:
            if fnmatch.fnmatchcase(relpath, pattern):
                return speaker
        return ""


G722 = {".g722": "g722"}
"""How Asterisk's raw ``.g722`` prompts are decoded (ffmpeg input format)."""
ASTERISK_NOT_SPEECH = (  # in every Asterisk prompt package, not only the English one
    "silence/*",  # digital silence
    "beep.g722",
    "beeperr.g722",
    "ascending-2tone.g722",
    "descending-2tone.g722",
    "tt-monkeys.g722",  # monkeys screeching (its intro, tt-monkeysintro, is speech)
)
_FILLETS = "usr/share/games/fillets-ng"
_TUXPAINT = "usr/share/tuxpaint/stamps"
_HEDGEWARS = "usr/share/games/hedgewars/Data"
_MEGAGLEST = "usr/share/games/megaglest"
_SCORCHED = "usr/share/games/scorched3d/data/globalmods"

TUXPAINT_LANGUAGES = ("be", "bg", "ca", "da", "el", "es", "fr", "lt", "ml", "nl", "ro", "ru")
"""Languages of tuxpaint-stamps-default's ``*_desc_LANG.ogg`` readings (plus pt_BR as .wav and
the unsuffixed English ``*_desc.ogg``)."""
HEDGEWARS_PACKS = (
    "British",
    "Classic",
    "Default",
    "Default_es",
    "Default_pl",
    "Default_ru",
    "Default_uk",
    "HillBilly",
    "Mobster",
    "Pirate",
    "Robot",
    "Russian",
    "Russian_pl",
    "Surfer",
)
"""Spoken Hedgewars voice packs; ``Singer`` is left out (its lines are sung: music by our
convention, but too short and too few to be a music source)."""
HEDGEWARS_NOT_WORDS = tuple(
    f"*/{name}"
    for name in (
        "Hmm.ogg",
        "Jump[0-9].ogg",
        "Laugh.ogg",  # noise (hedgewars-vocal-noise)
        "PoisonCough.ogg",  # noise (hedgewars-vocal-noise)
        "PoisonMoan.ogg",
        "Ooff[0-9].ogg",
        "Ow[0-9].ogg",
        "Firepunch[0-9].ogg",  # battle cries
        "Uh-oh.ogg",
    )
)
"""Files of every voice pack that are not words: grunts, moans, efforts, laughs, coughs."""
MEGAGLEST_NOISE = (
    "*_die*",  # death cries and collapsing machines: noise by convention
    "*_hit*",
    "*_walk*",
    "anvil*",
    "catapult_*",
    "tower_attack*",
    "defense_tower_attack*",
    "tech_building_fall*",
    "worker_build*",
    "worker_harvest_wood*",
    "worker_mine*",
    "worker_work_end*",
    "technician_build*",
    "orni_*",
    "cow_*",
    "pig_*",
)
"""megaglest commondata effects kept as noise; ``*_ack``/``*_select`` (spoken acknowledgements)
and the remaining ``*_attack`` files (battle cries) are not."""
_WIDELANDS = "usr/share/games/widelands/data"
WIDELANDS_FOLEY = (
    "animals",
    "atlanteans",  # stonecutter, bench saw, sawing, gold spinning
    "barbarians",  # wood hardener (creek), lime kiln, weaver, tavern kitchens
    "empire",  # beer and wine bubbling, tavern kitchens
    "farm",
    "fisher",
    "hammering",
    "metal",
    "mill",
    "other",  # falling tools
    "sawmill",
    "smiths",
    "stonecutting",
    "woodcutting",
)
"""widelands-data ``sound/`` folders of recorded work and nature sounds; the loose interface
sounds beside them (clicks, messages, lobby chat) and ``military/`` (signals) are not taken."""
_GCOMPRIS = "usr/share/gcompris-qt/rcc"
GCOMPRIS_LR_NOISE = (
    "Applauses",
    "Bark",
    "Buddhist_gong",
    "Door",
    "Factory_noise",
    "Fireballs",
    "FrogsInPond",
    "Heart_beat",
    "Hits",
    "Object_falling",
    "Rain_in_garden",
    "Ring",
    "StartAndStopCarEngine",
    "Train_slowing_down",
)
"""Name stems of the gcompris memory-sound clips taken as noise (``LR<stem>...ogg``); the
"LaPause" and "Weird" clips and the guitar clips are not."""
LINCITY_MAY_HAVE_VOICES = tuple(
    f"{name}*"
    for name in (
        "School",
        "University",
        "Market",
        "Residential",
        "Shanty",
        "SportsCroud",
        "Commune",
        "Health",
    )
)
"""LinCity-NG sounds of places full of people (voices, babble): left out, not listened to."""

CATALOGUE: tuple[Source, ...] = (
    Source(
        name="asterisk-en",
        package="asterisk-core-sounds-en-g722",
        kind="speech",
        licence="CC-BY-SA-3.0",
        copyright="2003-2010 Allison Smith (Asterisk core sounds, en_US_f_Allison)",
        root="usr/share/asterisk/sounds/en_US_f_Allison",
        include=("*.g722",),
        exclude=ASTERISK_NOT_SPEECH,
        speakers=(("*", "asterisk-en-allison"),),
        raw_format=G722,
    ),
    Source(
        name="asterisk-fr",
        package="asterisk-core-sounds-fr-g722",
        kind="speech",
        licence="CC-BY-SA-3.0",
        copyright="2006-2008 June Wallack (Asterisk core sounds, fr_CA_f_June)",
        root="usr/share/asterisk/sounds/fr_CA_f_June",
        include=("*.g722",),
        exclude=ASTERISK_NOT_SPEECH,
        speakers=(("*", "asterisk-fr-june"),),
        raw_format=G722,
    ),
    Source(
        name="fillets-speech",
        package="fillets-ng-data",
        kind="speech",
        licence="GPL-2",
        copyright="Ivo Danihelka, Pavel Danihelka, ALTAR interactive and others (Fish Fillets NG)",
        root=f"{_FILLETS}/sound",
        include=("elk/en/deu-*.ogg", "floppy/en/disk-x-au*.ogg"),
        speakers=(
            ("elk/en/deu-l-*", "fillets-elk"),
            ("elk/en/deu-p-*", "fillets-parrot"),
            ("floppy/*", "fillets-floppy"),
        ),
        notes="subtitled voice lines only (see module docstring)",
    ),
    Source(
        name="alsa-speech",
        package="alsa-utils",
        kind="speech",
        licence="GPL-2",
        copyright="The ALSA developers (alsa-utils test sounds)",
        root="usr/share/sounds/alsa",
        include=("Front_*.wav", "Rear_*.wav", "Side_*.wav"),
        speakers=(("*", "alsa-voice"),),
        notes="spoken channel names",
    ),
    Source(
        name="asterisk-moh",
        package="asterisk-moh-opsound-g722",
        kind="music",
        licence="CC-BY-SA-3.0",
        copyright="Paul Shuler (Macroform) 2009, Manolo Camp 2009, Reno Project 2008",
        root="usr/share/asterisk/moh",
        include=("*.g722",),
        raw_format=G722,
    ),
    Source(
        name="fillets-music",
        package="fillets-ng-data",
        kind="music",
        licence="GPL-2",
        copyright="ALTAR interactive and others (Fish Fillets NG)",
        root=f"{_FILLETS}/music",
        include=("*.ogg",),
    ),
    Source(
        name="asc-music",
        package="asc-music",
        kind="music",
        licence="GPL-2+",
        copyright="2002 Michael Kievernagel (Advanced Strategic Command)",
        root="usr/share/games/asc/music",
        include=("*.mp3",),
    ),
    Source(
        name="freedesktop-noise",
        package="sound-theme-freedesktop",
        kind="noise",
        licence="CC-BY-SA-3.0 / CC-BY-3.0 / GPL-2+ / GPL-2 (per file, see FREEDESKTOP_LICENCES)",
        copyright="per file, see the package's copyright file",
        root="usr/share/sounds/freedesktop/stereo",
        include=("*.oga",),
        exclude=("audio-channel-*",),
    ),
    Source(
        name="alsa-noise",
        package="alsa-utils",
        kind="noise",
        licence="GPL-2",
        copyright="The ALSA developers (alsa-utils test sounds)",
        root="usr/share/sounds/alsa",
        include=("Noise.wav",),
    ),
    Source(
        name="fillets-noise",
        package="fillets-ng-data",
        kind="noise",
        licence="GPL-2",
        copyright="Ivo Danihelka, Pavel Danihelka, ALTAR interactive and others (Fish Fillets NG)",
        root=f"{_FILLETS}/sound",
        include=(
            "linux/en/*.ogg",
            "share/*.ogg",
            "barrel/en/bar-x-kchkch.ogg",
            "barrel/en/bar-x-suck*.ogg",
            "barrel/en/bar-x-tup.ogg",
            "bathroom/en/*.ogg",
            "bathyscaph/en/*.ogg",
            "cabin1/en/*.ogg",
            "corridor/en/*.ogg",
            "dump/en/*.ogg",
            "electromagnet/en/*.ogg",
            "engine/en/*.ogg",
            "imprisoned/en/ncp-x-tik.ogg",
            "imprisoned/en/ncp-x-tup.ogg",
            "keys/en/*.ogg",
            "reactor/en/rea-x-reakttyc.ogg",
            "steel/en/*.ogg",
        ),
        notes="non-vocal sound effects only",
    ),
    # ---- issue 16, first batch (appended: sources are split one by one, seeded by name, so
    # ---- new entries never move an existing file across the split; byte-identical files keep
    # ---- their first, older, source).
    Source(
        name="tuxpaint-speech",
        package="tuxpaint-stamps-default",
        kind="speech",
        licence="GPL-2",
        copyright="2002-2022 Bill Kendrick and the Tux Paint contributors (stamp descriptions)",
        root=_TUXPAINT,
        include=tuple(f"*_desc_{lang}.ogg" for lang in TUXPAINT_LANGUAGES)
        + ("*_desc_pt_BR.wav", "*_desc.ogg"),
        speakers=tuple((f"*_desc_{lang}.*", f"tuxpaint-{lang}") for lang in TUXPAINT_LANGUAGES)
        + (("*_desc_pt_BR.*", "tuxpaint-pt_BR"), ("*_desc.ogg", "tuxpaint-en")),
        notes="one or two read sentences per stamp; one speaker id per language (not verified "
        "by ear: a language may have several readers, two languages one reader)",
    ),
    Source(
        name="festvox-ru",
        package="festvox-ru",
        kind="speech",
        licence="BSD-like (Shmyrev 2005; modifications must be marked, names kept)",
        copyright="2005 Nickolay V. Shmyrev (msu_ru_nsh_clunits recordings)",
        root="usr/share/festival/voices/russian/msu_ru_nsh_clunits/wav",
        include=("*.wav",),
        speakers=(("*", "festvox-ru-nsh"),),
        notes="natural studio recordings of the unit-selection database (not synthetic)",
    ),
    Source(
        name="hedgewars-speech",
        package="hedgewars-data",
        kind="speech",
        licence="GFDL-1.3",
        copyright="2004-2006 Andrey Korotaev and the Hedgewars Project (Data/Sounds)",
        root=f"{_HEDGEWARS}/Sounds/voices",
        include=tuple(f"{pack}/*.ogg" for pack in HEDGEWARS_PACKS),
        exclude=HEDGEWARS_NOT_WORDS,
        speakers=tuple((f"{pack}/*", f"hedgewars-{pack.lower()}") for pack in HEDGEWARS_PACKS),
        notes="acted one- or two-word lines, one speaker id per voice pack (Robot is processed "
        "speech, still speech); the Singer pack (sung) and wordless files are left out",
    ),
    Source(
        name="hedgewars-music",
        package="hedgewars-data",
        kind="music",
        licence="GPL-2",
        copyright="2004-2018 the Hedgewars Project; composers in Data/Music/credits.txt",
        root=f"{_HEDGEWARS}/Music",
        include=("*.ogg",),
    ),
    Source(
        name="ufoai-music",
        package="ufoai-music",
        kind="music",
        licence="GPL-2+ / CC-BY-SA-3.0 / CC-BY-3.0 / public domain (per file)",
        copyright="2002-2014 The UFO:AI Team and the composers named in the copyright file",
        root="usr/share/games/ufoai/base",
        archive="0music.pk3",
        include=("music/*.ogg",),
        exclude=("music/dynamictest-*",),  # excerpts for an engine test, may repeat a track
    ),
    Source(
        name="singularity-music",
        package="singularity-music",
        kind="music",
        licence="CC-BY-SA-3.0",
        copyright="2007-2008, 2012 Max McCracken",
        root="usr/share/games/singularity/music",
        include=("*.ogg",),
    ),
    Source(
        name="nexuiz-music",
        package="nexuiz-music",
        kind="music",
        licence="GPL-2+",
        copyright="2002-2009 Alientrap (Nexuiz)",
        root="usr/share/games/nexuiz/data",
        archive="music.pk3",
        include=("sound/cdtracks/*.ogg",),
    ),
    Source(
        name="supertux-music",
        package="supertux-data",
        kind="music",
        licence="GPL-2+ / CC-BY-SA (per file)",
        copyright="Marek Moeckel and the SuperTux Devel Team (see the copyright file)",
        root="usr/share/games/supertux2/music",
        include=("*.ogg",),
    ),
    Source(
        name="fretsonfire-sectoid",
        package="fretsonfire-songs-sectoid",
        kind="music",
        licence="Expat",
        copyright="2006-2007 Carlos Viola Iborra",
        root="usr/share/games/fretsonfire/data/songs/sectoid",
        include=("*/song.ogg",),
        notes="the song stem only (the lead guitar stem would repeat the song)",
    ),
    Source(
        name="fretsonfire-muldjord",
        package="fretsonfire-songs-muldjord",
        kind="music",
        licence="CC-BY-SA-3.0",
        copyright="2009 El Senator (Muldjord)",
        root="usr/share/games/fretsonfire/data/songs/muldjord",
        include=("*/song.ogg",),
        notes="the song stem only",
    ),
    Source(
        name="megaglest-music",
        package="megaglest-data",
        kind="music",
        licence="CC-BY-SA-3.0",
        copyright="2001-2008 The Glest Team, 2008-2017 The MegaGlest Team",
        root=_MEGAGLEST,
        include=("techs/megapack/factions/*/music/*.ogg", "data/core/menu/music/*.ogg"),
    ),
    Source(
        name="scorched3d-music",
        package="scorched3d-data",
        kind="music",
        licence="GPL-2+",
        copyright="2001-2014 Gavin Camp (Scorched 3D)",
        root=f"{_SCORCHED}/none/data/music",
        include=("*.ogg",),
    ),
    Source(
        name="lincity-music",
        package="lincity-ng-data",
        kind="music",
        licence="GPL-2+",
        copyright="pronobozo, Robert van Herk (LinCity-NG)",
        root="usr/share/games/lincity-ng/music/default",
        include=("*.ogg",),
    ),
    Source(
        name="megaglest-noise",
        package="megaglest-data",
        kind="noise",
        licence="CC-BY-SA-3.0",
        copyright="2001-2008 The Glest Team, 2008-2017 The MegaGlest Team",
        root=_MEGAGLEST,
        include=(
            "tilesets/*/sounds/*",  # outdoor ambience: day, night, rain, wind, animals
            "data/core/water_sounds/*.wav",
            *(f"techs/megapack/commondata/sounds/{p}" for p in MEGAGLEST_NOISE),
        ),
        exclude=("tilesets/hell/sounds/good_morning.wav",),  # a voice
        notes="ambience, animals, Foley and death cries (screams are noise); the units' spoken "
        "acknowledgements and battle cries are left out",
    ),
    Source(
        name="ufoai-noise",
        package="ufoai-sound",
        kind="noise",
        licence="GPL-2+ / CC-BY-SA-3.0 / CC-BY-3.0 / public domain (per file)",
        copyright="2002-2014 The UFO:AI Team and the authors named in the copyright file",
        root="usr/share/games/ufoai/base",
        archive="0snd.pk3",
        include=tuple(
            f"sound/{d}/*"
            for d in ("ambience", "weapons", "footsteps", "doors", "impact", "ugv", "seq")
        )
        + ("sound/misc/break*", "sound/civilians/*", "sound/soldiers/*", "sound/aliens/*"),
        exclude=(
            "sound/ambience/radiomessage.ogg",  # a voice on the radio
            "sound/ambience/tv_newswav.ogg",  # a news reader
            "sound/ambience/disco.ogg",  # music
            "sound/ambience/jingle*",  # music
        ),
        notes="ambience loops, weapons, Foley, death and pain cries (noise by convention)",
    ),
    Source(
        name="scorched3d-noise",
        package="scorched3d-data",
        kind="noise",
        licence="GPL-2+ (none mod) / CC-BY-SA-3.0 (apoc mod)",
        copyright="2001-2014 Gavin Camp; the Apocalypse mod team",
        root=_SCORCHED,
        include=("none/data/wav/*.wav", "apoc/data/wav/*.wav"),
        exclude=(
            "*/misc/play.wav",
            "*/misc/text.wav",
            "*/misc/fight4life.wav",
            "*/misc/extralife.wav",
            "*/misc/citysounds.wav",  # may carry voices
        ),
        notes="birds, waves, frogs, thunder, rain, crowd cheering, screams, vehicles, weapons",
    ),
    Source(
        name="openarena-vocal-noise",
        package="openarena-081-players",
        kind="noise",
        licence="GPL-2",
        copyright="the OpenArena team (player sounds)",
        root="usr/share/games/openarena/baseoa",
        archive="pak2-players.pk3",
        include=("sound/player/*/*.wav",),
        exclude=("sound/player/*/taunt.wav",),  # a taunt may be words
        notes="wordless vocalisations (pain, death, jump, drown, gasp) of 16 characters",
    ),
    Source(
        name="lincity-noise",
        package="lincity-ng-data",
        kind="noise",
        licence="GPL-2+",
        copyright="1995-2004 I J Peters, Greg Sharp, Corey Keasling, Ingo Ruhnke (LinCity-NG)",
        root="usr/share/games/lincity-ng/sounds",
        include=("*.wav",),
        exclude=LINCITY_MAY_HAVE_VOICES,
        notes="industry, traffic, trains, water, farms, building sites (mostly 11 kHz)",
    ),
    Source(
        name="tuxpaint-noise",
        package="tuxpaint-stamps-default",
        kind="noise",
        licence="GPL-2",
        copyright="2002-2022 Bill Kendrick and the Tux Paint contributors",
        root=_TUXPAINT,
        include=(
            "animals/*.ogg",
            "household/*.ogg",
            "vehicles/*.ogg",
            "naturalforces/*.ogg",
            "seasonal/newyears/*.ogg",
            "food/fruit/apple_red.ogg",
            "hobbies/camera_35mm.ogg",
            "town/flags/*.ogg",
        ),
        exclude=("*_desc*",),
        notes="animal calls, household and vehicle sounds, thunder, fireworks",
    ),
    Source(
        name="hedgewars-vocal-noise",
        package="hedgewars-data",
        kind="noise",
        licence="GFDL-1.3",
        copyright="2004-2006 Andrey Korotaev and the Hedgewars Project (Data/Sounds)",
        root=f"{_HEDGEWARS}/Sounds/voices",
        include=tuple(
            f"{p}/{f}" for p in HEDGEWARS_PACKS for f in ("Laugh.ogg", "PoisonCough.ogg")
        ),
        notes="laughs and coughs of the voice packs (noise by convention)",
    ),
    # ---- issue 16, noise batch (appended, for the same reason as above).
    Source(
        name="widelands-noise",
        package="widelands-data",
        kind="noise",
        licence="GPL-2+ (Debian copyright file; sound/wl-sound-docu.csv names CC0, CC-BY-3.0 "
        "and public-domain freesound/SoundBible originals for some files)",
        copyright="2002-2019 the Widelands Development Team; recordings credited in "
        "sound/wl-sound-docu.csv",
        root=_WIDELANDS,
        include=(
            *(f"sound/{folder}/*.ogg" for folder in WIDELANDS_FOLEY),
            "world/critters/*/*.ogg",  # ducks
        ),
        exclude=("sound/animals/boar.ogg",),  # personal-use-only origin (wl-sound-docu.csv)
        notes="animals (birds, crickets, frog, wolves, coyotes, stags, moose, ox, sheep, horses, "
        "ducks) and crafts Foley (smithing, sawing, mill, weaving, stonecutting, woodcutting, "
        "falling trees, hammering, scythe, fishing net, bubbling, kitchen); no music, no UI",
    ),
    Source(
        name="scratch-noise",
        package="scratch",
        kind="noise",
        licence="CC-BY-SA-3.0",
        copyright="2011 Massachusetts Institute of Technology (Scratch 1.4 Media)",
        root="usr/share/scratch/Media/Sounds",
        include=("Animal/*", "Effects/*", "Electronic/*", "Human/*"),
        exclude=("Human/PartyNoise.*", "Electronic/Fairydust.*"),
        notes="animal calls, household and vehicle effects, lasers and beeps, laughs, coughs, "
        "screams, sneezes, a baby crying, footsteps; not Vocals, loops, instruments, percussion",
    ),
    Source(
        name="gcompris-noise",
        package="gcompris-qt-data",
        kind="noise",
        licence="Free-Art-1.2 (LR*_LA/_LA_cut clips, and the folder's Licence.txt); the two "
        "LR*LACut clips are not named in the Debian copyright file (its default: GPL-3+)",
        copyright="Lionel Allorge, Yves Combe (GCompris memory-sound clips)",
        root=_GCOMPRIS,
        archive="memory-sound.rcc",
        include=tuple(f"*/memory-sound/resource/LR{clip}*.ogg" for clip in GCOMPRIS_LR_NOISE),
        notes="factory noise, rain, frogs in a storm, a train braking, applause, heartbeat, "
        "barks, a door, a gong, a car engine, hits and falling objects (real recordings)",
    ),
    Source(
        name="gcompris-farm-noise",
        package="gcompris-qt-data",
        kind="noise",
        licence="GPL-3",
        copyright="2000, 2008 Bruno Coudoin and others (GCompris explore_farm_animals)",
        root=_GCOMPRIS,
        archive="explore_farm_animals.rcc",
        include=("*/explore_farm_animals/resource/animals/*.ogg",),
        notes="owl, pig, chickens, cat, horse, cow, dog, duck, sheep",
    ),
)

FREEDESKTOP_LICENCES: dict[str, tuple[str, str]] = {
    "alarm-clock-elapsed.oga": ("CC-BY-SA-3.0", "Tim/corsica_s"),
    "audio-test-signal.oga": ("GPL-2+", "The ALSA developers"),
    "audio-volume-change.oga": ("CC-BY-SA-3.0", "Lucas McCallister"),
    "bell.oga": ("CC-BY-3.0", "Dr. Richard Boulanger et al"),
    "complete.oga": ("CC-BY-3.0", "Dr. Richard Boulanger et al"),
    "trash-empty.oga": ("CC-BY-3.0", "Dr. Richard Boulanger et al"),
    "camera-shutter.oga": ("CC-BY-SA-3.0", "freesound user horsthorstensen"),
    "device-added.oga": ("CC-BY-SA-3.0", "Ivica Bukvic"),
    "device-removed.oga": ("CC-BY-SA-3.0", "Ivica Bukvic"),
    "message.oga": ("CC-BY-SA-3.0", "Ivica Bukvic"),
    "dialog-information.oga": ("CC-BY-SA-3.0", "Ivica Bukvic"),
    "dialog-warning.oga": ("not listed in the package's copyright file", "unknown"),
    "message-new-instant.oga": ("GPL-2+", "Damien Sandras"),
    "phone-incoming-call.oga": ("GPL-2+", "Damien Sandras"),
    "phone-outgoing-busy.oga": ("GPL-2+", "Damien Sandras"),
    "phone-outgoing-calling.oga": ("GPL-2+", "Damien Sandras"),
    "service-login.oga": ("GPL-2", "The Pidgin developers"),
    "service-logout.oga": ("GPL-2", "The Pidgin developers"),
    "suspend-error.oga": ("CC-BY-SA-3.0", "Red Hat, Inc."),
}
"""Per-file licence and holder of the freedesktop theme (from its Debian copyright file)."""

MOH_AUTHORS: dict[str, str] = {
    "macroform-": "Paul Shuler (Macroform), 2009",
    "manolo_camp-": "Manolo Camp, 2009",
    "reno_project-": "Reno Project, 2008",
}
"""Author of each music-on-hold track, by file-name prefix (from the package's copyright file)."""


def source_by_name(name: str) -> Source:
    """The catalogue entry called ``name``; KeyError names the unknown source."""
    for source in CATALOGUE:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}")
