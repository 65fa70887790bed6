"""What a corpus run tells its user: a progress bar with ETA while it works, a table at the end.

The bar counts *audio seconds* (read from the headers up front), not files, so its ETA holds when
a corpus mixes one-minute and one-hour recordings. On a terminal it is a tqdm bar; in a batch log
(SLURM's ``slurm-*.out``, not a terminal) each finished file is one line instead, since a
redrawn bar would fill the log with carriage returns. Errors are always one line each, named
``annotator: <file>: <problem>``, printed as they happen.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from annotator.batch.corpus import CorpusItem
from annotator.batch.runner import DONE, FAILED, SKIPPED, FileResult
from annotator.core.audio_header import AudioHeader, AudioHeaderError, read_header
from annotator.core.printable import printable


def probe_headers(items: Sequence[CorpusItem]) -> dict[CorpusItem, AudioHeader]:
    """Headers for the ETA (and for the labeller, which then need not read them again);
    unreadable files are left out (they weigh the mean)."""
    found: dict[CorpusItem, AudioHeader] = {}
    for item in items:
        try:  # never opens a FIFO, whose open would block
            found[item] = read_header(item.path)
        except AudioHeaderError:  # a bad file is reported when its turn comes, not here
            continue
    return found


def probe_durations(items: Sequence[CorpusItem]) -> dict[CorpusItem, float]:
    """Header durations for the ETA; unreadable files are left out (they weigh the mean)."""
    return {item: header.duration for item, header in probe_headers(items).items()}


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


class Progress:
    """Progress of a run over ``items``; ``bar`` None picks a bar on a terminal only."""

    def __init__(
        self,
        items: Sequence[CorpusItem],
        *,
        bar: bool | None = None,
        quiet: bool = False,
        stream: IO[str] | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.total_files = len(items)
        self.finished = 0
        self.failed = 0
        use_bar = (not quiet) and (self.stream.isatty() if bar is None else bar)
        # the headers read for the bar, handed on to the labeller (one header read per file)
        self.headers: dict[CorpusItem, AudioHeader] = probe_headers(items) if use_bar else {}
        self.durations = {item: header.duration for item, header in self.headers.items()}
        known = list(self.durations.values())
        self.default_weight = sum(known) / len(known) if known else 1.0
        self.bar = None
        self.partial = 0.0
        if use_bar:
            from tqdm import tqdm

            total = sum(self._weight(i) for i in items)
            self.bar = tqdm(
                total=round(total, 1), unit="s", unit_scale=False, file=self.stream,
                desc="labelling", dynamic_ncols=True, smoothing=0.1,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio "
                "[{elapsed}<{remaining}]{postfix}",
            )  # fmt: skip

    def _weight(self, item: CorpusItem) -> float:
        return self.durations.get(item, self.default_weight)

    def advance(self, item: CorpusItem, fraction: float) -> None:
        """Progress inside one file (only known when it runs in this process)."""
        if self.bar is not None:
            target = self._weight(item) * fraction
            self.bar.update(max(0.0, target - self.partial))
            self.partial = max(self.partial, target)

    def finish(self, result: FileResult) -> None:
        self.finished += 1
        if result.status == FAILED:
            self.failed += 1
            self._write(f"annotator: {printable(result.error or '')}")
        if self.bar is not None:
            self.bar.update(max(0.0, self._weight(result.item) - self.partial))
            self.partial = 0.0
            self.bar.set_postfix_str(
                f"{self.finished}/{self.total_files} files, {self.failed} failed"
            )
        elif not self.quiet and result.status != FAILED:
            width = len(str(self.total_files))
            took = f"{format_duration(result.audio_seconds)} audio in {result.seconds:.2f} s"
            self._write(
                f"[{self.finished:>{width}}/{self.total_files}] {result.status:<7} "
                f"{printable(result.item.key)}" + (f" ({took})" if result.status == DONE else "")
            )

    def note(self, line: str) -> None:
        """A line about the run itself (where it runs), shown unless quiet."""
        if not self.quiet:
            self._write(line)

    def _write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass
class Summary:
    """Counts and totals of a run (one shard of it, under SLURM)."""

    results: list[FileResult] = field(default_factory=list)
    wall_seconds: float = 0.0

    def of(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> int:
        return len(self.of(FAILED))

    def table(self, heading: str) -> str:
        """The end-of-run table; failures listed again so they are not lost in the scroll."""
        done, skipped, failed = self.of(DONE), self.of(SKIPPED), self.of(FAILED)
        audio = sum(r.audio_seconds or 0.0 for r in done)
        work = sum(r.seconds for r in done)
        rows = [
            ("labelled", len(done), format_duration(audio), f"{work:.1f} s"),
            ("skipped (up to date)", len(skipped), "", ""),
            ("failed", len(failed), "", ""),
            ("total", len(self.results), "", f"{self.wall_seconds:.1f} s wall"),
        ]
        lines = [heading, f"  {'':<22}{'files':>7}  {'audio':>10}  {'time':>12}"]
        lines += [f"  {n:<22}{c:>7}  {a:>10}  {t:>12}" for n, c, a, t in rows]
        if done and self.wall_seconds > 0:
            lines.append(f"  speed: {audio / self.wall_seconds:.1f} s of audio per second (wall)")
        if failed:
            lines.append("failed files:")
            lines += [f"  {printable(r.error or '')}" for r in sorted(failed, key=lambda r: r.item)]
        return "\n".join(lines)
