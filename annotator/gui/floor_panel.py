"""`FloorPanel`: one confidence-floor slider per lane that holds model guesses.

A row under the threshold sliders, built the same way (a slider of 0.01 steps that never takes
the keyboard focus, a press-drag-release sharing one merge key so the stack folds the drag into
one undo step), but fed by the annotation rather than the model evidence: a floor applies to
any lane holding scored model segments, whichever pre-labeler made them, and stays usable when
the evidence cache is gone. Beside each slider, how many of the lane's guesses it hides.
The panel only reports moves (`floorMoved`); `floor_actions.FloorActions` makes the edits.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from annotator.core import Annotation, Lane, Source
from annotator.core.confidence_floor import hidden_summary
from annotator.gui import style
from annotator.gui.undo import new_merge_key

STEPS = 100  # slider resolution: 0.01, as the threshold sliders


def floor_lanes(annotation: Annotation | None) -> tuple[str, ...]:
    """The lanes a floor means something for: a floor set, guesses hidden, or scored guesses."""
    if annotation is None:
        return ()
    return tuple(lane.name for lane in annotation if _has_guesses(lane))


def _has_guesses(lane: Lane) -> bool:
    if lane.confidence_floor or lane.hidden:
        return True
    return any(s.source is Source.MODEL and s.confidence is not None for s in lane)


def hidden_text(lane: Lane) -> str:
    """The short note beside a slider: "12 hidden", or nothing when none is."""
    return f"{len(lane.hidden)} hidden" if lane.hidden else ""


class FloorPanel(QWidget):
    """A row of confidence-floor sliders, one per lane with model guesses; hidden without any."""

    #: lane name, new floor, gesture key (the same for the moves of one drag)
    floorMoved = pyqtSignal(str, float, int)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("floor-panel")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(6, 0, 6, 0)
        title = QLabel("Hide model below")
        title.setToolTip(
            "Per lane, a confidence floor: model segments less sure than it are hidden from the "
            "lane, the saved labels and every export; segments a person made always stay"
        )
        self._layout.addWidget(title)
        self._layout.addStretch(1)
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        self.counts: dict[str, QLabel] = {}
        self._widgets: list[QWidget] = []
        self._lanes: tuple[str, ...] = ()
        self._keys: dict[str, int] = {}
        self._quiet = False
        self.setVisible(False)

    @property
    def lanes(self) -> tuple[str, ...]:
        return self._lanes

    def show_annotation(self, annotation: Annotation | None) -> None:
        """Follow the annotation: rebuild when the set of lanes changed, else update quietly."""
        lanes = floor_lanes(annotation)
        if lanes != self._lanes:
            self._rebuild(annotation, lanes)
        if annotation is None or not lanes:
            self.setVisible(False)
            return
        self._quiet = True
        try:
            for name in lanes:
                lane = annotation.lane(name)
                slider = self.sliders[name]
                if not slider.isSliderDown():  # never fight the hand that drags it
                    slider.setValue(round(lane.confidence_floor * STEPS))
                self.values[name].setText(f"{lane.confidence_floor:.2f}")
                self.counts[name].setText(hidden_text(lane))
                self.counts[name].setToolTip(hidden_summary(lane))
        finally:
            self._quiet = False
        self.setVisible(True)

    def _rebuild(self, annotation: Annotation | None, lanes: tuple[str, ...]) -> None:
        for widget in self._widgets:
            self._layout.removeWidget(widget)
            widget.hide()  # at once: deleteLater waits for the event loop
            widget.deleteLater()
        self._widgets, self.sliders, self.values, self.counts = [], {}, {}, {}
        self._lanes = lanes
        if annotation is None:
            return
        at = self._layout.count() - 1  # before the closing stretch
        for name in lanes:
            row = annotation.lane_position(name)
            label = QLabel(name)
            label.setStyleSheet(f"color: {style.lane_colour(name, row).name()}")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"floor-{name}")
            slider.setRange(0, STEPS)
            slider.setPageStep(5)
            slider.setMinimumWidth(80)
            slider.setMaximumWidth(160)
            # the editor's keys (arrows, PgUp) must keep working after a slider was touched
            slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            slider.setToolTip(
                f"{name}: hide model segments whose confidence is below this (0 shows all)"
            )
            value = QLabel("0.00")
            value.setMinimumWidth(30)
            count = QLabel("")
            count.setMinimumWidth(count.fontMetrics().horizontalAdvance("9999 hidden"))
            count.setStyleSheet("color: gray")
            slider.sliderPressed.connect(lambda n=name: self._keys.__setitem__(n, new_merge_key()))
            slider.valueChanged.connect(lambda v, n=name: self._on_value(n, v))
            self.sliders[name], self.values[name], self.counts[name] = slider, value, count
            for widget in (label, slider, value, count):
                self._layout.insertWidget(at, widget)
                self._widgets.append(widget)
                at += 1

    def _on_value(self, lane: str, value: int) -> None:
        self.values[lane].setText(f"{value / STEPS:.2f}")
        if self._quiet:
            return
        # a drag's moves share the key of its press; a click on the groove is one step
        dragging = self.sliders[lane].isSliderDown() and lane in self._keys
        key = self._keys[lane] if dragging else new_merge_key()
        self.floorMoved.emit(lane, value / STEPS, key)
