"""RTTM/UEM reading and the label mapping, on small hand-made files."""

from __future__ import annotations

import numpy as np
import pytest

from segmenter.features import SpectrogramConfig, num_frames
from segmenter.training.annotations import ReferenceFileError, Turn, read_rttm, read_uem
from segmenter.training.labels import frame_labels, infer_annotated, map_turns

CFG = SpectrogramConfig()
RTTM = """\
;; a comment
SPEAKER f1 1 0.000 2.000 <NA> <NA> alice <NA> <NA>
SPEAKER f1 1 1.500 1.500 <NA> <NA> bob <NA> <NA>
SPEAKER f1 1 0.500 0.400 <NA> <NA> alice <NA> <NA>
SPEAKER f1 1 4.000 1.000 <NA> <NA> MUSIC <NA> <NA>
SPEAKER f1 1 5.000 1.000 <NA> <NA> noise <NA>
SPKR-INFO f1 1 <NA> <NA> <NA> unknown alice <NA> <NA>
SPEAKER f2 1 0.5 1.0 <NA> <NA> overlap <NA> <NA>
"""


def test_rttm_reader_and_mapping(tmp_path):
    path = tmp_path / "a.rttm"
    path.write_text(RTTM)
    turns = read_rttm(path)
    assert set(turns) == {"f1", "f2"} and turns["f1"][0] == Turn(0.0, 2.0, "alice")
    spans = map_turns(turns["f1"])
    assert spans["sp"] == [(0.0, 3.0)]
    assert spans["ov"] == [(1.5, 2.0)]  # alice's own overlapping turns are not overlap
    assert spans["mu"] == [(4.0, 5.0)] and spans["no"] == [(5.0, 6.0)]
    explicit = map_turns(turns["f2"])
    assert explicit["ov"] == explicit["sp"] == [(0.5, 1.5)]  # ov implies sp
    assert infer_annotated(turns.values()) == ("sp", "mu", "no", "ov")
    assert infer_annotated([[Turn(0, 1, "spk")]]) == ("sp", "ov")
    assert infer_annotated([[Turn(0, 1, "speech")]]) == ("sp",)


def test_touching_turns_of_two_speakers_are_not_overlap():
    spans = map_turns([Turn(0, 1, "a"), Turn(1, 2, "b"), Turn(1.5, 3, "c"), Turn(1.6, 1.7, "a")])
    assert spans["ov"] == [(1.5, 2.0)]  # three talkers at 1.6–1.7 stay one overlap region


@pytest.mark.parametrize(
    "line, message",
    [
        ("SPEAKER f1 1 0.0 x <NA> <NA> a <NA> <NA>", "duration 'x' is not a number"),
        ("SPEAKER f1 1 -1 1 <NA> <NA> a <NA> <NA>", "onset must be"),
        ("SPEAKER f1 1 0.0 1.0 <NA> <NA> a", "9 or 10 fields"),
        ("SPEAKER f1 1 0.0 1.0 <NA> <NA> <NA> <NA> <NA>", "without a speaker name"),
        ("SPEEKER f1 1 0.0 1.0 <NA> <NA> a <NA> <NA>", "unknown RTTM record type"),
        ("SPEAKER f1 1 nan 1.0 <NA> <NA> a <NA> <NA>", "finite"),
    ],
)
def test_rttm_errors_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.rttm"
    path.write_text("SPEAKER f1 1 0.0 1.0 <NA> <NA> a <NA> <NA>\n" + line + "\n")
    with pytest.raises(ReferenceFileError, match=message) as info:
        read_rttm(path)
    assert f"{path}:2:" in str(info.value)


def test_uem_reader(tmp_path):
    path = tmp_path / "a.uem"
    path.write_text("f1 1 3.0 4.0\nf1 1 0.0 1.0\n")
    assert read_uem(path) == {"f1": [(0.0, 1.0), (3.0, 4.0)]}
    path.write_text("f1 1 2.0 1.0\n")
    with pytest.raises(ReferenceFileError, match="ends"):
        read_uem(path)
    with pytest.raises(ReferenceFileError, match="not found"):
        read_uem(tmp_path / "missing.uem")


def test_frame_labels_follow_the_window_majority_rule():
    # Frame t analyses [0.02 t, 0.02 t + 0.025) s; on when at least 12.5 ms are covered.
    spans = {"sp": [(0.1, 0.3)], "ov": [], "mu": [], "no": []}
    labels, mask = frame_labels(spans, ("sp", "ov"), 0.0, 16000, CFG)
    assert labels.shape == mask.shape == (4, num_frames(16000))
    on = np.flatnonzero(labels[0])
    # frame 4 covers [0.08, 0.105): 5 ms → off; frame 5 [0.10, 0.125) → on;
    # frame 14 [0.28, 0.305): 20 ms → on; frame 15 [0.30, 0.325): 0 → off.
    assert on.tolist() == list(range(5, 15))
    assert mask[0].all() and mask[3].all() and not mask[1].any() and not mask[2].any()
    negative, mask_n = frame_labels(spans, ("sp",), 0.0, 16000, CFG, unannotated="negative")
    assert mask_n.all() and not negative[1:].any()
    # A chunk starting later sees the same times shifted.
    shifted, _ = frame_labels(spans, ("sp",), 0.06, 16000, CFG)
    assert np.flatnonzero(shifted[0]).tolist() == list(range(2, 12))


def test_uem_masks_every_class_outside_the_annotated_region():
    spans = {"sp": [(0.0, 2.0)], "mu": [], "no": [], "ov": []}
    labels, mask = frame_labels(spans, ("sp", "mu", "no", "ov"), 0.0, 32000, CFG, uem=[(0.5, 1.0)])
    # Frame 24 [0.48, 0.505) has 5 ms inside → out; frame 49 [0.98, 1.005) has 20 ms → in.
    assert np.flatnonzero(mask.any(axis=0)).tolist() == list(range(25, 50))
    assert (mask[:, 25:50] == 1).all()
    assert labels[0].all()  # the labels themselves are untouched; only the mask says unknown
