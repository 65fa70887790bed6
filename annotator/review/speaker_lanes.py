"""A speaker-turn reference as the class lanes it implies: speech where anyone talks, overlap
where two or more do.

Meeting corpora (AMI, DIHARD, VoxConverse) annotate who speaks, one RTTM label or TextGrid tier
per speaker, never a "speech" lane; comparing by lane name would never score our speech lane
against them. The rule is the segmenter's own training rule (`segmenter.training.labels`): a
speaker's own overlapping turns count once, speech is the union of speakers, overlap where at
least two different speakers talk at once. Lanes that already name a class (music, noise, …)
are kept as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.core import CLASS_LANES, Annotation, Lane, Segment, Source
from segmenter.spans import covered, union

__all__ = ["SPEAKER_MAPPING", "speaker_lane_names", "as_class_lanes"]

SPEAKER_MAPPING = "speakers → speech, ≥ 2 → overlap"
"""What the mapping is called where it is shown or remembered (one name for the one rule)."""


def speaker_lane_names(reference: Annotation) -> list[str]:
    """The reference's lanes that look like speakers: non-empty lanes that name no class, in a
    reference that has no speech lane of its own (a reference with a speech lane says what
    speech is; its other tiers are taken for what they are)."""
    names = reference.lane_names
    if "speech" in names and len(reference.lane("speech")):
        return []
    return [name for name in names if name not in CLASS_LANES and len(reference.lane(name))]


def as_class_lanes(reference: Annotation, speakers: Sequence[str]) -> Annotation:
    """``reference`` with the lanes ``speakers`` replaced by ``speech`` (their union, joined with
    any speech lane the reference had) and ``overlap`` (where two or more of them, or an overlap
    lane of the reference, say so). Segments are labelled with their lane's name, as class
    lanes are, and marked human (they are the reference's)."""
    per_speaker = [union((s.start, s.end) for s in reference.lane(name)) for name in speakers]
    speech = covered(per_speaker, at_least=1)
    overlap = covered(per_speaker, at_least=2)
    kept = [lane for lane in reference if lane.name not in speakers]
    lanes: dict[str, Lane] = {lane.name: lane for lane in kept}
    for name, spans in (("speech", speech), ("overlap", overlap)):
        own = [(s.start, s.end) for s in lanes[name]] if name in lanes else []
        lanes[name] = Lane(name, [_segment(a, b, name) for a, b in union([*spans, *own])])
    ordered = [lanes.pop(name) for name in CLASS_LANES if name in lanes] + list(lanes.values())
    return Annotation(ordered, recording=reference.recording)


def _segment(start: float, end: float, lane: str) -> Segment:
    return Segment(start, end, lane, None, Source.HUMAN)
