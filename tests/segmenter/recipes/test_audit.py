"""The label audit: a model's view of each catalogue file, and the files to listen to first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from segmenter.recipes.audit import (
    FileAudit,
    _frame_mask,
    audit_items,
    conflicting,
    main,
    source_table,
    worst_files,
)
from segmenter.recipes.sources import Item, load_manifest
from tests.segmenter.recipes.tiny_cache import write_tiny_cache

SHIPPED = Path(__file__).resolve().parents[3] / "resources" / "models" / "default.safetensors"


def _item(kind: str, source: str = "s", origin: str = "") -> Item:
    return Item(
        id=f"{source}/{origin or kind}", source=source, kind=kind, speaker="", path="x.flac",
        seconds=10.0, package="p", licence="test", origin=origin,
    )  # fmt: skip


def test_a_frame_is_active_when_most_of_its_samples_are() -> None:
    samples = np.zeros(10, dtype=bool)
    samples[0:3] = True  # frame 0: 3 of 4 samples
    samples[4:5] = True  # frame 1: 1 of 4
    mask = _frame_mask(samples, hop=4, frames=3)
    assert mask.tolist() == [True, False, False]


def test_conflicting_share_depends_on_the_files_own_label() -> None:
    labelled = {"sp": 6.0, "mu": 2.0, "no": 1.0}
    noise = FileAudit(_item("noise"), 10.0, dict(labelled))
    music = FileAudit(_item("music"), 10.0, dict(labelled))
    speech = FileAudit(_item("speech"), 10.0, dict(labelled))
    assert conflicting(noise) == pytest.approx(0.6)  # speech in a noise file
    assert conflicting(music) == pytest.approx(0.6)  # speech in a music file
    assert conflicting(speech) == pytest.approx(0.2)  # music in a speech file; noise is allowed
    assert conflicting(FileAudit(_item("noise"), 0.0, {"sp": 1.0})) == 0.0


def test_worst_files_come_first_and_short_files_are_left_out() -> None:
    audits = [
        FileAudit(_item("noise", origin="a.wav"), 5.0, {"sp": 1.0}),
        FileAudit(_item("noise", origin="b.wav"), 5.0, {"sp": 4.0}),
        FileAudit(_item("noise", origin="tiny.wav"), 0.5, {"sp": 0.5}),
    ]
    rows = worst_files(audits, count=5).splitlines()[2:]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == ["b.wav", "a.wav"]


def test_source_table_sums_files_of_a_source() -> None:
    audits = [
        FileAudit(_item("music", source="m", origin="1"), 30.0, {"mu": 30.0}),
        FileAudit(_item("music", source="m", origin="2"), 30.0, {"mu": 0.0, "sp": 30.0}),
    ]
    row = source_table(audits).splitlines()[2]
    assert row == "| m | music | 1.0 | 50 | 50 | 0 | 0 |"


def test_audit_of_a_cache_measures_inside_each_files_activity(tmp_path: Path, capsys) -> None:
    cache = write_tiny_cache(tmp_path)
    items = [i for i in load_manifest(cache) if i.kind in ("speech", "music", "noise")]
    audits = audit_items(cache, SHIPPED, items)
    assert {a.item.id for a in audits} == {i.id for i in items}
    for audit in audits:
        assert 0 < audit.active_seconds <= audit.item.seconds + 0.02
        assert set(audit.labelled) == {"sp", "mu", "no", "ov"}
        assert all(0.0 <= secs <= audit.active_seconds + 1e-9 for secs in audit.labelled.values())
    assert main(["--cache", str(cache), "--model", str(SHIPPED), "--kind", "noise"]) == 0
    out = capsys.readouterr().out
    assert "| freedesktop-noise | noise |" in out
    assert "| asterisk-en |" not in out
