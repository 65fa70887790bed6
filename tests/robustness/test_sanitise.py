"""Names that come from inside files never become paths outside the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.commands.convert import safe_stem
from annotator.formats import read_rttm
from tests.robustness._checks import run_cli, snapshot
from tests.robustness.catalogue import tiny_model, tone

EVIL_IDS = ["../../escape", "sub/dir", "/abs/olute", "..", ".", "a\\b", "con", "NUL.txt", "\x00x",
            " .hidden", "é/../ü", "a" * 400, "A", "a"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_safe_stem_is_one_harmless_path_component(recording_id: str) -> None:
    stem = safe_stem(recording_id)
    assert stem and stem not in (".", "..") and not stem.startswith(".")
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert len(stem.encode("utf-8")) <= 200
    folder = Path("/srv/out")
    assert (folder / f"{stem}.TextGrid").resolve().parent == folder


def test_convert_writes_every_rttm_id_inside_the_output_folder(tmp_path: Path, capsys) -> None:
    work = tmp_path / "deep" / "work"
    out = work / "out"
    work.mkdir(parents=True)
    source = work / "evil.rttm"
    source.write_text(
        "".join(
            f"SPEAKER {rid} 1 0 1 <NA> <NA> x <NA> <NA>\n"
            for rid in EVIL_IDS
            if " " not in rid and "\x00" not in rid
        ),  # fmt: skip
        encoding="utf-8",
    )
    ids = list(read_rttm(source))
    before = snapshot(tmp_path)
    for target, fmt in ((f"{out}/", "textgrid"), (f"{out}-rttm/", "rttm")):
        outcome = run_cli(capsys, "convert", source, target, "--to", fmt)
        assert outcome.code == 0, outcome.err
    new = sorted(set(snapshot(tmp_path)) - set(before))
    assert all(n.startswith("deep/work/out") for n in new), new
    assert len([n for n in new if n.endswith(".TextGrid")]) == len(ids)  # "A"/"a" do not clash
    kept = {rid for f in (work / "out-rttm").iterdir() for rid in read_rttm(f)}
    assert kept == set(ids)  # the real id survives inside the file


def test_label_writes_only_under_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Recordings named by a list with ``..`` and absolute paths are keyed inside ``--out``."""
    import soundfile as sf

    model = tiny_model(tmp_path / "m.safetensors")
    for rel in ("a/x.wav", "b/y.wav", "c/d/z.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / rel, tone(seconds=0.3), 16000)
    lists = tmp_path / "lists" / "inner"
    lists.mkdir(parents=True)
    listing = lists / "corpus.lst"
    listing.write_text(f"../../a/x.wav\n../../a/../b/y.wav\n{tmp_path / 'c/d/z.wav'}\n")
    before = snapshot(tmp_path)
    out = tmp_path / "lists" / "out"
    outcome = run_cli(capsys, "label", listing, "--out", out, "--model", model, "--quiet")
    assert outcome.code == 0, outcome.err
    new = sorted(set(snapshot(tmp_path)) - set(before))
    assert new and all(n.startswith("lists/out") for n in new), new
