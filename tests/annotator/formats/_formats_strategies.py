"""Hypothesis strategies shared by the format round-trip tests.

Times are drawn on a grid (milliseconds for RTTM, which writes 3 decimals; microseconds for
the others) so that "lossless" means exact float equality, not a tolerance.
"""

from __future__ import annotations

from hypothesis import strategies as st

from annotator.core import CLASS_LANES, Annotation, Lane, RecordingInfo, Segment, Source

# Quotes, non-ASCII letters and inner spaces on purpose; control characters are not text.
LABEL_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters='"é ʃ中')
labels = st.text(LABEL_CHARS, min_size=1, max_size=12)
# RTTM fields are whitespace-separated: no whitespace of any kind in a label.
rttm_labels = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), whitelist_characters='"é'),
    min_size=1,
    max_size=10,
).filter(lambda s: not any(c.isspace() for c in s))
lane_names = st.one_of(st.sampled_from(CLASS_LANES), labels.filter(lambda s: s.strip()))


@st.composite
def segment_times(draw, total_ticks: int, max_segments: int = 8) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) tick pairs in [0, total]; often touching, often at 0/end."""
    cuts = draw(st.lists(st.integers(0, total_ticks), min_size=0, max_size=2 * max_segments))
    if draw(st.booleans()):
        cuts += [0, total_ticks]
    bounds = sorted(set(cuts))
    pairs = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        if draw(st.booleans()) or draw(st.booleans()):  # 3 in 4 stretches are segments
            pairs.append((a, b))
    return pairs


@st.composite
def annotations(
    draw,
    *,
    per_second: int = 1_000_000,
    names=lane_names,
    label_strategy=labels,
    label_is_lane: bool = False,
    rich: bool = False,
    min_lanes: int = 1,
    max_lanes: int = 4,
    with_duration: bool = True,
) -> Annotation:
    """Random annotations: several lanes, overlapping across lanes, segments at 0 and the end."""
    total = draw(st.integers(1, 400 * per_second))
    duration = total / per_second  # k / n is the float nearest the decimal, as a file says it
    lane_list = []
    for name in draw(st.lists(names, min_size=min_lanes, max_size=max_lanes, unique=True)):
        segments = []
        for a, b in draw(segment_times(total)):
            label = name if label_is_lane else draw(label_strategy)
            confidence = draw(st.none() | st.floats(0, 1)) if rich else None
            source = draw(st.sampled_from(Source)) if rich else Source.HUMAN
            segments.append(Segment(a / per_second, b / per_second, label, confidence, source))
        lane_list.append(Lane(name, segments))
    recording = RecordingInfo(duration=duration if with_duration else None)
    return Annotation(lane_list, recording=recording)
