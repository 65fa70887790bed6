"""Whole Debian packages held out of training: generalisation measured, not assumed.

Validation by source *file* (:mod:`.splits`) still hears the package a file came from: the same
voice, the same game's mastering, the same composer. A user's recordings share none of that, so
the figure that predicts them is the score on packages the model never heard. This module

* chooses the held-out packages (:func:`choose_hold_out`): per class (speech, music, noise),
  ``fraction`` of the packages that provide the class, at least one when the class has two or
  more, never the last one a class could train on; deterministic in ``seed`` (one generator per
  class, so a package added to music does not reshuffle speech's draw). A held-out package leaves
  training *whole* — every class it provides — because its classes share recording chains and
  mastering (fillets-ng's effects and voices were produced together); so a package drawn for
  speech may also be the one music loses, and a class can end with more than its share held out;
* keeps the AMI conversations in training unless asked (``hold_out_ami``): they are the only
  real conversations and most of the overlap the model learns, so holding them out would measure
  a model with almost no real overlap rather than an unseen package;
* builds the two sets the gap compares (:func:`comparison_sets`): mixtures of the validation
  files of the training packages (*in-package*) and of every file of the held-out packages
  (*unseen*), by the recipe's own mixer on its plain stream, the same seed and size. Both use
  recorded noise only: generated stationary noise belongs to no package and the model trains on
  it, so letting it into the unseen set would dilute the unseen noise with seen noise;
* prints the gap (:func:`gap_table`): F1 and edits per minute (model vs empty lanes) per class.

Today's catalogue has three or four packages per class, so a hold-out is one package per class
and the unseen figures rest on few recordings; the selection scales as packages are added.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from segmenter.recipes import RecipeError
from segmenter.recipes.bank import SourceBank
from segmenter.recipes.catalogue import CATALOGUE, Source
from segmenter.recipes.mixing import ChunkGenerator, MixConfig
from segmenter.recipes.mixtures import mixture_recordings
from segmenter.recipes.sources import Item, load_manifest
from segmenter.recipes.splits import SPLITS
from segmenter.training.data import Recording

if TYPE_CHECKING:  # train.py imports this module
    from segmenter.recipes.train import RecipeConfig

__all__ = [
    "KINDS",
    "IN_PACKAGE",
    "UNSEEN",
    "HoldOut",
    "source_packages",
    "choose_hold_out",
    "hold_out_of_cache",
    "hold_out_for",
    "unseen_bank",
    "comparison_sets",
    "gap_rows",
    "gap_table",
]

KINDS = ("speech", "music", "noise")
IN_PACKAGE = "in_package"
UNSEEN = "unseen_pkg"
_CLASS_KIND = {"sp": "speech", "mu": "music", "no": "noise", "ov": "speech"}
_SET_SEED = 3000  # the recipe tunes on seed + 1000 and scores validation on seed + 2000


@dataclass(frozen=True)
class HoldOut:
    """Which packages are held out, and why each class has what it has.

    ``candidates``: per class, the packages that provide it (drawn from; AMI only when held);
    ``packages``: per class, the held-out packages that provide it; ``sources``: every cache
    source of a held-out package (what training excludes and the unseen set is built from).
    """

    fraction: float
    seed: int
    hold_out_ami: bool
    candidates: dict[str, tuple[str, ...]]
    packages: dict[str, tuple[str, ...]]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON's view (lists, not tuples), for the model file's training summary: the same
        whether a report comes from this run or from a model file read back."""
        return json.loads(json.dumps(asdict(self)))

    def describe(self) -> str:
        """One line per class: held-out packages out of the candidates."""
        lines = [f"held-out packages (fraction {self.fraction:g}, seed {self.seed}):"]
        for kind in KINDS:
            held = ", ".join(self.packages.get(kind, ())) or "none"
            lines.append(f"  {kind:<7}{held}  (of {len(self.candidates.get(kind, ()))})")
        ami = "held out" if self.hold_out_ami else "kept in training (--hold-out-ami to hold out)"
        lines.append(f"  AMI conversations: {ami}")
        return "\n".join(lines)


def source_packages(
    items: Iterable[Item], catalogue: Sequence[Source] = CATALOGUE
) -> dict[str, tuple[str, str]]:
    """source → (package, kind) for the sources present in a cache's manifest.

    The catalogue says which package a source comes from; a source it does not list (AMI, or
    one a newer catalogue dropped) keeps what its manifest entries recorded at fetch time.
    Conversations count as speech."""
    known = {s.name: (s.package, s.kind) for s in catalogue}
    out: dict[str, tuple[str, str]] = {}
    for item in items:
        if item.source not in out:
            package, kind = known.get(item.source, (item.package, item.kind))
            out[item.source] = (package, "speech" if kind == "conversation" else kind)
    return dict(sorted(out.items()))


def _conversational(items: Iterable[Item]) -> set[str]:
    return {item.source for item in items if item.kind == "conversation"}


def choose_hold_out(
    sources: Mapping[str, tuple[str, str]],
    fraction: float = 0.2,
    seed: int = 0,
    *,
    hold_out_ami: bool = False,
    conversation_sources: Iterable[str] = ("ami",),
    exclude: Iterable[str] = (),
) -> HoldOut:
    """The held-out packages of ``sources`` (source → (package, kind)); see the module doc.

    ``exclude`` sources (``--exclude-source``) are out of the draw and of both sets. Per class
    with n ≥ 2 drawable packages, round(fraction·n) are held out (at least 1, at most n − 1);
    packages already held for an earlier class count towards it."""
    if not 0.0 < fraction < 1.0:
        raise RecipeError(f"hold-out fraction must be in (0, 1), got {fraction}")
    excluded = set(exclude)
    table = {s: pk for s, pk in sources.items() if s not in excluded}
    conv_packages = {table[s][0] for s in conversation_sources if s in table}
    provides: dict[str, set[str]] = {}
    for package, kind in table.values():
        provides.setdefault(package, set()).add(kind)
    kinds = {*KINDS, *(k for ks in provides.values() for k in ks)}  # a future kind is kept too
    by_kind = {k: sorted(p for p, ks in provides.items() if k in ks) for k in kinds}
    held: set[str] = set(conv_packages) if hold_out_ami else set()

    def keeps_every_class(package: str) -> bool:
        after = held | {package}
        return all(any(p not in after for p in by_kind[k]) for k in provides[package])

    if held and not all(any(p not in held for p in by_kind[k]) for k in kinds if by_kind[k]):
        raise RecipeError("holding out the conversations leaves a class with nothing to train on")
    candidates: dict[str, tuple[str, ...]] = {}
    for kind in KINDS:
        drawable = [p for p in by_kind[kind] if p not in conv_packages]
        candidates[kind] = tuple(drawable + sorted(conv_packages & held & set(by_kind[kind])))
        if len(drawable) < 2:
            continue
        wanted = min(len(drawable) - 1, max(1, math.floor(fraction * len(drawable) + 0.5)))
        rng = np.random.default_rng([seed, *kind.encode()])
        for package in (drawable[i] for i in rng.permutation(len(drawable))):
            if sum(p in held for p in drawable) >= wanted:
                break
            if package not in held and keeps_every_class(package):
                held.add(package)
    if not held:
        raise RecipeError(
            "no package can be held out: every class has fewer than two packages in the cache"
        )
    packages = {k: tuple(p for p in by_kind[k] if p in held) for k in KINDS}
    chosen = tuple(s for s, (package, _) in table.items() if package in held)
    return HoldOut(fraction, seed, hold_out_ami, candidates, packages, chosen)


def hold_out_of_cache(
    cache: Path,
    fraction: float,
    seed: int,
    *,
    hold_out_ami: bool = False,
    exclude: Iterable[str] = (),
    catalogue: Sequence[Source] = CATALOGUE,
) -> HoldOut:
    """:func:`choose_hold_out` over the sources a fetched cache holds (a catalogue package not
    fetched yet cannot be held out: there is nothing of it to score)."""
    items = load_manifest(cache)
    return choose_hold_out(
        source_packages(items, catalogue), fraction, seed, hold_out_ami=hold_out_ami,
        conversation_sources=_conversational(items), exclude=exclude,
    )  # fmt: skip


def hold_out_for(
    cache: Path, config: RecipeConfig, log: Callable[[str], None] = print
) -> HoldOut | None:
    """The hold-out a recipe configuration asks for (``hold_out_packages`` > 0), logged; None
    for an ordinary run. Sources the run excludes anyway are out of the draw."""
    if config.hold_out_packages <= 0:
        return None
    held = hold_out_of_cache(
        cache, config.hold_out_packages, config.hold_out_seed,
        hold_out_ami=config.hold_out_ami, exclude=config.exclude_sources,
    )  # fmt: skip
    log(held.describe())
    return held


def unseen_bank(cache: Path, hold_out: HoldOut) -> SourceBank:
    """Every file of the held-out packages, both sides of the split (none of it was trained on)."""
    known = {item.source for item in load_manifest(cache)}
    others = sorted(known - set(hold_out.sources))
    sides = [SourceBank.from_cache(cache, side, others) for side in SPLITS]
    return SourceBank.from_clips(
        clip
        for bank in sides
        for clip in (*bank.speech, *bank.conversations, *bank.music, *bank.noise)
    )


def comparison_sets(
    in_package: SourceBank,
    unseen: SourceBank,
    plain_mix: MixConfig,
    chunks: int,
    per_recording: int,
    seed: int,
) -> dict[str, list[Recording]]:
    """The in-package and unseen-package scoring mixtures: same mixer (``plain_mix``, the
    recipe's validation stream, with recorded noise only), same seed, same size."""
    mix = replace(plain_mix, generated_noise_p=0.0)
    return {
        name: mixture_recordings(ChunkGenerator(bank, mix), chunks, per_recording, seed + _SET_SEED, name)
        for name, bank in ((IN_PACKAGE, in_package), (UNSEEN, unseen))
    }  # fmt: skip


def gap_rows(
    metrics: Mapping[str, Any], hold_out: HoldOut | None = None
) -> dict[str, dict[str, Any]]:
    """Per class: in-package and unseen F1, their gap (in-package − unseen; positive = worse on
    unseen packages) and both edit rates, model and empty lanes. A class with no reference time
    in a set has F1 None (overlap needs two held-out talkers); ``held`` says whether any package
    of the class was held out (if not, its unseen figure is not an unseen-package figure)."""
    inside, outside = metrics[IN_PACKAGE]["classes"], metrics[UNSEEN]["classes"]
    rows: dict[str, dict[str, Any]] = {}
    for cls in inside:
        a, b = inside[cls], outside.get(cls, {})
        f1_in = a["f1"] if a.get("reference_s", 0) > 0 else None
        f1_out = b["f1"] if b.get("reference_s", 0) > 0 else None
        held = hold_out is None or bool(hold_out.packages.get(_CLASS_KIND.get(cls, ""), ()))
        rows[cls] = {
            "in_package_f1": f1_in, "unseen_f1": f1_out,
            "gap": None if f1_in is None or f1_out is None else f1_in - f1_out,
            "in_package_edits_per_min": a.get("edits_per_min"),
            "in_package_empty_edits_per_min": a.get("empty_edits_per_min"),
            "unseen_edits_per_min": b.get("edits_per_min"),
            "unseen_empty_edits_per_min": b.get("empty_edits_per_min"),
            "held": held,
        }  # fmt: skip
    return rows


def gap_table(metrics: Mapping[str, Any], hold_out: HoldOut | None = None) -> str:
    """The benchmark's table: per class, F1 in-package / unseen / gap, then edits per minute
    to correct the lane (model / empty lanes) on each set, and the totals."""

    def num(value: float | None, width: int, signed: bool = False) -> str:
        if value is None or not math.isfinite(value):
            return f"{'-':>{width}}"
        return f"{value:>+{width}.3f}" if signed else f"{value:>{width}.3f}"

    def rate(model: float | None, empty: float | None) -> str:
        if model is None or empty is None:
            return f"{'-':>16}"
        return f"{f'{model:.1f} / {empty:.1f}':>16}"

    rows = gap_rows(metrics, hold_out)
    lines = [
        f"{'class':<7}{'in-pkg F1':>10}{'unseen F1':>10}{'gap':>8}"
        f"{'in-pkg edits':>16}{'unseen edits':>16}  note",
        f"{'':<7}{'':>28}{'model / empty':>16}{'model / empty':>16}",
    ]
    for cls, r in rows.items():
        note = "" if r["held"] else "no package of this class held out"
        if r["unseen_f1"] is None and not note:
            note = "no reference time in the unseen set"
            note += " (needs two held-out talkers)" if cls == "ov" else ""
        lines.append(
            f"{cls:<7}{num(r['in_package_f1'], 10)}{num(r['unseen_f1'], 10)}"
            f"{num(r['gap'], 8, signed=True)}"
            f"{rate(r['in_package_edits_per_min'], r['in_package_empty_edits_per_min'])}"
            f"{rate(r['unseen_edits_per_min'], r['unseen_empty_edits_per_min'])}  {note}".rstrip()
        )
    inside, outside = metrics[IN_PACKAGE], metrics[UNSEEN]
    lines.append(
        f"{'total':<7}{'':>28}"
        f"{rate(inside.get('edits_per_min'), inside.get('empty_edits_per_min'))}"
        f"{rate(outside.get('edits_per_min'), outside.get('empty_edits_per_min'))}"
    )
    return "\n".join(lines)
