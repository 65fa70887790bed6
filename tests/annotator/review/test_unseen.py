"""Review items for what the posterior cannot show: unfamiliar sounds and labels that rest on
components seldom behind them, judged against the model's reference profile."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from annotator.core import Annotation, Lane, RecordingInfo, Segment, Source
from annotator.review.evidence import RunEvidence
from annotator.review.queue import POSTERIOR_KINDS, QueueSettings, review_items
from annotator.review.stretches import StretchRule
from annotator.review.unseen import ALL_LANES, UnseenSettings, unfamiliar_items
from segmenter.explain.novelty import ProfileBuilder

D = 0.02
T = 500  # 10 s


def reference(divergences: bool = True) -> dict:
    """A profile in which loud frames (‖X‖ = 10) are rebuilt to a relative error of 0.4–0.6,
    and speech rests on components 0 and 1 (segments of two mixes, so the spread is known)."""
    builder = ProfileBuilder()
    errors = np.linspace(0.4, 0.6, 2000)
    builder.add(np.stack([10.0 * errors, np.full(errors.size, 10.0)]))
    if divergences:
        H = np.zeros((4, 200))
        H[0, :100], H[1, :100] = 1.0, 1.0
        H[0, 100:], H[1, 100:] = 1.5, 0.5
        builder.add_segments(H, np.ones((1, 4)), ("sp",), {"sp": [(0, 100), (100, 200)]})
    return builder.finish("validation mixtures").to_dict()


def evidence(norms=None, H=None, ref=None, posteriors=None) -> RunEvidence:
    if posteriors is None:
        posteriors = np.full((1, T), 0.02, dtype=np.float32)
    return RunEvidence(
        classes=("sp",), lanes=("speech",), posteriors=posteriors,
        H=H, W=np.ones((257, 4)), theta=np.ones((1, 4)), bias=np.zeros(1),
        frame_duration=D, sample_rate=16000, reconstruction=norms, reference=ref,
    )  # fmt: skip


def loud_norms(bad: slice, error: float = 0.9) -> np.ndarray:
    norms = np.stack([np.full(T, 5.0), np.full(T, 10.0)]).astype(np.float32)  # error 0.5
    norms[0, bad] = 10.0 * error
    return norms


def test_a_badly_rebuilt_stretch_is_unfamiliar_on_every_lane():
    items = review_items(evidence(loud_norms(slice(100, 150)), ref=reference()))
    assert [(i.kind, i.lane, i.start, i.end) for i in items] == [
        ("unfamiliar", ALL_LANES, 2.0, 3.0)
    ]
    assert items[0].score == pytest.approx(1.0)  # 1 s at full strength (worse than every frame)
    detail = items[0].detail
    assert detail.startswith("unfamiliar sound: the dictionary rebuilds only 19 % of its energy")
    assert "its validation data" in detail


def test_old_kinds_only_and_evidence_without_norms_give_no_unfamiliar_items():
    ev = evidence(loud_norms(slice(100, 150)), ref=reference())
    assert review_items(ev, settings=QueueSettings(kinds=POSTERIOR_KINDS)) == []
    assert review_items(dataclasses.replace(ev, reconstruction=None)) == []


def test_without_a_reference_the_recording_judges_itself_above_a_fixed_floor():
    rule, settings = StretchRule(0.2, 0.1), UnseenSettings()
    found = unfamiliar_items(evidence(loud_norms(slice(100, 150))), settings, rule)
    assert [(f.start, f.end) for f in found] == [(2.0, 3.0)]
    assert "this recording (the model file stores no reference)" in found[0].detail
    # the worst 5 % of a recording that is rebuilt well everywhere are not unfamiliar
    fine = loud_norms(slice(100, 150), error=0.6)
    assert unfamiliar_items(evidence(fine), settings, rule) == []


def test_a_segment_resting_on_components_seldom_behind_its_label_is_rare():
    H = np.zeros((4, T), dtype=np.float32)
    H[0, 0:100] = H[1, 0:100] = 1.0  # typical speech mix
    H[0, 200:300] = 1.0
    H[3, 200:300] = 3.0  # mostly component 3, never behind speech in the reference
    model = [Segment(0.0, 2.0, "speech", 0.9, Source.MODEL),
             Segment(4.0, 6.0, "speech", 0.95, Source.MODEL)]  # fmt: skip
    annotation = Annotation([Lane("speech", model)], RecordingInfo("a.wav", T * D))
    items = review_items(evidence(H=H, ref=reference()), annotation)
    rare = [i for i in items if i.kind == "rare"]
    assert [(i.lane, i.start, i.end) for i in rare] == [("speech", 4.0, 6.0)]
    assert rare[0].score == pytest.approx(2.0)  # 2 s, full strength
    assert rare[0].detail.startswith("speech rests on components seldom behind it: #3 gives 75 % "
                                     "of its support here, 0.0 % in validation data")  # fmt: skip
    # a person's segment is not the model's explanation: never rare
    human = Annotation([Lane("speech", [dataclasses.replace(model[1], source=Source.HUMAN)])],
                       RecordingInfo("a.wav", T * D))  # fmt: skip
    assert not [i for i in review_items(evidence(H=H, ref=reference()), human)
                if i.kind == "rare"]  # fmt: skip


def test_rare_needs_a_reference_and_h_and_follows_the_posterior_without_labels():
    H = np.zeros((4, T), dtype=np.float32)
    H[3, 200:300] = 1.0
    p = np.full((1, T), 0.02, dtype=np.float32)
    p[0, 200:300] = 0.97
    assert [i.kind for i in review_items(evidence(H=H, ref=reference(), posteriors=p))] == [
        "rare"
    ]  # no annotation: the model's segments are where the posterior is above its onset
    assert review_items(evidence(H=H, posteriors=p)) == []
    assert review_items(evidence(ref=reference(), posteriors=p)) == []
    no_spread = evidence(H=H, ref=reference(divergences=False), posteriors=p)
    assert review_items(no_spread) == []
