"""Fetch the catalogue's Debian packages into a cache and decode them to 16 kHz mono FLAC.

Layout of the cache (all of it reproducible from the catalogue, never committed)::

    <cache>/debs/<package>_<version>_<arch>.deb      apt-get download
    <cache>/extracted/<package>/...                  dpkg-deb -x (no root, nothing installed)
    <cache>/audio/<source>/<relpath>.flac            16 kHz mono, 16-bit
    <cache>/manifest.json                            one entry per usable file (Item)

Decoding goes through ffmpeg (the only tool here that reads raw G.722) at the file's own rate
and channel count; channels are then averaged and soxr resamples to 16 kHz, as the rest of the
segmenter does. Files whose bytes are identical
to an earlier one (fillets-ng ships the same effect under several levels) are kept once, so a
split by file cannot put one recording on both sides.

The AMI clips are not copied: the manifest points at them where they lie, with their fixed split.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO

import numpy as np
import soundfile as sf
import soxr

from segmenter.progress import ProgressCallback, check_cancelled, report
from segmenter.recipes import RecipeError
from segmenter.recipes.catalogue import CATALOGUE, Source
from segmenter.recipes.rcc import RccError, rcc_members

__all__ = [
    "SAMPLE_RATE",
    "DEFAULT_AMI_DIR",
    "Item",
    "fetch",
    "download_packages",
    "extract_packages",
    "decode_file",
    "load_manifest",
    "read_audio",
    "source_files",
    "ARCHIVES",
    "ARCHIVE_KINDS",
]

SAMPLE_RATE = 16000
DEFAULT_AMI_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "ami"
"""``../shared/data/ami`` beside the checkout (where the project keeps the AMI clips); pass
``ami_dir`` (or ``--ami``) anywhere else."""

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Item:
    """One usable recording of the recipe.

    ``path`` is relative to the cache for decoded files, absolute for AMI clips. ``split`` is set
    only for sources that come already split (AMI: "train"/"validation"); others are split by
    :mod:`segmenter.recipes.splits`. ``rttm`` names the speaker-turn file of a conversation.
    """

    id: str
    source: str
    kind: str  # "speech" | "music" | "noise" | "conversation"
    speaker: str
    path: str
    seconds: float
    package: str
    licence: str
    split: str = ""
    rttm: str = ""
    origin: str = ""  # the file inside its package (or corpus), for attribution


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    """Run a tool; a failure becomes one RecipeError line naming what failed."""
    if shutil.which(cmd[0]) is None:
        raise RecipeError(f"{cmd[0]}: not found on PATH (needed to {what})")
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise RecipeError(f"{what}: {cmd[0]} failed: {tail[0]}")
    return done


def _packages() -> list[str]:
    return sorted({source.package for source in CATALOGUE})


def download_packages(cache: Path, packages: Iterable[str]) -> dict[str, Path]:
    """``apt-get download`` each package into ``<cache>/debs`` unless a .deb is already there."""
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = {p: sorted(debs.glob(f"{p}_*.deb")) for p in packages}
    missing = [p for p, files in found.items() if not files]
    if missing:
        # apt-get download writes into the current directory.
        done = subprocess.run(
            ["apt-get", "download", *missing], cwd=debs, capture_output=True, check=False
        )
        if done.returncode != 0:
            msg = done.stderr.decode(errors="replace").strip().splitlines()
            raise RecipeError(f"apt-get download {' '.join(missing)}: {msg[-1] if msg else '?'}")
        found = {p: sorted(debs.glob(f"{p}_*.deb")) for p in packages}
    for package, files in found.items():
        if not files:
            raise RecipeError(f"{debs}: no .deb for package {package} after apt-get download")
    return {p: files[-1] for p, files in found.items()}


def extract_packages(cache: Path, debs: dict[str, Path]) -> dict[str, Path]:
    """``dpkg-deb -x`` each .deb into ``<cache>/extracted/<package>`` (once; a stamp marks it)."""
    roots = {}
    for package, deb in debs.items():
        root = cache / "extracted" / package
        stamp = root / ".extracted-from"
        if not (stamp.exists() and stamp.read_text() == deb.name):
            if root.exists():
                shutil.rmtree(root)
            root.mkdir(parents=True)
            _run(["dpkg-deb", "-x", str(deb), str(root)], f"extract {deb}")
            stamp.write_text(deb.name)
        roots[package] = root
    return roots


def decode_file(path: Path, raw_format: str | None = None) -> np.ndarray:
    """Decode any file ffmpeg reads to mono float32 at 16 kHz (downmix, then soxr resampling)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "decoded.wav"
        cmd = ["ffmpeg", "-nostdin", "-v", "error"]
        if raw_format:
            cmd += ["-f", raw_format]
        # Channels are averaged here, not by ffmpeg's -ac 1 (which adds +3 dB to dual mono), so
        # the level matches segmenter.audio's plain downmix.
        cmd += ["-i", str(path), "-vn", "-c:a", "pcm_f32le", str(wav)]
        _run(cmd, f"decode {path}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        audio = soxr.resample(audio, rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    if audio.size == 0:
        raise RecipeError(f"{path}: decodes to no samples")
    return np.ascontiguousarray(audio, dtype=np.float32)


ARCHIVES = ".archives"
"""Folder of a package's unpacked tree that holds the members read out of its zip archives
(kept inside the tree so that a new .deb, which replaces the tree, also drops them)."""


def source_files(source: Source, root: Path) -> list[tuple[str, Path]]:
    """(relpath, file) pairs of a source, sorted; symlinks skipped (they duplicate a file).

    For a source with an ``archive``, relpath is the member's name inside the zip and the file is
    that member written out once under ``<root>/.archives/`` (so decoding, hashing and
    attribution work as for loose files).
    """
    base = root / source.root
    if not base.is_dir():
        raise RecipeError(f"{base}: folder of source {source.name} missing in the package")
    if source.archive:
        return _archive_files(source, base / source.archive, root / ARCHIVES / source.root)
    out = []
    for file in sorted(base.rglob("*")):
        if file.is_symlink() or not file.is_file():
            continue
        rel = file.relative_to(base).as_posix()
        if rel.startswith(f"{ARCHIVES}/"):
            continue
        if source.selects(rel):
            out.append((rel, file))
    if not out:
        raise RecipeError(f"{base}: no file matches source {source.name}")
    return out


def _zip_members(archive: Path) -> Iterator[tuple[str, int, Callable[[], IO[bytes]]]]:
    """(name, size, opener) of a zip's files in name order (the zip stays open meanwhile)."""
    with zipfile.ZipFile(archive) as zf:
        infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
        for info in infos:
            yield info.filename, info.file_size, partial(zf.open, info)


def _rcc_members(archive: Path) -> Iterator[tuple[str, int, Callable[[], IO[bytes]]]]:
    """(name, size, opener) of a Qt resource file's files in name order."""
    for member in sorted(rcc_members(archive.read_bytes()), key=lambda m: m.name):
        yield member.name, member.size, lambda m=member: io.BytesIO(m.read())


ARCHIVE_KINDS = {".rcc": _rcc_members}
"""Readers of ``Source.archive`` by suffix; any other suffix is a zip (the ``.pk3`` files)."""


def _archive_files(source: Source, archive: Path, unpacked: Path) -> list[tuple[str, Path]]:
    """Write the selected members of an archive out (once) and list them like loose files.

    The archive is a zip, or a Qt resource file when its name ends in ``.rcc``. Deterministic:
    members are taken in name order and written byte for byte; a member that is already there
    with the right size is reused. Any failure is one RecipeError line.
    """
    if not archive.is_file():
        raise RecipeError(f"{archive}: archive of source {source.name} missing in the package")
    members = ARCHIVE_KINDS.get(archive.suffix.lower(), _zip_members)
    out = []
    try:
        for name, size, open_member in members(archive):
            if not source.selects(name):
                continue
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or "\\" in name:
                raise RecipeError(f"{archive}: unsafe member name {name!r}")
            target = unpacked / source.archive / name
            if not (target.is_file() and target.stat().st_size == size):
                target.parent.mkdir(parents=True, exist_ok=True)
                part = target.with_name(target.name + ".partial")
                with open_member() as src, open(part, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.replace(part, target)
            out.append((name, target))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RccError, OSError, EOFError) as error:
        raise RecipeError(f"{archive}: cannot read archive ({error})") from error
    if not out:
        raise RecipeError(f"{archive}: no member matches source {source.name}")
    return out


def _decode_one(cache: Path, source: Source, rel: str, file: Path) -> Item:
    target = cache / "audio" / source.name / (rel.rsplit(".", 1)[0] + ".flac")
    if not target.exists():
        raw = source.raw_format.get(file.suffix.lower())
        audio = decode_file(file, raw)
        peak = float(np.max(np.abs(audio)))
        if peak > 1.0:  # keep the 16-bit FLAC unclipped; levels are normalised when mixing
            audio = audio / peak
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial.flac")
        sf.write(partial, audio, SAMPLE_RATE, subtype="PCM_16")
        os.replace(partial, target)
    seconds = sf.info(target).frames / SAMPLE_RATE
    return Item(
        id=f"{source.name}/{rel.rsplit('.', 1)[0]}",
        source=source.name,
        kind=source.kind,
        speaker=source.speaker_of(rel),
        path=target.relative_to(cache).as_posix(),
        seconds=round(seconds, 4),
        package=source.package,
        licence=source.licence,
        origin=f"{source.root}/{source.archive}:{rel}"
        if source.archive
        else f"{source.root}/{rel}",
    )


def _ami_items(ami_dir: Path) -> list[Item]:
    """AMI clips with their fixed split, read from the folder's RTTM/UEM layout."""
    items = []
    for split, stem in (("train", "train"), ("validation", "dev")):
        rttm = ami_dir / f"{stem}.rttm"
        if not rttm.exists():
            raise RecipeError(f"{rttm}: AMI speaker turns missing")
        uris = sorted({line.split()[1] for line in rttm.read_text().splitlines() if line.strip()})
        for uri in uris:
            flac = ami_dir / f"{uri}.flac"
            if not flac.exists():
                raise RecipeError(f"{flac}: AMI clip named in {rttm.name} missing")
            items.append(
                Item(
                    id=f"ami/{uri}",
                    source="ami",
                    kind="conversation",
                    speaker="",
                    path=str(flac.resolve()),
                    seconds=round(sf.info(flac).frames / SAMPLE_RATE, 4),
                    package="AMI Meeting Corpus (via pyannote-audio tests/data)",
                    licence="CC-BY-4.0",
                    split=split,
                    rttm=str(rttm.resolve()),
                    origin=f"AMI clip {uri} ({flac.name}, turns in {rttm.name})",
                )
            )
    return items


def fetch(
    cache: Path,
    *,
    ami_dir: Path | None = DEFAULT_AMI_DIR,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> list[Item]:
    """Download, unpack and decode every source, then write and return the manifest.

    Idempotent: a second call reuses the .debs, the unpacked trees and the decoded FLACs. Set
    ``ami_dir=None`` to build the manifest without the AMI clips.
    """
    cache = Path(cache)
    report(progress, 0.0, "apt-get download")
    debs = download_packages(cache, _packages())
    report(progress, 0.05, "dpkg-deb -x")
    roots = extract_packages(cache, debs)
    todo = [(src, rel, f) for src in CATALOGUE for rel, f in source_files(src, roots[src.package])]

    seen: dict[str, str] = {}
    unique = []
    for src, rel, file in todo:  # first occurrence in catalogue order wins
        digest = hashlib.sha1(file.read_bytes()).hexdigest()
        if digest not in seen:
            seen[digest] = f"{src.name}/{rel}"
            unique.append((src, rel, file))

    items: list[Item] = []
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(_decode_one, cache, src, rel, f) for src, rel, f in unique]
        for i, future in enumerate(futures):
            check_cancelled(cancel, "fetch")
            items.append(future.result())
            report(progress, 0.1 + 0.9 * (i + 1) / len(futures), f"decoded {items[-1].id}")
    if ami_dir is not None:
        items.extend(_ami_items(Path(ami_dir)))
    _check_items(items)
    manifest = cache / MANIFEST
    partial = manifest.with_suffix(".partial")
    partial.write_text(json.dumps([asdict(item) for item in items], indent=1))
    os.replace(partial, manifest)
    return items


def _check_items(items: list[Item]) -> None:
    """Refuse a manifest the mixer would misuse: one id twice, or speech without a speaker
    (two "different" talkers of an overlap must be different people)."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise RecipeError(f"{item.id}: two files give the same item id")
        seen.add(item.id)
        if item.kind == "speech" and not item.speaker:
            raise RecipeError(f"{item.id}: speech file matches no speaker pattern of {item.source}")


def load_manifest(cache: Path) -> list[Item]:
    """Items of a fetched cache; a missing manifest says to run ``fetch`` first."""
    manifest = Path(cache) / MANIFEST
    if not manifest.exists():
        raise RecipeError(f"{manifest}: missing; run `python -m segmenter.recipes fetch` first")
    try:
        return [Item(**entry) for entry in json.loads(manifest.read_text())]
    except (ValueError, TypeError) as error:
        raise RecipeError(f"{manifest}: not a recipe manifest ({error})") from error


def read_audio(cache: Path, item: Item) -> np.ndarray:
    """The decoded samples of ``item`` (mono float32, 16 kHz)."""
    path = Path(item.path)
    if not path.is_absolute():
        path = Path(cache) / path
    try:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
    except (OSError, RuntimeError) as error:
        raise RecipeError(f"{path}: cannot read ({error})") from error
    if rate != SAMPLE_RATE:
        raise RecipeError(f"{path}: sample rate {rate}, expected {SAMPLE_RATE}")
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32)
