"""Per-class onset/offset overrides given by people, not programs: ``speech=0.6`` or
``sp=0.6:0.45``.

Praat's form, ELAN's parameter panel and ``annotator label --threshold`` all ask for the one
number users reason about, the onset. The offset must not exceed it (hysteresis), yet the
model's tuned offset is usually what they want to keep; so a lone onset keeps the model's
offset and lowers it to the onset only where it would otherwise lie above. That needs the
model's own thresholds, read from the model file's header (no weights loaded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from annotator.core.errors import AnnotatorError

#: Lane names the NMF pre-labeler gives its classes (kept in step with nmf_prelabeler.convert,
#: which the annotator package must not import).
LANE_CODES: dict[str, str] = {"speech": "sp", "music": "mu", "noise": "no", "overlap": "ov"}


class ThresholdError(AnnotatorError, ValueError):
    """A threshold request that cannot be honoured (message names the request)."""


def class_code(name: str) -> str:
    """``speech`` → ``sp``; a code (or any other class name) is returned as given."""
    key = name.strip().lower()
    return LANE_CODES.get(key, key)


def parse_threshold(spec: str) -> tuple[str, float, float | None]:
    """``CLASS=ONSET[:OFFSET]`` → (class code, onset, offset or None)."""
    name, sep, value = spec.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise ThresholdError(f"{spec!r}: expected CLASS=ONSET or CLASS=ONSET:OFFSET")
    onset_text, _, offset_text = value.partition(":")
    try:
        onset = float(onset_text)
        offset = float(offset_text) if offset_text.strip() else None
    except ValueError:
        raise ThresholdError(f"{spec!r}: thresholds must be numbers between 0 and 1") from None
    for number in (onset, offset):
        if number is not None and not 0.0 <= number <= 1.0:
            raise ThresholdError(f"{spec!r}: thresholds must lie between 0 and 1")
    if offset is not None and offset > onset:
        raise ThresholdError(f"{spec!r}: the offset must not exceed the onset")
    return class_code(name), onset, offset


def resolve_thresholds(
    requests: Iterable[tuple[str, float, float | None]],
    model_thresholds: Mapping[str, Mapping[str, float]],
) -> dict[str, dict[str, float]]:
    """Overrides for the pre-labeler's ``thresholds`` option: ``{code: {onset, offset}}``."""
    resolved: dict[str, dict[str, float]] = {}
    for code, onset, offset in requests:
        if code not in model_thresholds:
            names = ", ".join(
                f"{lane} ({c})" if (lane := _lane(c)) != c else c for c in model_thresholds
            )
            raise ThresholdError(f"threshold for unknown class {code!r}; the model has {names}")
        if offset is None:
            offset = min(float(model_thresholds[code].get("offset", onset)), onset)
        resolved[code] = {"onset": onset, "offset": offset}
    return resolved


def _lane(code: str) -> str:
    return next((lane for lane, c in LANE_CODES.items() if c == code), code)


def model_thresholds(model: str | Path | None) -> dict[str, dict[str, float]]:
    """The thresholds stored in ``model`` (None: the shipped default model)."""
    from segmenter.checkpoint import read_model_info

    if model is None:
        from annotator.resources import default_model

        model = default_model()
    info = read_model_info(model)
    return {code: t.to_dict() for code, t in info.thresholds.items()}
