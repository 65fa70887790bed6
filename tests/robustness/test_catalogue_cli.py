"""Every input of the catalogue through the command that meets it: one clear line or success.

Audio goes through one real ``annotator label`` process over a folder holding all of it (a
corpus as users have them) and through ``annotator info``; annotation files through ``info``
and ``convert``; sidecars through ``info``; models through ``info`` and ``label --model``.
Nothing that existed before a command may change, and a failed command writes nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotator.formats import read_annotation
from tests.annotator.formats.test_formats_malformed import GOOD_RTTM, GOOD_TEXTGRID
from tests.robustness._checks import (
    ROOT,
    Outcome,
    assert_one_error,
    assert_untouched,
    is_root,
    run_cli,
    snapshot,
)
from tests.robustness.catalogue import (
    CATALOGUE,
    EXPLOIT_MARKER,
    BadInput,
    by_kind,
    tiny_model,
    tone,
)

CASES = [c for c in CATALOGUE if not (c.needs_non_root and is_root())]
AUDIO = [c for c in CASES if c.kind == "audio"]
CORPUS = [c for c in AUDIO if c.label and c.name != "folder.wav"]
ANNOTATIONS = [c for c in CASES if c.kind in ("textgrid", "rttm", "audacity", "json", "eaf", "csv")]
SIDECARS = [c for c in CASES if c.kind == "sidecar"]
MODELS = [c for c in CASES if c.kind == "model"]
CONVERT_TO = {"textgrid": ".rttm", "audacity": ".TextGrid", "json": ".TextGrid",
              "eaf": ".TextGrid", "csv": ".eaf"}  # fmt: skip


def ids(cases: list[BadInput]) -> list[str]:
    return [c.name for c in cases]


def test_the_catalogue_is_large_and_covers_every_kind() -> None:
    assert len(CATALOGUE) >= 50
    assert len({c.name for c in CATALOGUE}) == len(CATALOGUE)
    for kind, least in (("audio", 15), ("textgrid", 20), ("rttm", 12), ("sidecar", 6),
                        ("model", 8), ("eaf", 10), ("csv", 5)):  # fmt: skip
        assert len(by_kind(kind)) >= least, kind
    valid = {c.name for c in CATALOGUE if c.valid}
    assert {"one-sample.wav", "eight-channels.wav", "studio-96k.flac", "pcm24.wav"} <= valid


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("model") / "tiny.safetensors")


# ------------------------------------------------------------------------------------ audio
class CorpusRun:
    def __init__(self, root: Path, outcome: Outcome, paths: dict[str, Path]) -> None:
        self.root, self.outcome, self.paths = root, outcome, paths
        self.out = root / "out"

    def lines_about(self, path: Path) -> list[str]:
        return [line for line in self.outcome.err.splitlines() if f"{path}:" in line]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory, model: Path) -> CorpusRun:
    """One real ``annotator label`` process over a folder of every audio case."""
    root = tmp_path_factory.mktemp("corpus-run")
    corpus, out = root / "corpus", root / "out"
    corpus.mkdir()
    out.mkdir()
    (out / "earlier.TextGrid").write_text(GOOD_TEXTGRID, encoding="utf-8")
    (corpus / "notes.md").write_text("not audio, not listed\n", encoding="utf-8")
    paths = {case.name: case.build(corpus) for case in CORPUS}
    before = snapshot(root)
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "label", str(corpus), "--out", str(out),
         "--model", str(model), "--quiet"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert_untouched(before, snapshot(root))
    return CorpusRun(root, Outcome(done.returncode, done.stdout, done.stderr), paths)


@pytest.mark.parametrize("case", CORPUS, ids=ids(CORPUS))
def test_audio_in_a_corpus_run(corpus_run: CorpusRun, case: BadInput) -> None:
    path = corpus_run.paths[case.name]
    lines = corpus_run.lines_about(path)
    output = corpus_run.out / f"{path.stem}.TextGrid"
    if case.valid:
        assert len(lines) <= 1 and all(x.startswith("annotator: warning: ") for x in lines), lines
        labelled = read_annotation(output)
        assert labelled.lane_names[:4] == ("speech", "music", "noise", "overlap")
    else:
        assert len(lines) == 1, corpus_run.outcome.err
        assert lines[0].startswith(f"annotator: {path}: ") and case.reason in lines[0], lines
        assert not output.exists()


def test_the_corpus_run_as_a_whole(corpus_run: CorpusRun) -> None:
    outcome = corpus_run.outcome
    failed = [c for c in CORPUS if not c.valid]
    assert outcome.code == len(failed), outcome.err
    assert "Traceback" not in outcome.err + outcome.out
    catalogued = [str(p) for p in corpus_run.paths.values()]
    assert all(any(f"{p}:" in line for p in catalogued) for line in outcome.err.splitlines())
    warnings = [x for x in outcome.err.splitlines() if x.startswith("annotator: warning: ")]
    assert len(warnings) == 1 and "nan-inf.wav" in warnings[0] and "replaced by 0" in warnings[0]
    written = {p.name for p in corpus_run.out.iterdir()}
    expected = {f"{Path(c.name).stem}.TextGrid" for c in CORPUS if c.valid} | {"earlier.TextGrid"}
    assert written == expected


@pytest.mark.parametrize("case", AUDIO, ids=ids(AUDIO))
def test_audio_through_info(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: BadInput):
    """``info`` describes what it can (an empty file has 0 samples) and else says why not."""
    path = case.build(tmp_path)
    before = snapshot(tmp_path)
    outcome = run_cli(capsys, "info", path)
    if case.valid or outcome.code == 0:
        assert outcome.code == 0 and outcome.err == "" and f"{path}: audio" in outcome.out
    else:
        assert_one_error(outcome, path, "")
    assert_untouched(before, snapshot(tmp_path))
    if case.valid:
        assert " 0 samples" not in outcome.out


def test_a_folder_named_like_audio(tmp_path: Path, capsys, model: Path) -> None:
    path = next(c for c in AUDIO if c.name == "folder.wav").build(tmp_path)
    assert_one_error(run_cli(capsys, "info", path), path, "is a folder")
    outcome = run_cli(capsys, "label", path, "--out", tmp_path / "out", "--model", model)
    assert_one_error(outcome, path, "no recordings found")
    assert not (tmp_path / "out").exists()


def test_a_4_gib_sparse_recording_is_described_without_reading_it(tmp_path: Path, capsys):
    path = next(c for c in AUDIO if c.name == "sparse-4g-header.wav").build(tmp_path)
    outcome = run_cli(capsys, "info", path)
    assert outcome.code == 0 and "sample rate  16000 Hz" in outcome.out
    hours = (4 * 1024**3 - 44) / 2 / 16000 / 3600
    assert f"{hours * 3600:.3f} s" in outcome.out


# ------------------------------------------------------------------------- annotation files
@pytest.mark.parametrize("case", ANNOTATIONS, ids=ids(ANNOTATIONS))
def test_annotation_file_through_info_and_convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: BadInput
) -> None:
    work = tmp_path / "work"
    out = work / "out"
    out.mkdir(parents=True)
    (work / "keep.TextGrid").write_text(GOOD_TEXTGRID, encoding="utf-8")
    (out / "old.rttm").write_text(GOOD_RTTM, encoding="utf-8")
    path = case.build(work)
    before = snapshot(tmp_path)
    info = run_cli(capsys, "info", path)
    if case.kind == "rttm":
        converted = run_cli(capsys, "convert", path, f"{out}/", "--to", "textgrid")
    else:
        converted = run_cli(capsys, "convert", path, out / f"{path.stem}{CONVERT_TO[case.kind]}")
    after = snapshot(tmp_path)
    assert_untouched(before, after)
    new = sorted(set(after) - set(before))
    if case.valid:
        # the one expected note: typed labels on class lanes do not go into RTTM
        kept = [x for x in converted.err.splitlines() if "RTTM writes" not in x]
        assert (info.code, converted.code, info.err, kept) == (0, 0, "", []), (
            info.err + converted.err
        )
        assert new and all(name.startswith("work/out/") for name in new), new
        for name in new:
            read_annotation(tmp_path / name)  # complete and readable
    else:
        assert_one_error(info, path, case.reason)
        assert_one_error(converted, path, case.reason)
        assert not new, new


# ---------------------------------------------------------------------------------- sidecars
@pytest.mark.parametrize("case", SIDECARS, ids=ids(SIDECARS))
def test_sidecar_through_info(tmp_path: Path, capsys: pytest.CaptureFixture[str], case):
    path = case.build(tmp_path)
    before = snapshot(tmp_path)
    outcome = run_cli(capsys, "info", path)
    assert_untouched(before, snapshot(tmp_path))
    assert set(snapshot(tmp_path)) == set(before)
    if case.valid:
        assert outcome.code == 0 and f"{path}: sidecar, status in review" in outcome.out
        assert "lane 'speech': 1 segments" in outcome.out
    else:
        assert_one_error(outcome, path, case.reason)


# ------------------------------------------------------------------------------------ models
@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import soundfile as sf

    path = tmp_path_factory.mktemp("rec") / "one.wav"
    sf.write(path, tone(), 16000)
    return path


@pytest.mark.parametrize("case", MODELS, ids=ids(MODELS))
def test_model_file_through_info_and_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: BadInput, recording: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    path = case.build(models)
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    info = run_cli(capsys, "info", path)
    labelled = run_cli(capsys, "label", recording, "--out", out, "--model", path, "--quiet")
    assert not (models / EXPLOIT_MARKER).exists(), "loading a model file ran code"
    assert_untouched(before, snapshot(tmp_path))
    if case.valid:
        assert info.code == 0 and "weights match the config" in info.out
        assert labelled.code == 0 and (out / "one.TextGrid").exists(), labelled.err
    else:
        assert_one_error(info, path, case.reason)
        assert_one_error(labelled, path, case.reason)
        assert not out.exists()
