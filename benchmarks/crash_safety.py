"""SIGKILL at random moments of save, export, autosave and batch labelling: nothing is torn.

Run: ``python benchmarks/crash_safety.py`` (about 220 kills by default, 8 minutes on two busy
cores; ``--save N --autosave N --export N --label N`` to choose).

* save / autosave: the trials of ``tests/annotator/core/test_crash_safety.py`` (its child
  ``crash_writer.py`` saves a growing annotation until killed), in greater number: the sidecar
  is always the last acknowledged version or the one being written, the ``.bak`` one behind.
* export: a child exports a growing annotation as TextGrid, RTTM, Audacity and JSON (the
  writers the editor's export uses) until killed; each file must then read back complete, as
  the last acknowledged generation or the next.
* label: ``annotator label`` over a small corpus, killed at a random moment; every recording's
  outputs must then be all there and readable or all absent, and ``--resume`` must complete the
  corpus with exactly one output per recording and format, and no temporary file left behind.

Prints the kills survived per kind and every violation (there must be none).
``tests/robustness/test_crash_budget.py`` runs a few trials of each kind in CI.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE, STEP = 2000, 5
FSYNC_DELAY_S = 0.02  # a slow disk, so kills often land between write and rename
EXPORTS = {"textgrid": ".TextGrid", "rttm": ".rttm", "audacity": ".txt", "json": ".json"}


@dataclass
class Tally:
    kind: str
    kills: int = 0
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ------------------------------------------------------------------------ the export child
def _export_child(folder: Path, delay: float) -> None:
    """Export generation g (BASE + g*STEP segments) in every format, again and again."""
    from annotator.core import Annotation, Lane
    from annotator.formats import read_annotation, write_annotation

    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(delay)
        real_fsync(fd)

    os.fsync = slow_fsync
    first = folder / "export.json"
    generation = (
        (len(read_annotation(first).lane("speech")) - BASE) // STEP if first.exists() else 0
    )
    annotation = Annotation(
        [Lane("speech", (_segment(i) for i in range(BASE + generation * STEP)))]
    )
    print("ready", generation, flush=True)
    while True:
        generation += 1
        lane = annotation.lane("speech")
        for i in range(len(lane), BASE + generation * STEP):
            lane.add(_segment(i))
        for name, ext in EXPORTS.items():
            write_annotation(annotation, folder / f"export{ext}", name, options=_options(name))
        print(generation, flush=True)


def _segment(i: int):
    from annotator.core import Segment

    return Segment(i * 0.01, i * 0.01 + 0.005, "speech")  # RTTM makes a lane of each label


def _count(annotation) -> int:
    """Segments in all lanes: the generation's fingerprint, whatever lanes the format made."""
    return sum(len(lane) for lane in annotation)


def _options(name: str) -> dict[str, str]:
    return {"uri": "export"} if name == "rttm" else {"lane": "speech"} if name == "audacity" else {}


def export_trials(trials: int, seed: int, folder: Path) -> Tally:
    from annotator.formats import FormatError, read_annotation

    tally, rng = Tally("export"), random.Random(seed)
    started = time.perf_counter()
    for trial in range(trials):
        child = subprocess.Popen(
            [sys.executable, __file__, "--child-export", str(folder), str(FSYNC_DELAY_S)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        try:
            ready = child.stdout.readline().split()
            time.sleep(rng.uniform(0.0, 0.4))
            os.kill(child.pid, signal.SIGKILL)
            rest = child.communicate(timeout=30)[0]
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if ready[:1] != ["ready"] or child.returncode != -signal.SIGKILL:
            tally.violations.append(
                f"export trial {trial}: child failed ({ready}, {child.returncode})"
            )
            continue
        tally.kills += 1
        acked = [int(x) for x in rest.split()]
        last = acked[-1] if acked else int(ready[1])
        for name, ext in EXPORTS.items():
            path = folder / f"export{ext}"
            if not path.exists():
                if last > 0:
                    tally.violations.append(f"export trial {trial}: {path.name} vanished")
                continue
            try:
                count = _count(read_annotation(path, name))
            except FormatError as exc:
                tally.violations.append(f"export trial {trial}: {path.name} torn: {exc}")
                continue
            if (count - BASE) % STEP or (count - BASE) // STEP not in (last, last + 1):
                tally.violations.append(f"export trial {trial}: {path.name} has {count} segments "
                                        f"(acknowledged generation {last})")  # fmt: skip
    tally.seconds = time.perf_counter() - started
    return tally


# --------------------------------------------------------------------- save and autosave
def writer_trials(mode: str, trials: int, seed: int, folder: Path) -> Tally:
    """The trials of tests/annotator/core/test_crash_safety.py (one violation stops them)."""
    import numpy as np
    import soundfile as sf

    from annotator.core.project import Project
    from tests.annotator.core.test_crash_safety import _run_trials

    tally = Tally("save" if mode == "sidecar" else mode)
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / "a.wav", np.zeros(1600, dtype=np.float32), 16000)
    project = Project.create(folder)
    entry = project.entry("a.wav")
    target = project.sidecar_path(entry) if mode == "sidecar" else project.autosave_path(entry)
    try:
        tally.kills = _run_trials(mode, project, target, trials, seed)["trials"]
    except AssertionError as exc:
        tally.violations.append(f"{mode}: {' '.join(str(exc).split())[:300]}")
    tally.seconds = time.perf_counter() - started
    return tally


# ------------------------------------------------------------------------------ labelling
def make_corpus(folder: Path, count: int = 6) -> tuple[Path, Path]:
    import numpy as np
    import soundfile as sf

    from tests.robustness.catalogue import tiny_model

    corpus = folder / "corpus"
    for i in range(count):
        path = corpus / f"spk{i % 2}" / f"rec{i}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        noise = np.random.default_rng(i).standard_normal(16000 * (2 + i % 3)) * 0.1
        sf.write(path, noise.astype(np.float32), 16000)
    return corpus, tiny_model(folder / "tiny.safetensors")


def _label(corpus: Path, out: Path, model: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "annotator", "label", str(corpus), "--out", str(out),
            "--model", str(model), "--format", "textgrid,rttm", "--quiet", *extra]  # fmt: skip


def _check_outputs(corpus: Path, out: Path, complete: bool) -> list[str]:
    """Per recording both outputs readable, or (before the resume) both absent."""
    from annotator.formats import FormatError, read_annotation

    problems = []
    keys = sorted(p.relative_to(corpus).with_suffix("").as_posix() for p in corpus.rglob("*.wav"))
    expected = {f"{k}{ext}" for k in keys for ext in (".TextGrid", ".rttm")}
    found = (
        {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        if out.is_dir()
        else set()
    )
    visible = {f for f in found if not Path(f).name.startswith(".")}
    if visible - expected:
        problems.append(f"unexpected outputs {sorted(visible - expected)[:3]}")
    for key in keys:
        present = [f"{key}{ext}" in visible for ext in (".TextGrid", ".rttm")]
        if complete and not all(present):
            problems.append(f"{key}: missing after --resume")
        elif any(present) and not all(present):
            problems.append(f"{key}: only some formats written")
        for ext, there in zip((".TextGrid", ".rttm"), present, strict=True):
            if there:
                try:
                    read_annotation(out / f"{key}{ext}")
                except FormatError as exc:
                    problems.append(f"{key}{ext} torn: {exc}")
    if complete and found - visible:
        problems.append(f"temporary files left: {sorted(found - visible)[:3]}")
    return problems


def label_trials(trials: int, seed: int, folder: Path) -> Tally:
    tally, rng = Tally("label"), random.Random(seed)
    started = time.perf_counter()
    corpus, model = make_corpus(folder)
    timing = folder / "timing"
    t0 = time.perf_counter()
    subprocess.run(_label(corpus, timing, model), cwd=ROOT, capture_output=True, check=True)
    full = time.perf_counter() - t0
    for trial in range(trials):
        out = folder / f"out{trial}"
        child = subprocess.Popen(_label(corpus, out, model), cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.15, 0.8) * full)  # startup is ~half of a run
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        if child.returncode != -signal.SIGKILL:  # it finished before the kill: still checked
            tally.violations += [] if child.returncode == 0 else [f"label trial {trial} failed"]
        else:
            tally.kills += 1
        tally.violations += [f"label trial {trial} after kill: {p}"
                             for p in _check_outputs(corpus, out, complete=False)]  # fmt: skip
        resumed = subprocess.run(_label(corpus, out, model, "--resume"), cwd=ROOT,
                                 capture_output=True, text=True)  # fmt: skip
        if resumed.returncode != 0:
            tally.violations.append(f"label trial {trial}: --resume exit {resumed.returncode}: "
                                    f"{resumed.stderr.strip()[-300:]}")  # fmt: skip
        tally.violations += [f"label trial {trial} after --resume: {p}"
                             for p in _check_outputs(corpus, out, complete=True)]  # fmt: skip
    tally.seconds = time.perf_counter() - started
    return tally


def run(save: int, autosave: int, export: int, label: int, seed: int = 0) -> list[Tally]:
    with tempfile.TemporaryDirectory(prefix="crash-safety-") as tmp:
        root = Path(tmp)
        (root / "export").mkdir()
        tallies = []
        if save:
            tallies.append(writer_trials("sidecar", save, seed + 1, root / "save"))
        if autosave:
            tallies.append(writer_trials("autosave", autosave, seed + 2, root / "autosave"))
        if export:
            tallies.append(export_trials(export, seed + 3, root / "export"))
        if label:
            tallies.append(label_trials(label, seed + 4, root / "label"))
        return tallies


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-export"]:
        _export_child(Path(argv[1]), float(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for kind, default in (("save", 70), ("autosave", 66), ("export", 70), ("label", 20)):
        parser.add_argument(
            f"--{kind}", type=int, default=default, help=f"kills (default {default})"
        )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tallies = run(args.save, args.autosave, args.export, args.label, args.seed)
    print(f"{'kind':<10}{'kills':>8}{'violations':>12}{'seconds':>10}")
    for t in tallies:
        print(f"{t.kind:<10}{t.kills:>8}{len(t.violations):>12}{t.seconds:>10.1f}")
    kills, bad = sum(t.kills for t in tallies), sum(len(t.violations) for t in tallies)
    print(f"{'total':<10}{kills:>8}{bad:>12}")
    for t in tallies:
        for violation in t.violations[:10]:
            print(f"  {violation}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
