"""Arrays that live on disk: temporary mapped files, passes that do not pin every page, and the
members of an uncompressed ``.npz`` mapped in place.

Why: ten hours of a K = 256 model are 1.8 M frames, so H is 1.8 GB as float32 and even its
drawn uint8 image is 460 MB. Those are files here (the inference sink's unlinked H file, a
temporary heat image, the evidence cache) and the views read only what they draw.

Two details make "memory-mapped" actually bounded:

* A page of a mapping that has been read stays resident *in this process* (and counts in its
  RSS) until memory runs short, so one pass over a mapped array would pin the whole file. Every
  full pass here goes through `column_blocks`, which tells the kernel to drop this process's
  pages of the mapping every `DROP_BYTES` (``MADV_DONTNEED``: on a shared file mapping that only
  unmaps; the data stays in the file and the page cache, and the next read faults it back).
* Temporary files are written with ``write()`` rather than through a mapping (dirty mapped pages
  would be resident too), then mapped read-only and unlinked at once on POSIX: the mapping keeps
  the data alive and the file disappears with the last view, crash included.

``np.savez`` stores its members uncompressed (``ZIP_STORED``), so a member's bytes sit in the
archive as a plain ``.npy``; `map_npz` maps them where they lie. `write_npz` streams arrays into
such an archive block by block (the dtype conversion included), never a whole-array copy.
numpy and the standard library only; no Qt.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

#: bytes read through a mapping between two page drops
DROP_BYTES = 16 << 20
#: arrays larger than this are made as temporary mapped files rather than in memory
MAPPED_BYTES = 64 << 20
#: bytes per block when streaming an array to a file
WRITE_BYTES = 16 << 20

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader (30 bytes)


def mapping_of(array: np.ndarray) -> mmap.mmap | None:
    """The mmap an array (or a view of one) reads from, or None for an in-memory array."""
    seen = 0
    obj: object = array
    while obj is not None and seen < 32:
        if isinstance(obj, mmap.mmap):
            return obj
        inner = getattr(obj, "_mmap", None)
        if isinstance(inner, mmap.mmap):
            return inner
        obj = (
            getattr(obj, "base", None) if isinstance(obj, np.ndarray) else getattr(obj, "obj", None)
        )
        seen += 1
    return None


def is_mapped(array: object) -> bool:
    return isinstance(array, np.ndarray) and mapping_of(array) is not None


def drop_pages(array: np.ndarray) -> None:
    """Let go of this process's resident pages of ``array``'s mapping (no-op in memory)."""
    mm = mapping_of(array)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    with contextlib.suppress(OSError, ValueError):  # closed mapping, platform without it
        mm.madvise(mmap.MADV_DONTNEED)


def release_mappings(arrays: list) -> bool:
    """Let go of the files mapped behind ``arrays``, a list the caller hands over (it is
    emptied: the caller must keep no other reference to them). Each mapping's pages leave
    this process at once (`drop_pages`: the data stays in the file). A mapping no array
    reads any more is closed now (its file descriptor and, for an unlinked temporary file,
    its disk space freed); one still read by a view elsewhere goes with that view. True when
    every mapping was closed. In-memory arrays are simply dropped.

    Why the reference count: numpy does not hold a buffer export on a mapping it wraps, so
    ``mmap.close`` would succeed under a live array and a later read of it would crash the
    process. Every array over a mapping keeps the mmap object alive (as its ``base``, or
    through the base it was sliced from), so a mapping referenced only here has no view."""
    found: dict[int, mmap.mmap] = {}
    for array in arrays:
        mm = mapping_of(array) if isinstance(array, np.ndarray) else None
        if mm is not None:
            found[id(mm)] = mm
    arrays.clear()
    array = mm = None
    closed = True
    for key in list(found):
        mapping = found.pop(key)
        if mapping.closed:
            continue
        if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            with contextlib.suppress(OSError, ValueError):
                mapping.madvise(mmap.MADV_DONTNEED)
        if sys.getrefcount(mapping) <= _OWN_REFERENCES:
            mapping.close()
        else:
            closed = False
    return closed


#: references to a mapping inside `release_mappings`: its local name and getrefcount's argument
_OWN_REFERENCES = 2


def column_blocks(array: np.ndarray, columns: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, array[:, start:start + columns])`` over a (K, T) array, dropping mapped pages
    every `DROP_BYTES` read (and at the end), so a full pass leaves RSS where it was."""
    mapped = is_mapped(array)
    since = 0
    per_column = max(int(array.shape[0]) * array.dtype.itemsize, 1)
    try:
        for a in range(0, int(array.shape[1]), max(int(columns), 1)):
            block = array[:, a : a + columns]
            yield a, block
            since += block.shape[1] * per_column
            if mapped and since >= DROP_BYTES:
                drop_pages(array)
                since = 0
    finally:
        if mapped:
            drop_pages(array)


def sample_columns(array: np.ndarray, count: int, run: int = 64) -> np.ndarray:
    """About ``count`` columns of a (K, T) array for estimating statistics, as a copy: all of
    them when T <= ``count``, else runs of ``run`` consecutive columns spread evenly.

    Why runs, each let go at once: a read of a mapped file maps a whole neighbourhood of pages
    into this process (fault-around, and on recent kernels the whole large folio of the page
    cache, up to 2 MB), so even a sparse sample of ten hours would pin hundreds of MB for a
    moment. A mapped array's pages are dropped after every run."""
    t = int(array.shape[1])
    if t <= count:
        out = np.array(array[:, :t])
        drop_pages(array)
        return out
    run = max(min(int(run), count), 1)
    starts = np.linspace(0, t - run, max(count // run, 1)).astype(np.int64)
    mapped = is_mapped(array)
    parts = []
    for a in starts:
        parts.append(np.array(array[:, a : a + run]))
        if mapped:
            drop_pages(array)
    return np.concatenate(parts, axis=1)


def row_envelope(array: np.ndarray, row: int, a: int, b: int, points: int) -> tuple:
    """Row ``row`` of a (K, T) array over columns [a, b) as at most about ``points`` values:
    the columns themselves when few, else the max of each group of ``g`` columns (a peak stays
    visible at any zoom). Read in blocks (`column_blocks`), never the range at once.
    Returns (first column of each value, values as float32, g)."""
    a, b = max(int(a), 0), min(int(b), int(array.shape[1]))
    if b <= a:
        return np.zeros(0, np.int64), np.zeros(0, np.float32), 1
    g = max(1, -(-(b - a) // max(int(points), 1)))
    if g == 1:
        values = np.asarray(array[row, a:b], dtype=np.float32)
        drop_pages(array)
        return np.arange(a, b), values, 1
    out = np.empty(-(-(b - a) // g), dtype=np.float32)
    columns = max(WRITE_BYTES // max(array.shape[0] * array.dtype.itemsize, 1) // g, 1) * g
    for start, block in column_blocks(array[:, a:b], columns):
        part = np.asarray(block[row], dtype=np.float32)
        full = part.shape[0] // g
        i = start // g
        out[i : i + full] = part[: full * g].reshape(full, g).max(axis=1)
        if part.shape[0] % g:
            out[i + full] = part[full * g :].max()
    return a + g * np.arange(out.shape[0]), out, g


def _map_file(path: Path, keep: bool) -> mmap.mmap:
    with open(path, "rb") as handle:
        mm = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if not keep and os.name == "posix":
        path.unlink(missing_ok=True)  # the mapping outlives the name
    return mm


def time_major_file(
    blocks: Iterable[np.ndarray], rows: int, dtype: np.dtype | type, folder: Path | None = None
) -> np.ndarray:
    """(rows, T) blocks written time-major to a temporary file, returned as a read-only (rows, T)
    view of the mapping (a time range is one contiguous read). The file is unlinked at once on
    POSIX; elsewhere it is left in the temporary folder for the system to clean."""
    dtype = np.dtype(dtype)
    fd, name = tempfile.mkstemp(prefix="nmf-annotator-", suffix=".bin", dir=folder)
    path = Path(name)
    frames = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for block in blocks:
                out.write(np.ascontiguousarray(np.asarray(block).T, dtype=dtype).tobytes())
                frames += int(block.shape[1])
        if frames == 0:
            path.unlink(missing_ok=True)
            return np.zeros((rows, 0), dtype=dtype)
        mm = _map_file(path, keep=False)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return np.ndarray((frames, rows), dtype=dtype, buffer=mm).T


# --- .npz archives -----------------------------------------------------------------------------
def map_npz(path: Path) -> dict[str, np.ndarray]:
    """Every uncompressed, plain-dtype ``.npy`` member of ``path`` as a read-only array mapped
    in place (members that cannot be mapped, such as compressed ones, are read normally)."""
    path = Path(path)
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        infos = [i for i in archive.infolist() if i.filename.endswith(".npy")]
        mm = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) if infos else None
        for info in infos:
            name = info.filename[: -len(".npy")]
            located = _member_array(raw, mm, info) if mm is not None else None
            if located is None:
                with archive.open(info) as member:
                    located = np.lib.format.read_array(member, allow_pickle=False)
            out[name] = located
    return out


def _member_array(raw, mm: mmap.mmap, info: zipfile.ZipInfo) -> np.ndarray | None:
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        return None
    fields = _LOCAL_HEADER.unpack(header)
    start = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
    raw.seek(start)
    try:
        version = np.lib.format.read_magic(raw)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(raw)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(raw)
        else:
            return None
    except ValueError:
        return None
    if dtype.hasobject:
        return None
    offset = raw.tell()
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if (
        offset - start + count * dtype.itemsize != info.file_size
        or offset + count * dtype.itemsize > len(mm)
    ):
        return None
    return np.ndarray(shape, dtype=dtype, buffer=mm, offset=offset, order="F" if fortran else "C")


def write_npz(path: Path, arrays: Mapping[str, tuple[np.ndarray, np.dtype | type]]) -> None:
    """Atomically write ``{name: (array, dtype)}`` as an uncompressed ``.npz`` that `np.load`
    reads. 2-D arrays go time-major (Fortran order) in column blocks, so a mapped (K, T) view
    of time-major data streams out sequentially; nothing is converted whole."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for key, (array, dtype) in arrays.items():
                    _write_member(archive, key, np.asarray(array), np.dtype(dtype))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_member(archive: zipfile.ZipFile, key: str, array: np.ndarray, dtype: np.dtype) -> None:
    fortran = array.ndim == 2
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": fortran,
        "shape": tuple(int(s) for s in array.shape),
    }
    with archive.open(key + ".npy", "w", force_zip64=True) as member:
        np.lib.format.write_array_header_2_0(member, header)
        if not fortran:
            member.write(np.ascontiguousarray(array, dtype=dtype).tobytes())
            return
        columns = max(WRITE_BYTES // max(array.shape[0] * 4, 1), 1)
        for _, block in column_blocks(array, columns):
            member.write(np.ascontiguousarray(block.T, dtype=dtype).tobytes())
