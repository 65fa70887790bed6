"""One class vocabulary: every module that names the four classes takes them from
segmenter.classes, and the torch-free annotator core, which keeps its own copy, agrees."""

from __future__ import annotations

import segmenter.decisions
import segmenter.model
import segmenter.recipes.mixing
from annotator.core import CLASS_LANES
from annotator.review import evidence
from segmenter.classes import CLASSES, LANE_OF_CLASS, lane_name


def test_annotator_core_lanes_are_the_segmenter_classes_in_order():
    assert tuple(LANE_OF_CLASS[c] for c in CLASSES) == CLASS_LANES


def test_every_user_shares_the_one_definition():
    for module in (segmenter.model, segmenter.decisions, segmenter.recipes.mixing):
        assert module.CLASSES is CLASSES, module.__name__
    assert evidence.LANE_OF_CLASS is LANE_OF_CLASS


def test_other_heads_keep_their_own_name():
    assert lane_name("mu") == "music"
    assert lane_name("laughter") == "laughter"
