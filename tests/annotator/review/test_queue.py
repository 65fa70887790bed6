"""The review queue: uncertain, disagreeing and flickering places, ranked; effort per file."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.core import (
    Annotation,
    Lane,
    Project,
    Provenance,
    RecordingInfo,
    RecordingStatus,
    Segment,
    Source,
)
from annotator.review.export import RunEvidence
from annotator.review.queue import (
    QueueSettings,
    ReviewQueue,
    annotation_items,
    corpus_effort,
    review_items,
)

D = 0.02


def evidence(p_speech: np.ndarray) -> RunEvidence:
    return RunEvidence(
        classes=("sp",), lanes=("speech",), posteriors=p_speech[None, :].astype(np.float32),
        H=None, W=np.ones((257, 1)), theta=np.ones((1, 1)), bias=np.zeros(1),
        frame_duration=D, sample_rate=16000,
    )  # fmt: skip


def test_uncertain_stretch_is_found_and_scored() -> None:
    p = np.full(200, 0.05)
    p[50:100] = 0.5  # 1 s exactly on the threshold: full strength
    p[150:160] = 0.6  # 0.2 s at distance 0.1 from 0.5, margin 0.15: strength 1/3
    items = review_items(evidence(p), settings=QueueSettings(margin=0.15, merge_gap=0.0))
    assert [(i.kind, i.start, i.end) for i in items] == [
        ("uncertain", 1.0, 2.0), ("uncertain", 3.0, 3.2),
    ]  # fmt: skip
    assert items[0].score == pytest.approx(1.0)
    assert items[1].score == pytest.approx(0.2 / 3)


def test_human_labels_silence_uncertainty_and_raise_disagreement() -> None:
    p = np.full(200, 0.5)
    p[100:] = 0.02
    lane = Lane("speech", [Segment(0.0, 1.0, "speech"), Segment(2.4, 3.0, "speech")])
    annotation = Annotation([lane], RecordingInfo("a.wav", 4.0))
    items = review_items(evidence(p), annotation, settings=QueueSettings(merge_gap=0.0))
    kinds = [(i.kind, round(i.start, 2), round(i.end, 2)) for i in items]
    assert ("uncertain", 1.0, 2.0) in kinds and not any(
        k == "uncertain" and s < 1.0 for k, s, _ in kinds
    )
    top = items[0]
    assert (top.kind, top.start, top.end) == ("disagreement", pytest.approx(2.4), 3.0)
    assert top.score == pytest.approx(2.0 * 0.6)  # weight 2 × 0.6 s × full strength
    assert "labelled by a person, model says no" in top.detail


def test_human_negatives_and_provenance_thresholds() -> None:
    p = np.full(100, 0.95)
    provenance = Provenance("nmf", ("speech",), parameters={"thresholds": {"sp": {
        "onset": 0.9, "offset": 0.8}}})  # fmt: skip
    annotation = Annotation([Lane("speech")], RecordingInfo("a.wav", 2.0), [provenance])
    plain = review_items(evidence(p), annotation)
    assert [i.kind for i in plain] == ["uncertain"]  # 0.95 is within 0.15 of the 0.9 onset
    confirmed = review_items(evidence(p), annotation, human_negatives=True)
    assert "disagreement" in [i.kind for i in confirmed]


def test_flicker_and_annotation_only_items() -> None:
    model = [
        Segment(0.0, 1.0, "speech", 0.9, Source.MODEL),
        Segment(1.1, 1.15, "speech", 0.52, Source.MODEL),  # short, after a short gap
        Segment(2.0, 3.0, "speech", 0.55, Source.MODEL),  # long but unsure
        Segment(3.0, 3.05, "speech", None, Source.HUMAN),  # a person's: never flicker
    ]
    annotation = Annotation([Lane("speech", model)], RecordingInfo("a.wav", 4.0))
    items = annotation_items(annotation)
    found = {(i.kind, i.start, i.end) for i in items}
    assert ("flicker", 1.1, 1.15) in found and ("flicker", 1.0, 1.1) in found
    assert ("uncertain", 2.0, 3.0) in found
    assert not any(i.start == 3.0 for i in items)
    unsure = next(i for i in items if i.start == 2.0)
    assert unsure.score == pytest.approx((1 - 0.05 / 0.15) * 1.0)


def test_queue_navigation() -> None:
    p = np.full(300, 0.05)
    p[10:20], p[100:200], p[250:260] = 0.5, 0.5, 0.55
    queue = ReviewQueue(review_items(evidence(p)))
    first = queue.next()
    assert (first.start, first.end) == (2.0, 4.0)
    second = queue.next()
    assert queue.previous() is first and queue.previous() is None
    assert queue.next_in_time(2.5).start == pytest.approx(5.0)
    queue.resolve(queue.current)
    assert len(queue) == 2 and second in queue.items


def test_corpus_effort_puts_the_worst_file_first(tmp_path) -> None:
    import soundfile as sf

    for name in ("a", "b", "c", "d"):
        sf.write(tmp_path / f"{name}.wav", np.zeros(16000 * 3, dtype=np.float32), 16000)
    project = Project.create(tmp_path)
    entries = {e.rel_path: e for e in project.recordings}

    def saved(name, segments, status):
        info = RecordingInfo(f"{name}.wav", 3.0)
        project.save(entries[f"{name}.wav"], Annotation([Lane("speech", segments)], info), status)

    saved("a", [Segment(0, 1, "speech", 0.95, Source.MODEL)], RecordingStatus.PRELABELLED)
    saved("b", [Segment(0, 2, "speech", 0.5, Source.MODEL)], RecordingStatus.PRELABELLED)
    saved("c", [Segment(0, 2, "speech", 0.5, Source.MODEL)], RecordingStatus.DONE)
    rows = corpus_effort(Project.open(tmp_path))
    assert [r.rel_path for r in rows] == ["b.wav", "a.wav", "c.wav", "d.wav"]
    assert rows[0].effort == pytest.approx(2.0) and rows[1].effort == 0.0
    assert rows[2].effort == 0.0 and rows[3].effort is None
