"""Per-class threshold sliders that re-decide the model segments live from cached posteriors.

A slider sets a class's ``onset``; its ``offset`` follows, keeping the hysteresis gap the model
shipped with. Every move re-runs the decision rule on the posteriors (milliseconds, no model)
and merges the result by the usual policy (`annotator.core.merge`): human segments stay, model
segments are replaced. The moves of one press-drag-release share a merge key, so the stack
folds them into one undo step; undo puts back both the segments and the threshold.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from annotator.core import Annotation, Edit, InvalidEdit
from annotator.core.merge import MergePlan, ReplaceModelSegments, plan_merge
from annotator.evidence.cache import Evidence
from annotator.gui import style
from annotator.gui.undo import new_merge_key
from segmenter.classes import lane_name

STEPS = 100  # slider resolution: 0.01


def moved(values: dict[str, float], onset: float) -> dict[str, float]:
    """``values`` with a new onset; the offset keeps its distance below it (within [0, onset])."""
    gap = max(float(values.get("onset", 0.5)) - float(values.get("offset", 0.5)), 0.0)
    return {**values, "onset": onset, "offset": min(max(onset - gap, 0.0), onset)}


class ChangeThreshold(Edit):
    """Set one class's thresholds and swap the model segments they decide, as one step.

    ``holder`` is whatever carries the `Evidence` (the open `Document`); ``on_change`` is told
    after every apply/undo so the sliders and the dashed threshold lines follow undo and redo.
    """

    def __init__(
        self,
        holder: object,
        code: str,
        old: dict[str, float],
        new: dict[str, float],
        plan: MergePlan,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.holder, self.code = holder, code
        self.old, self.new = dict(old), dict(new)
        self.plan = plan
        self.on_change = on_change

    @property
    def description(self) -> str:
        lane = lane_name(self.code)  # "speech", as the lanes say, not "sp"
        return f"Set {lane} threshold to {self.new.get('onset', 0):.2f}"

    def _set(self, values: dict[str, float]) -> None:
        evidence: Evidence = self.holder.evidence
        evidence.thresholds[self.code] = dict(values)
        if self.on_change is not None:
            self.on_change()

    def apply(self, annotation: Annotation) -> None:
        if self.old == self.new and self.plan.is_empty:
            raise InvalidEdit(f"{self.description}: nothing would change")
        if not self.plan.is_empty:
            ReplaceModelSegments(self.plan).apply(annotation)
        self._set(self.new)

    def undo(self, annotation: Annotation) -> None:
        if not self.plan.is_empty:
            ReplaceModelSegments(self.plan).undo(annotation)
        self._set(self.old)

    def merge_with(self, other: Edit) -> bool:
        if not (
            isinstance(other, ChangeThreshold)
            and other.holder is self.holder
            and other.code == self.code
        ):
            return False
        self.plan = self.plan.then(other.plan)
        self.new = other.new
        return True

    @property
    def obsolete(self) -> bool:
        return self.old == self.new and self.plan.is_empty


def threshold_edit(
    holder: object,
    annotation: Annotation,
    code: str,
    onset: float,
    on_change: Callable[[], None] | None = None,
) -> ChangeThreshold:
    """The edit that moves class ``code``'s onset to ``onset`` and re-decides its segments.

    Only lanes that exist are merged (a lane the user removed is not brought back by a slider).
    """
    evidence: Evidence = holder.evidence
    old = dict(evidence.thresholds[code])
    new = moved(old, onset)
    proposal = evidence.with_threshold(code, new).decide(annotation.recording)
    lanes = [n for n in evidence.lanes if n in annotation]
    plan = plan_merge(annotation, proposal, lanes=lanes)
    return ChangeThreshold(holder, code, old, new, plan, on_change)


class ThresholdPanel(QWidget):
    """A row of sliders, one per class of the evidence; hidden when the evidence is not tunable."""

    #: class code, new onset, gesture key (the same for the moves of one drag)
    thresholdMoved = pyqtSignal(str, float, int)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("threshold-panel")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(6, 0, 6, 0)
        self._layout.addWidget(QLabel("Thresholds"))
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        self._widgets: list[QWidget] = []
        self._keys: dict[str, int] = {}
        self._quiet = False
        self.setVisible(False)

    def set_evidence(self, evidence: Evidence | None) -> None:
        for widget in self._widgets:
            self._layout.removeWidget(widget)
            widget.deleteLater()
        self._widgets, self.sliders, self.values = [], {}, {}
        if evidence is None or not evidence.tunable:
            self.setVisible(False)
            return
        for row, (code, lane) in enumerate(zip(evidence.classes, evidence.lanes, strict=True)):
            name = QLabel(lane)
            name.setStyleSheet(f"color: {style.lane_colour(lane, row).name()}")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"threshold-{code}")
            slider.setRange(0, STEPS)
            slider.setPageStep(5)
            slider.setMinimumWidth(90)
            # the editor's keys (arrows, PgUp) must keep working after a slider was touched
            slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            slider.setToolTip(f"{lane}: onset threshold of the model's decision rule")
            value = QLabel()
            value.setMinimumWidth(30)
            slider.sliderPressed.connect(lambda c=code: self._keys.__setitem__(c, new_merge_key()))
            slider.valueChanged.connect(lambda v, c=code: self._on_value(c, v))
            self.sliders[code], self.values[code] = slider, value
            for widget in (name, slider, value):
                self._layout.addWidget(widget)
                self._widgets.append(widget)
        self.show_values(evidence)
        self.setVisible(True)

    def show_values(self, evidence: Evidence | None) -> None:
        """Put the sliders where the evidence's thresholds are, without emitting a move."""
        if evidence is None or not evidence.tunable:
            return
        self._quiet = True
        try:
            for code, slider in self.sliders.items():
                onset = float(evidence.thresholds[code].get("onset", 0.5))
                slider.setValue(round(onset * STEPS))
                self.values[code].setText(f"{onset:.2f}")
        finally:
            self._quiet = False

    def _on_value(self, code: str, value: int) -> None:
        self.values[code].setText(f"{value / STEPS:.2f}")
        if self._quiet:
            return
        # a drag's moves share the key of its press; a click on the groove is one step
        dragging = self.sliders[code].isSliderDown() and code in self._keys
        key = self._keys[code] if dragging else new_merge_key()
        self.thresholdMoved.emit(code, value / STEPS, key)
