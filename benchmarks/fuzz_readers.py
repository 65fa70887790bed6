"""Fuzz the TextGrid, RTTM, Audacity, ELAN, CSV, JSON and sidecar readers: only our errors.

Run: ``python benchmarks/fuzz_readers.py`` (100 000 inputs by default, about 10 minutes on two
busy cores; ``--budget N`` for another count, ``--big`` adds a 10^6-interval TextGrid).

Whatever bytes a file holds, a reader must return an annotation or raise *our* error type
(`FormatError` for the formats, `SidecarError` for sidecars) whose message is one line starting
with the file's path; any other exception, or a multi-line message, is a failure. Inputs are of
two kinds, so that both the byte level and the structure get hit:

* byte mutations (cut, delete, insert nasty tokens, flip) of valid files our writers produced
  from seeded random annotations (the strategy of ``tests/annotator/formats/test_formats_fuzz``);
* line mutations that keep the file shaped like the format but swap, drop or duplicate lines
  and put awkward values (``nan``, ``1e309``, ``-0``, huge counts, quotes) where numbers go;
  sidecars also get random JSON values planted at random places of a valid document.

Prints, per reader: inputs tried, failures (must be 0), seconds; then the first failures.
``tests/robustness/test_fuzz_budget.py`` runs the same code with a small budget in CI.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotator.core import Annotation, Lane, RecordingInfo, Segment, Source  # noqa: E402
from annotator.core.errors import AnnotationError  # noqa: E402
from annotator.core.sidecar import (  # noqa: E402
    RecordingStatus,
    SidecarError,
    SidecarState,
    dumps_document,
    parse_document,
)
from annotator.formats import FormatError, read_annotation, write_annotation  # noqa: E402
from tests.annotator.formats.test_formats_fuzz import NASTY, mutations  # noqa: E402

READERS = ("textgrid", "rttm", "audacity", "eaf", "csv", "json", "sidecar")
EXTENSIONS = {"textgrid": ".TextGrid", "rttm": ".rttm", "audacity": ".txt", "eaf": ".eaf", "csv": ".csv",
              "json": ".json"}  # fmt: skip
VALUES = ["nan", "-nan", "inf", "-inf", "1e309", "-0", "0", "1e-320", "", '"', '""', "1.0.0",
          "99999999999", "-1", "0x10", "1_0", "٣", "<NA>", "\t", '"a""b"', "<exists>"]  # fmt: skip


@dataclass
class Stats:
    reader: str
    tried: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _seed_annotation(rng: random.Random) -> Annotation:
    """A random valid annotation: what a real file of any format could hold."""
    duration = rng.choice([1.0, 3.5, 60.0, 3600.25])
    lanes = []
    names = rng.sample(["speech", "music", "noise", "overlap", "words", 'q"uote', "é"], 3)
    for name in names:
        cuts = sorted({round(rng.uniform(0, duration), 3) for _ in range(rng.randint(0, 12))})
        pairs = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if rng.random() < 0.7]
        label = rng.choice(["a", "sp", 'say "hi"', "ʃ中", "x y"])
        lanes.append(Lane(name, [Segment(a, b, label, rng.choice([None, 0.5]),
                                         rng.choice(list(Source))) for a, b in pairs]))  # fmt: skip
    return Annotation(lanes, recording=RecordingInfo(path="r.wav", duration=duration))


def seed_files(folder: Path, count: int = 12) -> dict[str, list[bytes]]:
    """Valid files of each reader's format, written by our own writers (sidecar by `save`)."""
    rng = random.Random(1234)
    seeds: dict[str, list[bytes]] = {name: [] for name in READERS}
    for i in range(count):
        annotation = _seed_annotation(rng)
        for name, ext, options in (("textgrid", ".TextGrid", {"format": "long"}),
                                   ("textgrid", ".TextGrid", {"format": "short"}),
                                   ("rttm", ".rttm", {}), ("audacity", ".txt", {}), ("eaf", ".eaf", {}),
                                   ("csv", ".csv", {}), ("json", ".json", {})):  # fmt: skip
            target = folder / f"seed{i}{ext}"
            lane = {"lane": annotation.lane_names[0]} if name == "audacity" else {}
            write_annotation(annotation, target, options={**options, **lane})
            seeds[name].append(target.read_bytes())
        state = SidecarState(annotation, RecordingStatus.IN_REVIEW, {"view": [1, 2]})
        seeds["sidecar"].append(dumps_document(state.to_document("2024-01-01T00:00:00")).encode())
    return seeds


@st.composite
def line_mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """Keep the format's shape, break its content: lines dropped, doubled, swapped, re-valued."""
    lines = original.decode("utf-8", "replace").split("\n")
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        action = draw(st.sampled_from(["drop", "double", "swap", "value", "token"]))
        if not lines:
            break
        if action == "drop":
            del lines[at]
        elif action == "double":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "value":
            head, sep, _ = lines[at].partition("=")
            value = draw(st.sampled_from(VALUES) | st.text(max_size=6))
            lines[at] = f"{head}= {value}" if sep else value
        else:
            words = lines[at].split()
            if words:
                words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(VALUES))
            lines[at] = draw(st.sampled_from([" ", "\t"])).join(words)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),  # fmt: skip
    max_leaves=6,
)


@st.composite
def planted_json(draw: st.DrawFn, original: bytes) -> bytes:
    """A valid sidecar with a random JSON value planted at a random key path."""
    doc = json.loads(original)
    node: object = doc
    parent, key = None, None
    for _ in range(draw(st.integers(1, 6))):
        if isinstance(node, dict) and node:
            step = draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            step = draw(st.integers(0, len(node) - 1))
        else:
            break
        parent, key = node, step
        node = node[step]
        if not isinstance(node, (dict, list)) or draw(st.booleans()):
            break
    if parent is None:
        return original
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[key]
    else:
        parent[key] = draw(JSON_VALUES)
    return json.dumps(doc, allow_nan=True).encode("utf-8")


def inputs(seeds: list[bytes], structured: Callable[[bytes], st.SearchStrategy[bytes]]):
    pick = st.sampled_from(seeds)
    return st.one_of(
        pick.flatmap(mutations), pick.flatmap(structured), st.binary(max_size=64),
        st.sampled_from(NASTY),
    )  # fmt: skip


def _checker(name: str, folder: Path) -> tuple[Callable[[bytes], None], type[Exception]]:
    """``check(data)`` reads ``data`` the way the product does; our error type for it."""
    if name == "sidecar":
        path = folder / "fuzz.annotation.json"
        return (
            lambda data: _expect_annotation(parse_document(path, data).annotation)
        ), SidecarError
    path = folder / f"fuzz{EXTENSIONS[name]}"

    def check(data: bytes) -> None:
        path.write_bytes(data)
        _expect_annotation(read_annotation(path))

    return check, FormatError


def _expect_annotation(result: object) -> None:
    if not isinstance(result, Annotation):
        raise TypeError(f"reader returned {type(result).__name__}, not an Annotation")


def fuzz(name: str, budget: int, seeds: list[bytes], folder: Path, at: int = 0) -> Stats:
    """``budget`` generated inputs through one reader; failures are collected, not raised."""
    stats = Stats(name)
    check, ours = _checker(name, folder)
    structured = planted_json if name in ("sidecar", "json") else line_mutations
    expected_path = str(folder)

    @seed(at)
    @settings(max_examples=budget, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(
        inputs(seeds, structured)
        if name != "sidecar"
        else st.one_of(inputs(seeds, structured), st.sampled_from(seeds).flatmap(line_mutations))
    )
    def one(data: bytes) -> None:
        stats.tried += 1
        try:
            check(data)
        except ours as error:
            message = str(error)
            if "\n" in message or not message.startswith(expected_path):
                stats.failures.append(f"{type(error).__name__} not one line naming the file: "
                                      f"{message[:200]!r} for {data[:80]!r}")  # fmt: skip
        except Exception as error:  # noqa: BLE001 (the point: anything else is a failure)
            kind = "AnnotationError (wrong type)" if isinstance(error, AnnotationError) else ""
            stats.failures.append(f"{type(error).__name__}{kind}: {error!s:.200} for {data[:80]!r}")

    started = time.perf_counter()
    one()
    stats.seconds = time.perf_counter() - started
    return stats


def run(budget: int, readers: tuple[str, ...] = READERS, at: int = 0) -> list[Stats]:
    """Split ``budget`` over ``readers`` and fuzz each; a scratch folder in RAM when there is one."""
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="fuzz-readers-", dir=base) as tmp:
        folder = Path(tmp)
        seeds = seed_files(folder)
        share = -(-budget // len(readers))
        return [fuzz(name, share, seeds[name], folder, at) for name in readers]


def big_textgrid(intervals: int = 1_000_000) -> tuple[float, int]:
    """Seconds and peak RSS growth (MiB) reading a TextGrid of ``intervals`` intervals."""
    import resource

    from tests.robustness.catalogue import _many_intervals

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.TextGrid"
        path.write_text(_many_intervals(intervals), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        annotation = read_annotation(path)
        seconds = time.perf_counter() - started
        assert len(annotation.lane("speech")) == intervals // 2
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return seconds, grown // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=100_000, help="inputs in all (default 1e5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--big", action="store_true", help="also read a 10^6-interval TextGrid")
    args = parser.parse_args(argv)
    results = run(args.budget, at=args.seed)
    print(f"{'reader':<10}{'inputs':>10}{'failures':>10}{'seconds':>10}{'inputs/s':>10}")
    for s in results:
        rate = s.tried / s.seconds if s.seconds else 0.0
        print(f"{s.reader:<10}{s.tried:>10}{len(s.failures):>10}{s.seconds:>10.1f}{rate:>10.0f}")
    tried, failed = sum(s.tried for s in results), sum(len(s.failures) for s in results)
    print(f"{'total':<10}{tried:>10}{failed:>10}{sum(s.seconds for s in results):>10.1f}")
    for s in results:
        for failure in s.failures[:5]:
            print(f"  {s.reader}: {failure}")
    if args.big:
        seconds, mib = big_textgrid()
        print(f"10^6-interval TextGrid: read in {seconds:.1f} s, peak RSS grew {mib} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
