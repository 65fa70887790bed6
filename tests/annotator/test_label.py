"""``annotator label``: corpus listing, shards, resume, atomic outputs, failures, worker crashes."""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import extensions
from annotator.batch import (
    CorpusError,
    CorpusItem,
    list_corpus,
    parse_shard,
    select_shard,
    up_to_date,
    write_outputs,
)
from annotator.cli import main
from annotator.core import Annotation, Lane, Segment, Source
from annotator.formats import FORMATS, read_annotation
from tests.annotator.test_extensions import fake_distribution
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_file(tmp_path_factory.mktemp("model"))


def write_tone(path: Path, seconds: float = 1.0, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.1 * rng.standard_normal(int(16000 * seconds))).astype(np.float32), 16000)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """20 recordings in two speaker folders, two of them corrupt."""
    root = tmp_path / "corpus"
    for i in range(20):
        path = root / f"spk{i % 2}" / f"rec{i:02d}.wav"
        if i in (5, 12):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
        else:
            write_tone(path, seconds=0.5 + 0.1 * (i % 3), seed=i)
    return root


def label(*args: str) -> int:
    return main(["label", *args])


def stamps(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
    }


# ------------------------------------------------------------------------------ the acceptance
def test_twenty_files_two_corrupt_then_resume(
    corpus: Path, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = label(str(corpus), "--out", str(out), "--model", str(model), "--format", "textgrid,rttm")
    captured = capsys.readouterr()
    assert code == 2
    outputs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(outputs) == 36 and "spk0/rec00.TextGrid" in outputs and "spk1/rec01.rttm" in outputs
    assert not any("rec05" in o or "rec12" in o for o in outputs)
    errors = [line for line in captured.err.splitlines() if line.startswith("annotator: ")]
    assert len(errors) == 2
    for name in ("spk1/rec05.wav", "spk0/rec12.wav"):
        assert any(f"{name}: not a readable audio file" in line for line in errors), errors
    assert (
        "failed                      2" in captured.out
        and "labelled                   18" in captured.out
    )

    rttm = (out / "spk0" / "rec00.rttm").read_text().splitlines()
    assert all(line.split()[:2] == ["SPEAKER", "rec00"] for line in rttm)
    labelled = read_annotation(out / "spk0" / "rec00.TextGrid")
    assert labelled.lane_names[:4] == ("speech", "music", "noise", "overlap")

    before = stamps(out)
    again = label(str(corpus), "--out", str(out), "--model", str(model), "--format",
                  "textgrid,rttm", "--resume")  # fmt: skip
    captured = capsys.readouterr()
    assert again == 2 and stamps(out) == before  # the 18 untouched, the 2 corrupt fail again
    assert "skipped (up to date)       18" in captured.out

    os.utime(corpus / "spk1" / "rec03.wav")  # a re-recorded file is labelled again
    (corpus / "spk0" / "rec12.wav").unlink()
    write_tone(corpus / "spk0" / "rec12.wav")  # and a repaired one
    assert label(str(corpus), "--out", str(out), "--model", str(model), "--format",
                 "textgrid,rttm", "--resume", "--quiet") == 1  # fmt: skip
    changed = {k for k, v in stamps(out).items() if before.get(k) != v}
    assert changed == {
        "spk1/rec03.TextGrid",
        "spk1/rec03.rttm",
        "spk0/rec12.TextGrid",
        "spk0/rec12.rttm",
    }


def test_label_writes_elan_and_csv_files(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = write_tone(tmp_path / "corpus" / "talk one.wav", seconds=1.0)
    out = tmp_path / "out"
    code = label(str(recording.parent), "--out", str(out), "--model", str(model),
                 "--format", "eaf,csv", "--quiet")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    eaf, table = read_annotation(out / "talk one.eaf"), read_annotation(out / "talk one.csv")
    assert eaf.lane_names[:4] == ("speech", "music", "noise", "overlap")
    assert [list(lane) for lane in eaf if len(lane)] == [list(lane) for lane in table]
    text = (out / "talk one.eaf").read_text(encoding="utf-8")
    assert 'RELATIVE_MEDIA_URL="../corpus/talk%20one.wav"' in text  # ELAN finds the audio
    assert 'CONTROLLED_VOCABULARY_REF="nmf-classes"' in text
    assert not list(out.glob(".*"))


def test_existing_outputs_need_resume_or_force(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_tone(tmp_path / "a.wav")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.TextGrid").write_text("hand-corrected, precious")
    assert label(str(source), "--out", str(out), "--model", str(model)) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "exists already" in err and "--resume" in err
    assert (out / "a.TextGrid").read_text() == "hand-corrected, precious"
    # newer than the recording and the model: --resume keeps it
    assert label(str(source), "--out", str(out), "--model", str(model), "--resume") == 0
    assert (out / "a.TextGrid").read_text() == "hand-corrected, precious"
    assert label(str(source), "--out", str(out), "--model", str(model), "--force") == 0
    assert read_annotation(out / "a.TextGrid").lane_names[0] == "speech"


def test_shard_runs_cover_the_corpus_exactly_once(
    corpus: Path, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []
    for i in (1, 2, 3):
        out = tmp_path / f"shard{i}"
        label(str(corpus), "--out", str(out), "--model", str(model), "--shard", f"{i}/3", "--quiet")
        assert f"shard {i}/3: {7 if i < 3 else 6} of 20 recording(s)" in capsys.readouterr().out
        seen += [p.relative_to(out).with_suffix("").as_posix() for p in out.rglob("*.TextGrid")]
    everything = [i.key for i in list_corpus([str(corpus)])]
    assert sorted(seen) == sorted(k for k in everything if "rec05" not in k and "rec12" not in k)
    assert len(seen) == len(set(seen)) == 18


def test_setup_errors_are_one_line(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_tone(tmp_path / "a.wav")
    out = str(tmp_path / "out")
    import annotator.resources as resources

    def missing(*parts: str) -> Path:
        raise resources.ResourceMissing("missing")

    monkeypatch.setattr(resources, "resource_path", missing)
    cases = [
        ((str(source), "--out", out), "no default model is installed"),
        ((str(source), "--out", out, "--model", str(tmp_path / "no.safetensors")), "no such model"),
        ((str(source), "--out", out, "--model", str(model), "--format", "doc"), "no format named"),
        (
            (str(tmp_path / "nothing"), "--out", out, "--model", str(model)),
            "no such file or folder",
        ),
        ((str(source), "--out", out, "--model", str(model), "--shard", "4/3"), "must lie in 1..n"),
        ((str(source), "--out", out, "--prelabeler", "nope"), "no pre-labeler named 'nope'"),
        ((str(source), "--out", out, "--model", str(source)), "not a valid safetensors"),
    ]
    import torch

    if not torch.cuda.is_available():
        cases.append(((str(source), "--out", out, "--model", str(model), "--device", "cuda"),
                      "CUDA is not available"))  # fmt: skip
    for args, expected in cases:
        assert label(*args) == 1, args
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1, err
    assert not Path(out).exists()


# ------------------------------------------------------------------------------ worker pool
CRASHER = '''
import os
from pathlib import Path

def make():
    """Crashes its worker on files named crash*; labels the rest."""
    def run(source, *, progress=None, cancel=None):
        name = Path(source).name
        if name.startswith("crash"):
            os._exit(9)
        if name.startswith("raise"):
            raise RuntimeError("plugin bug")
        return {"speech": [(0.0, 0.25, "speech", 0.9)]}
    return run
'''


@pytest.fixture
def crasher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    site = fake_distribution(
        tmp_path / "site", "crash-plugin",
        {"nmf_annotator.prelabelers": {"crasher": "crash_plugin:make"}}, {"crash_plugin": CRASHER},
    )  # fmt: skip
    monkeypatch.syspath_prepend(str(site))
    extensions.refresh()
    yield
    extensions.refresh()


def test_a_crashing_worker_fails_only_its_file(
    crasher: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    names = ["a", "b", "crash", "c", "raise", "d", "e"]
    for i, name in enumerate(names):
        write_tone(corpus / f"{name}.wav", seconds=0.5, seed=i)
    out = tmp_path / "out"
    code = label(str(corpus), "--out", str(out), "--prelabeler", "crasher", "--jobs", "2",
                 "--format", "json")  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert sorted(p.stem for p in out.glob("*.json")) == ["a", "b", "c", "d", "e"]
    assert "crash.wav: its worker process died" in captured.err
    assert "raise.wav: RuntimeError: plugin bug" in captured.err
    labelled = read_annotation(out / "d.json")
    assert labelled.lane("speech")[0] == Segment(0.0, 0.25, "speech", 0.9, Source.MODEL)
    assert not list(out.glob(".*"))  # no temporary files left behind


# ------------------------------------------------------------------------------ corpus listing
def test_folders_lists_and_loose_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "c"
    for rel in ("s1/a.wav", "s1/b.flac", "s2/a.wav", ".hidden/x.wav", "s2/notes.txt"):
        write_tone(root / rel) if rel.endswith((".wav", ".flac")) else (root / rel).write_text("x")
    assert [i.key for i in list_corpus([str(root)])] == ["s1/a", "s1/b", "s2/a"]
    assert [i.key for i in list_corpus([str(root)], [".flac"])] == ["s1/b"]

    listing = tmp_path / "files.lst"
    listing.write_text(f"# a comment\nc/s1/a.wav\n\n{root / 's2' / 'a.wav'}\nc/s1/gone.wav\n")
    listed = list_corpus([str(listing)])
    assert [i.key for i in listed] == ["s1/a", "s1/gone", "s2/a"]  # missing: fails in the run
    assert listed[0].path == tmp_path / "c/s1/a.wav"

    loose = list_corpus([str(root / "s1" / "a.wav"), str(root / "s2" / "a.wav")])
    assert [i.key for i in loose] == ["s1/a", "s2/a"]
    assert [i.key for i in list_corpus([str(root / "s1" / "b.flac")])] == ["b"]

    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{root / 's1' / 'b.flac'}\n"))
    assert [i.key for i in list_corpus(["-"])] == ["b"]


def test_duplicates_merge_and_clashes_are_refused(tmp_path: Path) -> None:
    a = write_tone(tmp_path / "c" / "a.wav")
    both = list_corpus([str(tmp_path / "c"), str(a)])
    assert len(both) == 1
    write_tone(tmp_path / "c" / "a.flac")
    with pytest.raises(CorpusError, match="would write the same outputs"):
        list_corpus([str(tmp_path / "c")])
    with pytest.raises(CorpusError, match="no such file or folder"):
        list_corpus([str(tmp_path / "missing")])
    (tmp_path / "bin.lst").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CorpusError, match="UTF-8"):
        list_corpus([str(tmp_path / "bin.lst")])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text("abcxyz/", min_size=1, max_size=6), max_size=40, unique=True),
       st.integers(1, 9))  # fmt: skip
def test_shards_partition_the_corpus(keys: list[str], count: int) -> None:
    items = sorted(CorpusItem(k, Path(k + ".wav")) for k in keys)
    shards = [select_shard(items, i, count) for i in range(1, count + 1)]
    flat = [item for shard in shards for item in shard]
    assert sorted(flat) == items and len(flat) == len(set(flat))
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "3", "1/2/3", "-1/2"])
def test_bad_shard_specs(text: str) -> None:
    with pytest.raises(CorpusError, match="--shard"):
        parse_shard(text)
    assert parse_shard("3/3") == (3, 3)


# ------------------------------------------------------------------------------ outputs
def test_up_to_date_compares_with_recording_and_model(tmp_path: Path) -> None:
    source, model, out = (tmp_path / n for n in ("a.wav", "m.safetensors", "a.TextGrid"))
    for path, stamp in ((source, 100), (model, 200), (out, 300)):
        path.write_text("x")
        os.utime(path, ns=(stamp * 10**9, stamp * 10**9))
    assert up_to_date(source, [out], [model])
    assert not up_to_date(source, [out, tmp_path / "a.rttm"], [model])  # one output missing
    os.utime(model, ns=(400 * 10**9, 400 * 10**9))  # a retrained model makes it stale
    assert not up_to_date(source, [out], [model])
    assert up_to_date(source, [out])


def test_outputs_are_all_or_nothing(tmp_path: Path) -> None:
    annotation = Annotation([Lane("speech", [Segment(0.0, 1.0, "speech")])])
    item = CorpusItem("sub/a", tmp_path / "a.wav")
    textgrid = FORMATS["textgrid"]

    class Failing:
        name, extensions, description = "bad", (".bad",), "fails"

        @staticmethod
        def writer(annotation: Annotation, path: Path, **options: object) -> None:
            Path(path).write_text("half")
            raise OSError("disk full")

    targets = {tmp_path / "sub" / "a.TextGrid": textgrid, tmp_path / "sub" / "a.bad": Failing}
    with pytest.raises(Exception, match=r"sub/a\.bad: disk full"):
        write_outputs(annotation, item, targets)
    assert list((tmp_path / "sub").iterdir()) == []
    stale = tmp_path / "sub" / ".a.k1ll3d_x.partial.TextGrid"  # from a worker killed mid-write
    nested = tmp_path / "sub" / f".{stale.name}.abcd1234.tmp"  # the built-in writer's own
    other = tmp_path / "sub" / ".a.b.k1ll3d_x.partial.TextGrid"  # key "sub/a.b": not ours
    for path in (stale, nested, other):
        path.write_text("half")
    write_outputs(annotation, item, {tmp_path / "sub" / "a.TextGrid": textgrid})
    names = sorted(p.name for p in (tmp_path / "sub").iterdir())
    assert names == [other.name, "a.TextGrid"]


@pytest.mark.parametrize("bar", [False, True], ids=["plain", "progress-bar"])
def test_one_header_read_per_recording(
    tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch, bar: bool
) -> None:
    """A one-file run reads the audio header once (issue 18), also when the progress bar reads
    the headers for its ETA: the labeller gets the ones it read, and the formats and the
    pre-labeler the command already loaded."""
    import functools

    import soundfile

    from annotator.batch.report import Progress
    from annotator.commands import label as label_command

    wav = write_tone(tmp_path / "one" / "a.wav")
    reads: list[object] = []
    real_info = soundfile.info

    def counting_info(*args: object, **kwargs: object) -> object:
        reads.append(args[0])
        return real_info(*args, **kwargs)

    monkeypatch.setattr(soundfile, "info", counting_info)
    monkeypatch.setattr(label_command, "Progress", functools.partial(Progress, bar=bar))
    out = tmp_path / "out"
    assert label(str(wav), "--out", str(out), "--model", str(model), "--format", "textgrid") == 0
    assert (out / "a.TextGrid").exists()
    assert len(reads) == 1, reads
