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
* Asterisk's ``silence/`` prompts (digital silence), its beeps and two-tone signals and
  ``tt-monkeys`` (animal screeching) are not speech; left out.
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
    folders). ``speakers`` maps a glob to a speaker id; a speech file's speaker is the first match
    (overlap mixing needs it: two talkers must be different people, not two files).
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
