"""The catalogue of bad (and awkward but valid) inputs a corpus throws at the tool.

Each `BadInput` knows how to write itself into a folder; the tests run it through the command
that would meet it in real use (`annotator label`/`info` for audio and models, `convert`/`info`
for annotation files, `info` for sidecars) and through the GUI for a subset. ``reason`` holds the
words the one-line error must contain; ``None`` marks an input that is unusual but valid and must
simply work. The reader-level cases of ``tests/annotator/formats/test_formats_malformed.py`` are
reused here end to end instead of being written a second time.
"""

from __future__ import annotations

import codecs
import json
import pickle
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from tests.annotator.formats.test_formats_malformed import CASES as READER_CASES
from tests.annotator.formats.test_formats_malformed import GOOD_EAF, GOOD_TEXTGRID

if TYPE_CHECKING:
    import torch

SR = 16000
ELAN6 = Path(__file__).resolve().parents[1] / "annotator" / "formats" / "data" / "elan6_meeting.eaf"
#: Set by the exploit pickles' ``__reduce__``: if this file appears, a model file ran code.
EXPLOIT_MARKER = "EXPLOITED"


@dataclass(frozen=True)
class BadInput:
    name: str  # unique; also the file name (with its extension)
    kind: str  # audio | textgrid | rttm | audacity | json | eaf | csv | sidecar | model
    make: Callable[[Path], None]
    reason: str | None  # words the error must contain; None: valid, must work
    #: the file cannot be handed to the pre-labeler in a test run (37 hours of audio)
    label: bool = True
    #: only meaningful when not root (root reads a chmod-000 file anyway)
    needs_non_root: bool = False

    @property
    def valid(self) -> bool:
        return self.reason is None

    def build(self, folder: Path) -> Path:
        path = folder / self.name
        self.make(path)
        return path


# ------------------------------------------------------------------------------ audio helpers
def tone(rate: int = SR, seconds: float = 1.0, channels: int = 1) -> np.ndarray:
    t = np.arange(max(1, int(rate * seconds))) / rate
    wave = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return np.stack([wave] * channels, axis=1) if channels > 1 else wave


def _write(rate: int = SR, seconds: float = 1.0, channels: int = 1, **kw) -> Callable[[Path], None]:
    return lambda p: sf.write(p, tone(rate, seconds, channels), rate, **kw)


def _truncated(fmt: str, keep: float) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        sf.write(p, tone(seconds=2.0), SR, format=fmt)
        data = p.read_bytes()
        p.write_bytes(data[: int(len(data) * keep)])

    return make


def _data_size_lie(size: int) -> Callable[[Path], None]:
    """A WAV whose ``data`` chunk claims ``size`` bytes, whatever the file holds."""

    def make(p: Path) -> None:
        sf.write(p, tone(), SR, subtype="PCM_16")
        data = bytearray(p.read_bytes())
        at = data.find(b"data")
        data[at + 4 : at + 8] = struct.pack("<I", size)
        p.write_bytes(bytes(data))

    return make


def _fmt_field(offset: int, value: int, width: str) -> Callable[[Path], None]:
    """A WAV with one field of its ``fmt`` chunk overwritten (channels, rate, ...)."""

    def make(p: Path) -> None:
        sf.write(p, tone(), SR, subtype="PCM_16")
        data = bytearray(p.read_bytes())
        at = data.find(b"fmt ") + 8 + offset
        data[at : at + struct.calcsize(width)] = struct.pack(width, value)
        p.write_bytes(bytes(data))

    return make


def _non_finite(p: Path) -> None:
    x = tone()
    x[100:200] = np.nan
    x[300], x[301] = np.inf, -np.inf
    sf.write(p, x, SR, subtype="FLOAT")


def _sparse(header: bool) -> Callable[[Path], None]:
    """4 GiB that take no disk space: zeros alone, or zeros behind a WAV header."""

    def make(p: Path) -> None:
        with open(p, "wb") as handle:
            if header:
                handle.write(_wav_header(4 * 1024**3 - 44))
            handle.truncate(4 * 1024**3)

    return make


def _wav_header(data_bytes: int) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, SR, SR * 2, 2, 16)
    return (
        b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", data_bytes)
    )  # fmt: skip


def _unreadable(p: Path) -> None:
    _write()(p)
    p.chmod(0)


AUDIO = [
    BadInput("truncated.wav", "audio", _truncated("WAV", 0.6), None),  # the part present is used
    BadInput("truncated-flac.flac", "audio", _truncated("FLAC", 0.5), "decoding failed"),
    BadInput("truncated-ogg.ogg", "audio", _truncated("OGG", 0.3), "not a readable audio file"),
    BadInput("header-too-long.wav", "audio", _data_size_lie(0x7FFFFFF0), None),
    BadInput("header-too-short.wav", "audio", _data_size_lie(100), None),
    BadInput(
        "zero-samples.wav",
        "audio",
        lambda p: sf.write(p, np.zeros(0, np.float32), SR),
        "no samples",
    ),  # fmt: skip
    BadInput("one-sample.wav", "audio", _write(seconds=1 / SR), None),
    BadInput("nan-inf.wav", "audio", _non_finite, None),  # zeroed with a one-line warning
    BadInput("eight-channels.wav", "audio", _write(channels=8), None),
    BadInput("telephone-8k.wav", "audio", _write(rate=8000), None),
    BadInput("studio-96k.flac", "audio", _write(rate=96000), None),
    BadInput("pcm24.wav", "audio", _write(subtype="PCM_24"), None),
    BadInput("zero-channels.wav", "audio", _fmt_field(2, 0, "<H"), "not a readable audio file"),
    BadInput("zero-rate.wav", "audio", _fmt_field(4, 0, "<I"), "not a readable audio file"),
    BadInput(
        "text.wav",
        "audio",
        lambda p: p.write_text("not audio at all\n" * 20),
        "not a readable audio file",
    ),  # fmt: skip
    BadInput("empty.wav", "audio", lambda p: p.write_bytes(b""), "not a readable audio file"),
    BadInput("folder.wav", "audio", lambda p: p.mkdir(), "folder"),
    BadInput("unreadable.wav", "audio", _unreadable, "permission", needs_non_root=True),
    BadInput("sparse-4g.wav", "audio", _sparse(header=False), "not a readable audio file"),
    BadInput("sparse-4g-header.wav", "audio", _sparse(header=True), None, label=False),
]


# ------------------------------------------------------------------------- annotation files
def _content(content: str | bytes) -> Callable[[Path], None]:
    if isinstance(content, str):
        return lambda p: p.write_text(content, encoding="utf-8", newline="")
    return lambda p: p.write_bytes(content)


def _kind_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    kinds = {".textgrid": "textgrid", ".rttm": "rttm", ".txt": "audacity", ".eaf": "eaf",
             ".csv": "csv"}  # fmt: skip
    return kinds.get(suffix, "json")


def _many_intervals(count: int) -> str:
    """A short-format TextGrid tiling [0, count/100] with ``count`` intervals."""
    end = count / 100
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "0", f"{end}",
             "<exists>", "1", '"IntervalTier"', '"speech"', "0", f"{end}", str(count)]  # fmt: skip
    for i in range(count):
        lines += [f"{i / 100}", f"{(i + 1) / 100}", '"x"' if i % 2 else '""']
    return "\n".join(lines) + "\n"


def _sparse_text(head: bytes = b"", size: int = 2 * 1024**3) -> Callable[[Path], None]:
    """``head`` and then NULs up to ``size`` bytes, stored sparse (no disk used)."""

    def make(p: Path) -> None:
        with open(p, "wb") as handle:
            handle.write(head)
            handle.truncate(size)

    return make


REUSED = [BadInput(n, _kind_of(n), _content(c), r) for n, c, _line, r in READER_CASES]
ANNOTATIONS = [
    *REUSED,
    BadInput(
        "utf16-no-bom.TextGrid", "textgrid", _content(GOOD_TEXTGRID.encode("utf-16-le")), "UTF-16"
    ),  # fmt: skip
    BadInput(
        "utf16-bom.TextGrid",
        "textgrid",
        _content(codecs.BOM_UTF16_LE + GOOD_TEXTGRID.encode("utf-16-le")),
        None,
    ),  # fmt: skip
    BadInput("crlf.TextGrid", "textgrid", _content(GOOD_TEXTGRID.replace("\n", "\r\n")), None),
    BadInput(
        "huge-label.TextGrid",
        "textgrid",
        _content(GOOD_TEXTGRID.replace('"a"', '"' + "ä" * 2_000_000 + '"')),
        None,
    ),  # fmt: skip
    BadInput("many-intervals.TextGrid", "textgrid", _content(_many_intervals(100_000)), None),
    BadInput(
        "tier-named-path.TextGrid",
        "textgrid",
        _content(GOOD_TEXTGRID.replace('"speech"', '"../../etc/x"')),
        None,
    ),  # fmt: skip
    BadInput(  # found by benchmarks/fuzz_readers.py: 1e309 reads as inf
        "tier-count-inf.TextGrid",
        "textgrid",
        _content(GOOD_TEXTGRID.replace("size = 1", "size = 1e309", 1)),
        "whole number",
    ),
    BadInput(
        "interval-count-inf.TextGrid",
        "textgrid",
        _content(GOOD_TEXTGRID.replace("intervals: size = 2", "intervals: size = 1e309")),
        "whole number",
    ),
    BadInput(
        "spaces-in-id.rttm",
        "rttm",
        _content("SPEAKER my rec 1 0 1 <NA> <NA> a <NA> <NA>\n"),
        "10 fields",
    ),  # fmt: skip
    BadInput(
        "mixed.rttm",
        "rttm",
        _content(
            "SPEAKER a 1 0 1 <NA> <NA> x <NA> <NA>\nSPEAKER b 1 0.5 1 <NA> <NA> y <NA> <NA>\n"
            "SPEAKER a 1 2 1 <NA> <NA> x <NA> <NA>\n"
        ),
        None,
    ),  # fmt: skip
    BadInput(
        "path-ids.rttm",
        "rttm",
        _content(
            "SPEAKER ../../escape 1 0 1 <NA> <NA> x <NA> <NA>\n"
            "SPEAKER sub/dir 1 0 1 <NA> <NA> x <NA> <NA>\nSPEAKER /abs 1 0 1 <NA> <NA> x <NA> <NA>\n"
            "SPEAKER .. 1 0 1 <NA> <NA> x <NA> <NA>\n"
        ),
        None,
    ),  # fmt: skip
    BadInput("crlf.rttm", "rttm", _content("SPEAKER r 1 0 1 <NA> <NA> x <NA> <NA>\r\n"), None),
    BadInput("empty-fields.rttm", "rttm", _content("SPEAKER\n"), "10 fields"),
    BadInput(
        "nan-duration.rttm", "rttm", _content("SPEAKER r 1 0 nan <NA> <NA> x <NA> <NA>\n"), "finite"
    ),  # fmt: skip
    # 2 GiB of NULs that take no disk: refused from the first 64 KiB (issue 19)
    BadInput("sparse-2g-nul.rttm", "rttm", _sparse_text(), "contains NUL bytes"),
    BadInput("sparse-2g-nul.TextGrid", "textgrid", _sparse_text(), "contains NUL bytes"),
    BadInput(
        "sparse-2g-broken.rttm", "rttm", _sparse_text(b"SPEAKER \xc3("), "undecodable bytes"
    ),  # fmt: skip
    # ELAN files (issue 17): the reader-level kinds come with REUSED; these need the CLI
    BadInput("elan6.eaf", "eaf", _content(ELAN6.read_bytes()), None),
    BadInput("sparse-2g-nul.eaf", "eaf", _sparse_text(), "contains NUL bytes"),
    BadInput(
        "sparse-2g-after-header.eaf", "eaf", _sparse_text(GOOD_EAF[:200].encode()), "NUL bytes"
    ),  # fmt: skip
    BadInput(
        "utf16-bom.eaf",
        "eaf",
        _content(codecs.BOM_UTF16_LE + GOOD_EAF.replace("UTF-8", "UTF-16").encode("utf-16-le")),
        None,
    ),  # fmt: skip
    BadInput(
        "huge-value.eaf",
        "eaf",
        _content(GOOD_EAF.replace(">a<", ">" + "ä" * 2_000_000 + "<")),
        None,
    ),  # fmt: skip
    BadInput(
        "decimal-comma.csv",
        "csv",
        _content("onset;offset;lane;label\r\n0,5;1,25;speech;a\r\n"),
        None,
    ),  # fmt: skip
    BadInput(
        "excel-bom.csv",
        "csv",
        _content(
            codecs.BOM_UTF8 + b'onset,offset,lane,label\r\n0,1,notes,"caf\xc3\xa9, ""quoted"""\r\n'
        ),
        None,
    ),  # fmt: skip
    BadInput("sparse-2g-nul.csv", "csv", _sparse_text(), "contains NUL bytes"),
]


# ---------------------------------------------------------------------------------- sidecars
def sidecar_document(version: int = 1, **changes: object) -> dict:
    doc = {
        "format": "nmf-annotator-sidecar", "schema_version": version,
        "saved_at": "2024-01-01T00:00:00+00:00", "status": "in_review",
        "annotation": {"lanes": [{"name": "speech", "segments": [{"start": 0, "end": 1,
                                                                   "label": "a"}]}]},
        "extra": {},
    }  # fmt: skip
    doc.update(changes)
    return doc


def _sidecar(doc: dict | None = None, raw: bytes | None = None) -> Callable[[Path], None]:
    data = raw if raw is not None else json.dumps(doc).encode("utf-8")
    return lambda p: p.write_bytes(data)


GOOD_SIDECAR = json.dumps(sidecar_document()).encode("utf-8")
SIDECARS = [
    BadInput("valid.annotation.json", "sidecar", _sidecar(sidecar_document()), None),
    BadInput("older.annotation.json", "sidecar", _sidecar(sidecar_document(0)), "not supported"),
    BadInput("newer.annotation.json", "sidecar", _sidecar(sidecar_document(7)), "newer version"),
    BadInput(
        "truncated.annotation.json", "sidecar", _sidecar(raw=GOOD_SIDECAR[:-20]), "not valid JSON"
    ),  # fmt: skip
    BadInput("empty.annotation.json", "sidecar", _sidecar(raw=b""), "empty"),
    BadInput("binary.annotation.json", "sidecar", _sidecar(raw=bytes(range(256))), "UTF-8"),
    BadInput("array.annotation.json", "sidecar", _sidecar(raw=b"[1, 2]"), "not a JSON object"),
    BadInput(
        "status.annotation.json",
        "sidecar",
        _sidecar(sidecar_document(status="meh")),
        "unknown status",
    ),  # fmt: skip
    BadInput(
        "version-text.annotation.json",
        "sidecar",
        _sidecar(sidecar_document("1")),
        "schema_version must be an integer",
    ),  # fmt: skip
    BadInput(
        "overlap.annotation.json",
        "sidecar",
        _sidecar(
            sidecar_document(
                annotation={
                    "lanes": [
                        {"name": "s", "segments": [{"start": 0, "end": 2}, {"start": 1, "end": 3}]}
                    ]
                }
            )
        ),
        "annotation is invalid",
    ),  # fmt: skip
]


# ------------------------------------------------------------------------------------ models
class Exploit:
    """Unpickling this writes `EXPLOIT_MARKER` beside the file: proof that code ran."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __reduce__(self):
        return (Path.write_text, (self.folder / EXPLOIT_MARKER, "code ran"))


def tiny_model(path: Path, **config: int) -> Path:
    import torch

    from segmenter.checkpoint import save_model
    from segmenter.model import ModelConfig, NMFSegmenter

    torch.manual_seed(0)
    settings = {"n_components": 16, "bottleneck_channels": 8, "hidden_channels": 16, **config}
    save_model(NMFSegmenter(ModelConfig(**settings)), path)
    return path


def _rewrite_model(edit: Callable[[dict, dict, dict], None]) -> Callable[[Path], None]:
    """A valid tiny model whose metadata and/or tensors ``edit(meta, doc, tensors)`` changes."""

    def make(p: Path) -> None:
        from safetensors import safe_open
        from safetensors.torch import save_file

        tiny_model(p)
        with safe_open(str(p), framework="pt") as handle:
            meta = dict(handle.metadata())
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
        doc = json.loads(meta["nmf_segmenter"])
        edit(meta, doc, tensors)
        meta["nmf_segmenter"] = json.dumps(doc)
        save_file(tensors, str(p), metadata=meta)

    return make


def _truncated_model(p: Path) -> None:
    tiny_model(p)
    p.write_bytes(p.read_bytes()[:-200])


def _shape(meta: dict, doc: dict, tensors: dict) -> None:
    key = next(k for k, v in tensors.items() if v.ndim == 2)
    tensors[key] = tensors[key][:, :-1].contiguous()


def _config(**changes: object) -> Callable[[Path], None]:
    """A tiny model whose stored config says ``changes`` (the weights are left as they are)."""
    return _rewrite_model(lambda m, d, t: d["config"].update(changes))


def _weight(key: str, edit: Callable[[torch.Tensor], object]) -> Callable[[Path], None]:
    """A tiny model whose tensor ``key`` is changed in place by ``edit``."""
    return _rewrite_model(lambda m, d, t: edit(t[key]))


def _set(at: tuple[int, ...], value: float) -> Callable[[torch.Tensor], None]:
    def edit(tensor: torch.Tensor) -> None:
        tensor[at] = value

    return edit


def _torch_pickle(p: Path) -> None:
    import torch

    torch.save({"state_dict": {"w": torch.zeros(2)}, "boom": Exploit(p.parent)}, p)


MODELS = [
    BadInput("valid.safetensors", "model", lambda p: (tiny_model(p), None)[1], None),
    BadInput("truncated.safetensors", "model", _truncated_model, "not a valid safetensors"),
    BadInput(
        "pickle.safetensors",
        "model",
        lambda p: p.write_bytes(pickle.dumps(Exploit(p.parent))),
        "pickle",
    ),  # fmt: skip
    BadInput("torch-save.safetensors", "model", _torch_pickle, "pickle"),
    BadInput("checkpoint.pt", "model", _torch_pickle, "safetensors"),
    BadInput(
        "wrong-format.safetensors",
        "model",
        _rewrite_model(lambda m, d, t: m.update(format="other")),
        "not an nmf-segmenter model file",
    ),  # fmt: skip
    BadInput(
        "newer-format.safetensors",
        "model",
        _rewrite_model(lambda m, d, t: m.update(format_version="9")),
        "newer",
    ),  # fmt: skip
    BadInput(
        "lacks-config.safetensors",
        "model",
        _rewrite_model(lambda m, d, t: d.pop("config")),
        "lacks config",
    ),  # fmt: skip
    BadInput(
        "wrong-classes.safetensors",
        "model",
        _rewrite_model(lambda m, d, t: d.update(classes=["sp"])),
        "differ",
    ),  # fmt: skip
    BadInput("wrong-shapes.safetensors", "model", _rewrite_model(_shape), "shape"),
    BadInput(
        "missing-weight.safetensors",
        "model",
        _rewrite_model(lambda m, d, t: t.pop(sorted(t)[0])),
        "missing",
    ),  # fmt: skip
    BadInput(
        "text.safetensors",
        "model",
        lambda p: p.write_text("hello\n" * 50),
        "not a valid safetensors",
    ),  # fmt: skip
    BadInput("empty.safetensors", "model", lambda p: p.write_bytes(b""), "safetensors"),
    BadInput("folder.safetensors", "model", lambda p: p.mkdir(), "folder"),
    # sizes and rates from the config: refused before anything is allocated (issue 19)
    BadInput("components-1e12.safetensors", "model", _config(n_components=10**12), "n_components"),
    BadInput(
        "components-fraction.safetensors",
        "model",
        _config(n_components=16.5),
        "n_components must be a whole number",
    ),  # fmt: skip
    BadInput("repeats-1e6.safetensors", "model", _config(repeats=10**6), "repeats"),
    BadInput("hidden-1e9.safetensors", "model", _config(hidden_channels=10**9), "hidden_channels"),
    BadInput("rate-zero.safetensors", "model", _config(sample_rate=0), "sample_rate 0"),
    BadInput("rate-1e9.safetensors", "model", _config(sample_rate=10**9), "sample_rate"),
    BadInput("n-fft-2e31.safetensors", "model", _config(n_fft=2**31), "n_fft"),
    BadInput("hop-past-fft.safetensors", "model", _config(hop_length=5000), "hop_length"),
    BadInput(
        "config-beyond-weights.safetensors",
        "model",
        _config(hidden_channels=4096, bottleneck_channels=4096),
        "the config implies",
    ),  # fmt: skip
    BadInput(
        "front-end-param-unknown.safetensors",
        "model",
        _config(front_end_params={"colour": "blue"}),
        "unknown front end parameter 'colour'",
    ),  # fmt: skip
    BadInput(
        "front-end-param-type.safetensors",
        "model",
        _config(front_end_params={"compression": "log", "floor": "tiny"}),
        "floor",
    ),  # fmt: skip
    BadInput("front-end-unknown.safetensors", "model", _config(front_end="mfcc"), "mfcc"),
    # the weights themselves
    BadInput(
        "nan-weight.safetensors",
        "model",
        _weight("classifier.weight", _set((0, 0), float("nan"))),
        "not finite",
    ),  # fmt: skip
    BadInput(
        "inf-dictionary.safetensors",
        "model",
        _weight("dictionary", _set((5, 3), float("inf"))),
        "not finite",
    ),  # fmt: skip
    BadInput(
        "negative-dictionary.safetensors",
        "model",
        _weight("dictionary", _set((5, 3), -0.5)),
        "negative",
    ),  # fmt: skip
    BadInput(
        "zero-dictionary.safetensors",
        "model",
        _weight("dictionary", lambda t: t.zero_()),
        "all zero",
    ),  # fmt: skip
    BadInput(
        "negative-variance.safetensors",
        "model",
        _weight("psi.input_norm.running_var", _set((0,), -1.0)),
        "running_var",
    ),  # fmt: skip
]

CATALOGUE: list[BadInput] = [*AUDIO, *ANNOTATIONS, *SIDECARS, *MODELS]


def by_kind(*kinds: str) -> list[BadInput]:
    return [case for case in CATALOGUE if case.kind in kinds]
