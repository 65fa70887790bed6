"""How likely a model segment, or a stretch the model left empty, is wrong: calibrated on held-out
data, for a review queue that points at the model's *confident* mistakes too.

The posterior says how sure the model is, not how often it is right when it is that sure: on the
recipe's validation mixtures a speech segment at mean posterior 0.9 is wrong 4 % of its time, an
overlap segment at 0.7 about a third, and a stretch where the speech posterior rises to 0.4
without reaching the onset holds speech a quarter of its time. This module measures that on
labelled held-out mixtures and keeps it as a few numbers per class, so a queue can rank places
by the wrong time they are expected to hold and say why in words.

Two kinds of *candidate* place per class (lane), both read from what the queue has at run time:

* ``suspect`` — a model segment. Features: ``margin`` (mean posterior − onset), ``log_seconds``
  (its length), ``rare`` (where its support mix falls among the model's validation segments of
  the class, `segmenter.explain.novelty`; 0.5 when unknown), ``below_offset`` (share of its
  frames under the offset: held by hysteresis or gap closing), and ``p_<other>`` (the other
  classes' mean posteriors over it: overlap without strong speech, noise under music, ...).
  Target: the share of its time the class is absent in the reference (a false alarm).
* ``missed`` — a stretch outside the lane's segments where the posterior reaches ``floor``
  (joined across dips shorter than ``join_s``). Features: ``margin`` (highest posterior −
  onset), ``mean``, ``log_seconds``, ``edges`` (how many of its ends touch a segment of the
  lane: the tail of a segment, or a bump of its own) and the other classes' ``p_<other>``.
  Target: the share of its time the class is present in the reference (a miss).

Each (kind, class) gets a logistic regression on those features (:class:`LogisticModel`:
coefficients, intercept, the training means so a reason can name the feature that raised the
probability most), fitted on frame-weighted shares with a little L2. (Measured on the shipped
model, fitted on the recipe's held-out mixtures of seed + 4000 and checked on its tuning
mixtures: a gradient-boosted tree on the same features ranks no better, AUC 0.66-0.77 against
0.67-0.81, so the few numbers lose nothing.) The queue turns a probability into a rank with the
constants stored beside the models (:class:`WrongnessCalibration`): ``look_s``, the fixed cost
of going to a place, and ``edit_s``, the wrong time one likely edit is worth, so that a short,
likely-wrong segment still ranks.

Memory: candidates need one posterior row at a time (float32 in, cumulative sums per row) and
a boolean mask per class; nothing (C, T) or (F, T) in float64.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CANDIDATE_KINDS",
    "Candidate",
    "CalibrationBuilder",
    "LogisticModel",
    "MISSED",
    "SUSPECT",
    "WrongnessCalibration",
    "candidates",
    "fit_logistic",
    "ranking_auc",
    "wrong_share",
]

SUSPECT = "suspect"
MISSED = "missed"
CANDIDATE_KINDS = (SUSPECT, MISSED)
#: features of each kind, before the other classes' mean posteriors (``p_<code>``)
BASE_FEATURES: dict[str, tuple[str, ...]] = {
    SUSPECT: ("margin", "log_seconds", "rare", "below_offset"),
    MISSED: ("margin", "mean", "log_seconds", "edges"),
}


def _runs(active: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate(([False], np.asarray(active, dtype=bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _mask(spans: Iterable[tuple[int, int]], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for a, b in spans:
        out[max(0, a) : max(0, min(n, b))] = True
    return out


@dataclass(frozen=True)
class Candidate:
    """One place to judge: frames ``[a, b)`` of class ``code``, its kind and features.

    ``mean`` and ``peak`` are the class's mean and highest posterior over it (for the reason
    text); ``features`` holds every feature of `BASE_FEATURES` and ``p_<other>``."""

    code: str
    kind: str
    a: int
    b: int
    mean: float
    peak: float
    features: Mapping[str, float]

    def seconds(self, frame_duration: float) -> float:
        return (self.b - self.a) * frame_duration


def candidates(
    posteriors: Any,
    classes: Sequence[str],
    bands: Mapping[str, tuple[float, float]],
    model_segments: Mapping[str, Sequence[tuple[int, int]]],
    frame_duration: float,
    *,
    occupied: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    rarity: Mapping[tuple[str, int, int], float] | None = None,
    floor: float = 0.1,
    join_s: float = 0.2,
) -> list[Candidate]:
    """Every ``suspect`` (model segment) and ``missed`` (stretch at or above ``floor`` outside
    the lane's segments) candidate of a recording, with features.

    ``posteriors`` (C, T), rows following ``classes`` (read one row at a time: it may be a
    mapped array); ``bands`` per class code ``(onset, offset)``; ``model_segments`` per class
    frames ``[a, b)`` of the model's segments; ``occupied`` the frames of *every* segment of
    the lane, a person's included (default: the model's), where no miss is looked for;
    ``rarity`` the support-mix percentile of a model segment keyed ``(code, a, b)``.
    """
    T = int(posteriors.shape[1])
    d = float(frame_duration)
    join = int(round(join_s / d))
    found: list[tuple[str, str, int, int, dict[str, float]]] = []
    for row, code in enumerate(classes):
        onset, offset = bands.get(code, (0.5, 0.5))
        p = np.asarray(posteriors[row], dtype=np.float32)
        below = np.concatenate([[0], np.cumsum(p < offset, dtype=np.int64)])
        for a, b in model_segments.get(code, ()):
            a, b = max(0, int(a)), min(T, int(b))
            if b <= a:
                continue
            found.append((code, SUSPECT, a, b, {
                "log_seconds": math.log((b - a) * d),
                "rare": float((rarity or {}).get((code, a, b), 0.5)),
                "below_offset": float(below[b] - below[a]) / (b - a),
                "_onset": onset,
            }))  # fmt: skip
        taken = _mask((occupied or model_segments).get(code, ()), T)
        for g0, g1 in _runs(~taken):
            joined: list[list[int]] = []
            for a, b in _runs(p[g0:g1] >= floor):
                if joined and a + g0 - joined[-1][1] <= join:
                    joined[-1][1] = b + g0
                else:
                    joined.append([a + g0, b + g0])
            for a, b in joined:
                edges = int(a > 0 and taken[a - 1]) + int(b < T and taken[b])
                found.append((code, MISSED, a, b, {
                    "log_seconds": math.log((b - a) * d), "edges": float(edges),
                    "_peak": float(p[a:b].max()), "_onset": onset,
                }))  # fmt: skip
    if not found:
        return []
    starts = np.array([f[2] for f in found])
    ends = np.array([f[3] for f in found])
    means = {}
    for row, code in enumerate(classes):  # one float64 row of cumulative sums at a time
        cumulative = np.concatenate(
            [[0.0], np.cumsum(np.asarray(posteriors[row], dtype=np.float32), dtype=np.float64)]
        )
        means[code] = (cumulative[ends] - cumulative[starts]) / (ends - starts)
    out = []
    for i, (code, kind, a, b, extra) in enumerate(found):
        mean = float(means[code][i])
        onset = extra.pop("_onset")
        peak = extra.pop("_peak", float("nan"))
        features = dict(extra)
        if kind == SUSPECT:
            features["margin"] = mean - onset
        else:
            features["margin"] = peak - onset
            features["mean"] = mean
        for other in classes:
            if other != code:
                features[f"p_{other}"] = float(means[other][i])
        out.append(Candidate(code, kind, a, b, mean, peak if kind == MISSED else mean, features))
    return out


def wrong_share(candidate: Candidate, reference: np.ndarray, region: np.ndarray) -> float | None:
    """Share of a candidate's frames (inside ``region``) where the model is wrong: the class is
    absent from the reference under a ``suspect``, present in a ``missed`` stretch. None when
    the candidate lies outside the region."""
    inside = np.asarray(region[candidate.a : candidate.b], dtype=bool)
    if not inside.any():
        return None
    present = np.asarray(reference[candidate.a : candidate.b], dtype=bool)[inside]
    share = float(present.mean())
    return 1.0 - share if candidate.kind == SUSPECT else share


def fit_logistic(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-4, iterations: int = 100
) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of a logistic regression of shares ``y`` in [0, 1] on ``X``
    (n, m) with weights ``w`` (Newton's method; L2 ``l2`` per unit of mean weight on the
    coefficients, not the intercept, so a rare feature value cannot run to infinity)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    w = w / w.mean()
    n, m = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    penalty = l2 * n * np.diag(np.r_[np.ones(m), 0.0])
    beta = np.zeros(m + 1)
    base = float(np.clip(np.average(y, weights=w), 1e-4, 1 - 1e-4))
    beta[-1] = math.log(base / (1 - base))
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(A @ beta, -30, 30)))
        gradient = A.T @ (w * (p - y)) + penalty @ beta
        hessian = (A * (w * p * (1 - p))[:, None]).T @ A + penalty
        step = np.linalg.solve(hessian + 1e-9 * np.eye(m + 1), gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta[:-1], float(beta[-1])


def ranking_auc(scores: Any, shares: Any, weights: Any) -> float:
    """How well ``scores`` rank wrong time above right time: the probability that a wrong frame
    (a candidate's share of its weight) outscores a right one, ties counting half."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(shares, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(s, kind="stable")
    s, y, w = s[order], y[order], w[order]
    wrong, right = w * y, w * (1 - y)
    if wrong.sum() <= 0 or right.sum() <= 0:
        return float("nan")
    total = 0.0
    below = 0.0
    for value in np.unique(s):  # groups of tied scores
        group = s == value
        r = float(right[group].sum())
        total += float(wrong[group].sum()) * (below + 0.5 * r)
        below += r
    return total / (float(wrong.sum()) * float(right.sum()))


@dataclass(frozen=True)
class LogisticModel:
    """P(wrong) of one (kind, class): ``sigmoid(intercept + Σ coef·x)``.

    ``means`` are the training means of the features (a reason names the feature whose
    ``coef·(x − mean)`` raised the probability most); ``places``/``seconds``/``wrong_share``
    describe the held-out data it was fitted on."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    places: int = 0
    seconds: float = 0.0
    wrong_share: float = 0.0

    def probability(self, features: Mapping[str, float]) -> float:
        x = np.array(
            [float(features.get(f, m)) for f, m in zip(self.features, self.means, strict=True)]
        )
        z = self.intercept + float(np.dot(self.coef, x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def drivers(self, features: Mapping[str, float]) -> list[tuple[str, float]]:
        """Features by how much they raised the logit against an average place, largest first
        (only those that raised it)."""
        pushes = [
            (f, c * (float(features.get(f, m)) - m))
            for f, c, m in zip(self.features, self.coef, self.means, strict=True)
        ]
        return sorted((p for p in pushes if p[1] > 0), key=lambda p: -p[1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "coef": [round(v, 5) for v in self.coef],
            "intercept": round(self.intercept, 5),
            "means": [round(v, 5) for v in self.means],
            "places": self.places,
            "seconds": round(self.seconds, 1),
            "wrong_share": round(self.wrong_share, 4),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticModel:
        features = tuple(str(f) for f in data["features"])
        coef = tuple(float(v) for v in data["coef"])
        means = tuple(float(v) for v in data["means"])
        if not (len(features) == len(coef) == len(means)):
            raise ValueError("features, coef and means differ in length")
        return cls(
            features, coef, float(data["intercept"]), means, int(data.get("places", 0)),
            float(data.get("seconds", 0.0)), float(data.get("wrong_share", 0.0)),
        )  # fmt: skip


@dataclass(frozen=True)
class WrongnessCalibration:
    """Per ``"<kind>:<class>"`` a :class:`LogisticModel`, and the queue constants chosen with
    them: ``floor`` (posterior a missed stretch must reach), ``join_s``, ``look_s`` (seconds a
    place costs before listening), ``edit_s`` (wrong seconds one likely edit is worth) and
    ``max_place_s`` (neighbouring places are joined up to this length). ``checks`` holds the
    held-out figures it was judged on; ``source`` says on what it was fitted."""

    models: Mapping[str, LogisticModel]
    floor: float = 0.1
    join_s: float = 0.2
    look_s: float = 1.5
    edit_s: float = 0.5
    max_place_s: float = 8.0
    source: str = ""
    checks: Mapping[str, Any] = field(default_factory=dict)

    def model(self, kind: str, code: str) -> LogisticModel | None:
        return self.models.get(f"{kind}:{code}")

    def probability(self, candidate: Candidate) -> float | None:
        found = self.model(candidate.kind, candidate.code)
        return None if found is None else found.probability(candidate.features)

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": {key: m.to_dict() for key, m in self.models.items()},
            "floor": self.floor, "join_s": self.join_s, "look_s": self.look_s,
            "edit_s": self.edit_s, "max_place_s": self.max_place_s, "source": self.source,
            "checks": dict(self.checks),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WrongnessCalibration:
        """From :meth:`to_dict`'s output (a model file's metadata); ValueError if not one."""
        try:
            models = {str(k): LogisticModel.from_dict(v) for k, v in dict(data["models"]).items()}
            return cls(
                models=models,
                floor=float(data.get("floor", 0.1)),
                join_s=float(data.get("join_s", 0.2)),
                look_s=float(data.get("look_s", 1.5)),
                edit_s=float(data.get("edit_s", 0.5)),
                max_place_s=float(data.get("max_place_s", 8.0)),
                source=str(data.get("source", "")),
                checks=dict(data.get("checks") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a wrongness calibration ({exc})") from exc


def feature_names(kind: str, code: str, classes: Sequence[str]) -> tuple[str, ...]:
    """The features a (kind, class) model reads, in order."""
    return BASE_FEATURES[kind] + tuple(f"p_{c}" for c in classes if c != code)


class CalibrationBuilder:
    """Collects labelled candidates recording by recording (a few numbers each), then fits."""

    def __init__(self, classes: Sequence[str]) -> None:
        self.classes = tuple(classes)
        self.rows: dict[str, list[tuple[tuple[float, ...], float, int]]] = {}

    def add(
        self,
        found: Iterable[Candidate],
        references: Mapping[str, np.ndarray],
        region: np.ndarray,
    ) -> None:
        """Add candidates with their wrong shares against ``references`` (per class code, (T,)
        bool) inside ``region``; classes without a reference are skipped."""
        for c in found:
            if c.code not in references:
                continue
            share = wrong_share(c, references[c.code], region)
            if share is None:
                continue
            names = feature_names(c.kind, c.code, self.classes)
            frames = int(np.asarray(region[c.a : c.b], dtype=bool).sum())
            x = tuple(float(c.features[f]) for f in names)
            self.rows.setdefault(f"{c.kind}:{c.code}", []).append((x, share, frames))

    def finish(
        self, source: str, frame_duration: float, l2: float = 1e-4, **constants: float
    ) -> WrongnessCalibration:
        models = {}
        for key, rows in sorted(self.rows.items()):
            kind, code = key.split(":", 1)
            if len(rows) < 10:
                continue
            X = np.array([r[0] for r in rows])
            y = np.array([r[1] for r in rows])
            w = np.array([r[2] for r in rows], dtype=np.float64)
            coef, intercept = fit_logistic(X, y, w, l2)
            models[key] = LogisticModel(
                features=feature_names(kind, code, self.classes),
                coef=tuple(float(v) for v in coef), intercept=intercept,
                means=tuple(float(v) for v in np.average(X, axis=0, weights=w)),
                places=len(rows), seconds=float(w.sum()) * frame_duration,
                wrong_share=float(np.average(y, weights=w)),
            )  # fmt: skip
        # constants are the float fields (floor, join_s, ...); mypy cannot tell them from checks
        return WrongnessCalibration(models=models, source=source, **constants)  # type: ignore[arg-type]

    def check(self, calibration: WrongnessCalibration) -> dict[str, dict[str, float]]:
        """Held-out figures of ``calibration`` on the rows collected here (not those it was
        fitted on): per model, places, wrong share, predicted share and ranking AUC."""
        out = {}
        for key, rows in sorted(self.rows.items()):
            model = calibration.models.get(key)
            if model is None or not rows:
                continue
            p = np.array(
                [model.probability(dict(zip(model.features, r[0], strict=True))) for r in rows]
            )
            y = np.array([r[1] for r in rows])
            w = np.array([r[2] for r in rows], dtype=np.float64)
            out[key] = {
                "places": len(rows),
                "wrong_share": round(float(np.average(y, weights=w)), 4),
                "predicted_share": round(float(np.average(p, weights=w)), 4),
                "auc": round(ranking_auc(p, y, w), 3),
            }
        return out
