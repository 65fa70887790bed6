"""Levels of detail for the evidence rows: column-mean levels of the heat map, and the span an
item last drew so that a pan inside it costs no new data.

Why: an hour of a K = 256 model is a 256 × 180 000 image. Handing all of it to pyqtgraph makes
every repaint downsample (or, zoomed in, colour) 46 million values: 90 ms to 700 ms a frame and
a 180 MB transient image. Mean levels, each ``factor`` times narrower than the one below, let a
view take only the visible columns of the level that has about one column per pixel: a few
hundred kilobytes whatever the zoom. The first fold reads the row-major image in cache-sized
column chunks and writes a time-major level, so every further fold is a reduction over whole
contiguous rows, which numpy vectorises (a fold of a row-major image along its rows is 10-30
times slower). numpy only; no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.evidence.mapped_arrays import column_blocks

#: input columns per chunk of the first fold (K × this many bytes stays in cache)
CHUNK_COLUMNS = 8192
#: drawn range on each side of the visible one, in screens: small pans need no new data
MARGIN = 0.5
#: images larger than this (K × T bytes) keep no first fold: a query folds its own range
#: (at most ``factor × max_columns`` columns), which saves 3/4 of the levels' memory (115 MB
#: of a ten-hour K = 256 image)
LAZY_BYTES = 32 << 20


@dataclass(frozen=True)
class ImageSlice:
    """Columns [first, first + image.shape[1]) of a level; one column covers ``step`` frames."""

    image: np.ndarray  # (K, n) row-major, contiguous, uint8
    first: int
    step: int


class ColumnLevels:
    """Mean levels of a uint8 image (K rows × T columns), queried by column range."""

    def __init__(self, image: np.ndarray, factor: int = 4, rows: np.ndarray | None = None) -> None:
        """``rows`` (distinct rows of ``image``: a permutation, or a subset such as a filter's)
        puts row ``rows[i]`` of ``image`` at row i of every answer: the levels are folded
        already in that order, and the image itself is never copied (a mapped ten-hour image
        stays on disk; a query takes the rows of its own slice)."""
        image = np.asarray(image)
        if image.ndim != 2 or image.dtype != np.uint8:
            raise ValueError(f"need a (K, T) uint8 image, got {image.dtype} {image.shape}")
        if not 2 <= factor <= 256:
            raise ValueError("factor must be between 2 and 256")
        self.image = image
        self.factor = int(factor)
        self.rows = None if rows is None else _distinct(rows, image.shape[0])
        #: coarser levels, time-major (columns × K), with the frames each column covers
        self.levels: list[tuple[np.ndarray, int]] = []
        #: the first fold (``factor`` frames a column) when made per query rather than kept
        self.lazy_step: int | None = None
        t, f = image.shape[1], self.factor
        k = self.shape[0]
        if t > f * f and k * t > LAZY_BYTES:  # 3/4 of the levels' memory: made per query
            level, tail = _fold_twice(image, f, self.rows)
            step, self.lazy_step = f * f, f
        elif t > 1:
            level, step = _fold_row_major(image, f, self.rows), f
            tail = t - (level.shape[0] - 1) * step  # frames under the last column
        if t > 1:
            while True:
                self.levels.append((level, step))
                if level.shape[0] <= 1:
                    break
                level, tail = _fold_time_major(level, f, step, tail)
                step *= f

    def with_rows(self, rows: np.ndarray) -> ColumnLevels:
        """The same levels with the rows taken in order ``rows`` (row i of the result is row
        ``rows[i]`` here). A mean is per row, so permuting every level once is exact and avoids
        folding again; each query then returns rows already in drawing order."""
        rows = _permutation(rows, self.shape[0])
        out = ColumnLevels.__new__(ColumnLevels)
        out.image, out.factor, out.lazy_step = self.image, self.factor, self.lazy_step
        out.rows = rows if self.rows is None else self.rows[rows]
        out.levels = [(np.ascontiguousarray(level[:, rows]), step) for level, step in self.levels]
        return out

    @property
    def shape(self) -> tuple[int, int]:
        """(rows answered, columns): K, or the number of rows chosen."""
        k = self.image.shape[0] if self.rows is None else self.rows.shape[0]
        return (int(k), int(self.image.shape[1]))

    @property
    def nbytes(self) -> int:
        return sum(level.nbytes for level, _ in self.levels)

    def query(self, c0: float, c1: float, max_columns: int) -> ImageSlice:
        """Columns covering frames [c0, c1) from the finest level with at most ``max_columns``
        of them (the coarsest level answers when none has so few)."""
        k, t = self.shape
        i0 = int(np.clip(np.floor(c0), 0, t))
        i1 = int(np.clip(np.ceil(c1), 0, t))
        max_columns = max(int(max_columns), 1)
        if i1 <= i0:
            return ImageSlice(np.zeros((k, 0), np.uint8), i0, 1)
        if i1 - i0 <= max_columns or not self.levels:
            part = self.image[:, i0:i1]
            part = part if self.rows is None else part[self.rows]
            return ImageSlice(np.ascontiguousarray(part), i0, 1)
        if self.lazy_step is not None:  # the first fold of just this range (whole groups)
            step = self.lazy_step
            b0, b1 = i0 // step, min(-(-i1 // step), -(-t // step))
            if b1 - b0 <= max_columns:
                part = self.image[:, b0 * step : min(b1 * step, t)]
                level = _fold_row_major(part, step, self.rows)
                return ImageSlice(np.ascontiguousarray(level.T), b0, step)
        for level, step in self.levels:
            b0, b1 = i0 // step, min(-(-i1 // step), level.shape[0])
            if b1 - b0 <= max_columns or step == self.levels[-1][1]:
                return ImageSlice(np.ascontiguousarray(level[b0:b1].T), b0, step)
        raise AssertionError("unreachable: the last level always answers")


def _permutation(rows: np.ndarray, k: int) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.int64)
    if rows.ndim != 1 or sorted(rows.tolist()) != list(range(k)):
        raise ValueError(f"need a permutation of the {k} rows")
    return rows


def _distinct(rows: np.ndarray, k: int) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.int64)
    values = rows.tolist()
    if (
        rows.ndim != 1
        or not values
        or len(set(values)) != len(values)
        or not (min(values) >= 0 and max(values) < k)
    ):
        raise ValueError(f"need distinct rows of the {k} (a permutation or a subset)")
    return rows


def _fold_row_major(image: np.ndarray, f: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Mean over groups of ``f`` columns of a (K, T) image, as a time-major (ceil(T/f), K),
    with its columns taken in order ``rows`` when given. A mapped image is read in chunks
    whose pages are let go as the pass moves on (`mapped_arrays.column_blocks`)."""
    t = image.shape[1]
    k = image.shape[0] if rows is None else rows.shape[0]
    full = t // f
    out = np.empty((full + (t % f > 0), k), dtype=np.uint8)
    step = max(CHUNK_COLUMNS // f, 1)
    for a, chunk in column_blocks(image[:, : full * f], step * f):
        block = np.ascontiguousarray(chunk.T)  # (cols, K), in cache
        if rows is not None:
            block = block[:, rows]
        n = block.shape[0] // f
        out[a // f : a // f + n] = _rounded_mean(block.reshape(n, f, k), f)
    if t % f:
        last = image[:, full * f :].T[None]
        out[-1] = _rounded_mean(last if rows is None else last[:, :, rows], t - full * f)[0]
    return out


def _fold_twice(image: np.ndarray, f: int, rows: np.ndarray | None) -> tuple[np.ndarray, int]:
    """The second level (``f``² frames a column) folded chunk by chunk through the first, which
    is never kept whole; and the frames under its last column. Chunks start at multiples of
    ``f``², so every group is the one the whole-image cascade would make (the last, perhaps
    short, group of each level lies in the last chunk), and the values are the same."""
    t, ff = image.shape[1], f * f
    k = image.shape[0] if rows is None else rows.shape[0]
    out = np.empty((-(-t // ff), k), dtype=np.uint8)
    for a, block in column_blocks(image, max(CHUNK_COLUMNS * f // ff, 1) * ff):
        first = _fold_row_major(block, f, rows)
        tail = block.shape[1] - (first.shape[0] - 1) * f
        second, _ = _fold_time_major(first, f, f, tail)
        out[a // ff : a // ff + second.shape[0]] = second
    return out, int(t - (out.shape[0] - 1) * ff)


def _fold_time_major(level: np.ndarray, f: int, step: int, tail: int) -> tuple[np.ndarray, int]:
    """Mean over groups of ``f`` rows of a time-major (n, K) level whose columns cover ``step``
    frames each but the last, which covers ``tail``; returns the new level and its tail.

    The last group is weighted by frames, so a short last column counts for what it covers.
    """
    n, k = level.shape
    full = n // f
    out = np.empty((full + (n % f > 0), k), dtype=np.uint8)
    out[:full] = _rounded_mean(level[: full * f].reshape(full, f, k), f)
    start = (out.shape[0] - 1) * f
    last = level[start:n].astype(np.float64)
    weights = np.full(last.shape[0], float(step))
    weights[-1] = tail
    out[-1] = np.floor(weights @ last / weights.sum() + 0.5).astype(np.uint8)
    return out, int((last.shape[0] - 1) * step + tail)


def _rounded_mean(groups: np.ndarray, count: int) -> np.ndarray:
    """Mean over axis 1 of uint8 groups (``count`` <= 256 of them), rounded, as uint8.

    Sums in uint16 (a uint8 sum of 256 fits) and shifts when ``count`` is a power of two:
    integer division is several times slower than the sum itself.
    """
    total = groups.sum(axis=1, dtype=np.uint16)
    total += count // 2
    if count & (count - 1) == 0:
        total >>= count.bit_length() - 1
    else:
        total //= count
    return total.astype(np.uint8)


class DrawnSpan:
    """The time range an item last drew data for (the visible range plus `MARGIN` screens).

    `fresh` says whether a new visible range needs new data: a pan that stays inside the drawn
    range at the same zoom does not (the item is only repainted, which is cheap).
    """

    def __init__(self) -> None:
        self.lo = self.hi = self.span = 0.0
        self.width = 0
        self.valid = False

    def covers(self, start: float, end: float, width_px: int) -> bool:
        span = end - start
        return (
            self.valid
            and width_px == self.width
            and abs(span - self.span) <= 1e-9 * max(span, 1e-9)
            and self.lo <= start
            and end <= self.hi
        )

    def widened(self, start: float, end: float) -> tuple[float, float]:
        span = end - start
        return start - MARGIN * span, end + MARGIN * span

    def remember(self, start: float, end: float, width_px: int, lo: float, hi: float) -> None:
        """Drew [lo, hi] for the visible [start, end]; a pan keeps it while inside [lo, hi]."""
        self.lo, self.hi, self.span, self.width, self.valid = lo, hi, end - start, width_px, True

    def reset(self) -> None:
        self.valid = False
