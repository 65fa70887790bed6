"""The model card's data table: minutes per class, voices and licence, one row per package.

Issue 16 asks the card to say what the weights were trained on, package by package; computing the
table from the fetched cache (rather than typing it) keeps the card true when the catalogue grows.
Run ``python -m segmenter.recipes.datacard --cache cache`` to print it as Markdown.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from segmenter.recipes.catalogue import CATALOGUE
from segmenter.recipes.sources import load_manifest
from segmenter.recipes.splits import load_split

__all__ = ["PackageRow", "package_table", "markdown", "main"]

CLASSES = ("speech", "music", "noise")


@dataclass
class PackageRow:
    """One package: minutes of audio per class (active minutes beside), voices, licences."""

    package: str
    minutes: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0.0))
    active: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0.0))
    files: int = 0
    voices: set[str] = field(default_factory=set)
    licences: set[str] = field(default_factory=set)


def package_table(cache: Path, with_active: bool = True) -> list[PackageRow]:
    """Rows for every catalogue package in the fetched cache (AMI left to its own line).

    ``with_active`` adds the minutes the activity detector labels active (reads every mask, so
    it maps the whole bank once).
    """
    from segmenter.recipes.bank import item_masks  # reads audio; keep this module light

    split = load_split(cache)
    rows: dict[str, PackageRow] = defaultdict(lambda: PackageRow(""))
    for item in load_manifest(cache):
        if item.kind not in CLASSES or item.id not in split:
            continue
        row = rows[item.package]
        row.package = item.package
        row.files += 1
        row.minutes[item.kind] += item.seconds / 60
        if with_active:
            active, _ = item_masks(cache, item)
            row.active[item.kind] += float(active.sum()) / 16000 / 60
        if item.speaker:
            row.voices.add(item.speaker)
        row.licences.add(item.licence)
    order = list(dict.fromkeys(source.package for source in CATALOGUE))
    return sorted(
        rows.values(), key=lambda r: order.index(r.package) if r.package in order else 999
    )


def markdown(rows: list[PackageRow]) -> str:
    """The rows as a Markdown table with a total line (minutes: all audio / active)."""

    def cell(row: PackageRow, kind: str) -> str:
        if not row.minutes[kind]:
            return "–"
        return f"{row.minutes[kind]:.1f} / {row.active[kind]:.1f}"

    lines = [
        "| package | speech min | music min | noise min | files | voices | licence |",
        "|---|---|---|---|---|---|---|",
    ]
    total = PackageRow("total")
    for row in rows:
        lines.append(
            f"| {row.package} | {cell(row, 'speech')} | {cell(row, 'music')} | "
            f"{cell(row, 'noise')} | {row.files} | {len(row.voices) or '–'} | "
            f"{'; '.join(sorted(row.licences))} |"
        )
        for kind in CLASSES:
            total.minutes[kind] += row.minutes[kind]
            total.active[kind] += row.active[kind]
        total.files += row.files
        total.voices |= row.voices
    lines.append(
        f"| **total** | {cell(total, 'speech')} | {cell(total, 'music')} | "
        f"{cell(total, 'noise')} | {total.files} | {len(total.voices)} | |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table of a fetched cache."""
    parser = argparse.ArgumentParser(prog="python -m segmenter.recipes.datacard")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--no-active", action="store_true", help="skip the active minutes")
    args = parser.parse_args(argv)
    print(markdown(package_table(args.cache, with_active=not args.no_active)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
