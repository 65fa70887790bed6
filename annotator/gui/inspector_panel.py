"""`InspectorPanel`: one NMF component of the open recording's model, shown for a phonetician.

Click a row of the activation heatmap and the panel shows that component k:

* its spectral shape — column k of W on a frequency axis in Hz, with the description
  `segmenter.explain.describe_component` gives (harmonic and its f0, energy band, noise-like);
* its activation H[k, t] over the visible range (it follows scrolling and zooming);
* its relevance for each class by the paper's rule (mean of H[k]·Θ[c,k] where the model labels
  the class, divided by the class's largest), with the threshold adjustable; relevant ones bold;
* the classes it pushes up (Θ[c,k] > 0) or down (Θ[c,k] < 0).

The filter above the table shows only the components relevant to one class in the heatmap
(most relevant at the top). Relevance is recomputed when the evidence or the thresholds change.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QPen
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.evidence.cache import Evidence
from annotator.evidence.explain_source import class_relevance, frequencies
from annotator.evidence.mapped_arrays import row_envelope
from annotator.gui import style

UP, DOWN = "#81c784", "#e57373"
HIGHLIGHT_SPECTRUM = "#4fc3f7"
COLUMNS = ("Class", "Θ[c,k]", "Relevance", "Measured over")


def _plot(x_label: str, x_units: str | None, y_label: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background=style.BACKGROUND)
    plot = widget.getPlotItem()
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.setLabel("bottom", x_label, units=x_units)
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.15)
    widget.setMinimumHeight(130)
    return widget


class InspectorPanel(QWidget):
    """The component inspector; the explain tools feed it evidence, H and the component."""

    #: the heatmap filter changed: a class code, or "" for all components
    filterChanged = pyqtSignal(str)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector-panel")
        self.evidence: Evidence | None = None
        self.H: np.ndarray | None = None
        self.relevance: np.ndarray | None = None  # (C, K)
        self.regions: list[str] = []
        self.k: int | None = None
        self._visible = (0.0, 1.0)
        self.title = QLabel("Click a row of the activation heatmap to inspect a component")
        self.title.setWordWrap(True)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.spectrum = _plot("frequency", "Hz", "W[:, k] (log power)")
        self.spectrum_curve = self.spectrum.plot(
            pen=QPen(QColor(HIGHLIGHT_SPECTRUM), 0), fillLevel=0,
            brush=QColor(79, 195, 247, 60),
        )  # fmt: skip
        self.activation = _plot("time", "s", "H[k, t]")
        self.activation_curve = self.activation.plot(pen=QPen(QColor("#ffb74d"), 0))
        self.activation_curve.setDownsampling(auto=True, method="peak")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(0.5)
        self.threshold.setToolTip("Components with relevance ≥ this are relevant to a class")
        self.threshold.valueChanged.connect(self._on_threshold)
        self.filter = QComboBox()
        self.filter.setToolTip("Show only the components relevant to one class in the heatmap")
        self.filter.currentIndexChanged.connect(
            lambda _i: self.filterChanged.emit(str(self.filter.currentData() or ""))
        )
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.pushes = QLabel("")
        self.pushes.setWordWrap(True)
        self.pushes.setTextFormat(Qt.TextFormat.RichText)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Relevant if ≥"))
        controls.addWidget(self.threshold)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Heatmap shows"))
        controls.addWidget(self.filter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.spectrum, 3)
        layout.addWidget(self.activation, 2)
        layout.addLayout(controls)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.pushes)
        self._fill_filter()

    # --- input ------------------------------------------------------------------------------
    def set_evidence(self, evidence: Evidence | None, H: np.ndarray | None) -> None:
        """A new evidence (or none): relevance is recomputed, the component kept if it exists."""
        self.evidence, self.H = evidence, H
        self.relevance, self.regions = (None, [])
        if evidence is not None and H is not None and evidence.explainable:
            self.relevance, self.regions = class_relevance(evidence, H)
        self._fill_filter()
        k = self.k if self.k is not None and H is not None and self.k < H.shape[0] else None
        self.show_component(k)

    def set_unavailable(self, reason: str) -> None:
        self.set_evidence(None, None)
        self.title.setText(reason)

    def show_component(self, k: int | None) -> None:
        self.k = k
        ev, H = self.evidence, self.H
        if k is None or ev is None or H is None or not ev.explainable:
            self.title.setText("Click a row of the activation heatmap to inspect a component")
            self.description.setText("")
            self.spectrum_curve.setData([], [])
            self.activation_curve.setData([], [])
            self.table.setRowCount(0)
            self.pushes.setText("")
            return
        from segmenter.explain import component_spectrum, describe_component

        freqs = frequencies(ev)
        n_fft = 2 * (int(ev.W.shape[0]) - 1)
        _, w = component_spectrum(ev.W, k, int(ev.sample_rate), n_fft)
        self.title.setText(f"Component {k} of {H.shape[0]}")
        self.description.setText(describe_component(w, freqs))
        self.spectrum_curve.setData(freqs, w)
        self.spectrum.setXRange(0, float(freqs[-1]), padding=0)
        self.show_range(*self._visible)
        self._fill_table()

    def show_range(self, start: float, end: float) -> None:
        """The activation plot follows the timeline's visible range."""
        self._visible = (float(start), float(end))
        if self.k is None or self.H is None or self.evidence is None:
            return
        d = self.evidence.frame_s
        a = max(0, int(np.floor(start / d)))
        b = min(self.H.shape[1], int(np.ceil(end / d)) + 1)
        if b <= a:
            self.activation_curve.setData([], [])
            return
        # zoomed out on a long recording: the max per group of frames, read block by block
        width = int(self.activation.getViewBox().width() or 800)
        first, values, g = row_envelope(self.H, self.k, a, b, 2 * width)
        self.activation_curve.setData((first + 0.5 * g) * d, values)
        self.activation.setXRange(start, end, padding=0)

    # --- relevance ------------------------------------------------------------------------------
    def relevant(self, code: str) -> list[int]:
        """Components relevant to class ``code`` at the current threshold, most relevant first."""
        if self.relevance is None or self.evidence is None:
            return []
        from segmenter.explain import relevant_components

        row = self.evidence.classes.index(code)
        found = relevant_components(self.relevance[row], self.threshold.value())
        return [int(k) for k in found]

    def _fill_filter(self) -> None:
        current = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("all components", "")
        ev = self.evidence
        if ev is not None and self.relevance is not None:
            for code, lane in zip(ev.classes, ev.lanes, strict=True):
                self.filter.addItem(f"relevant to {lane} ({len(self.relevant(code))})", code)
        index = max(self.filter.findData(current), 0) if current else 0
        self.filter.setCurrentIndex(index)
        self.filter.blockSignals(False)
        if (current or "") != (self.filter.currentData() or ""):
            self.filterChanged.emit(str(self.filter.currentData() or ""))

    def set_filter(self, code: str) -> None:
        """Choose the heatmap filter by class code (or lane name); "" shows all components."""
        ev = self.evidence
        if code and ev is not None and code in ev.lanes:
            code = ev.classes[ev.lanes.index(code)]
        index = self.filter.findData(code)
        self.filter.setCurrentIndex(max(index, 0))

    def _on_threshold(self, _value: float) -> None:
        self._fill_filter()
        self.filterChanged.emit(str(self.filter.currentData() or ""))
        self._fill_table()

    def _fill_table(self) -> None:
        ev, k, r = self.evidence, self.k, self.relevance
        if ev is None or k is None or r is None:
            self.table.setRowCount(0)
            return
        cut = self.threshold.value()
        self.table.setRowCount(len(ev.classes))
        up, down = [], []
        for row, lane in enumerate(ev.lanes):
            theta = float(ev.theta[row, k])
            relevant = r[row, k] >= cut
            if theta != 0:
                (up if theta > 0 else down).append((lane, theta))
            where = "relevant" if relevant else ""
            items = [
                QTableWidgetItem(lane),
                QTableWidgetItem(f"{theta:+.3f}"),
                QTableWidgetItem(f"{r[row, k]:.2f}"),
                QTableWidgetItem(f"{where} ({self.regions[row]})" if where else self.regions[row]),
            ]
            items[0].setForeground(style.lane_colour(lane, row))
            items[1].setForeground(QColor(UP if theta > 0 else DOWN))
            for column, item in enumerate(items):
                if column in (1, 2):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if relevant:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)

        def names(pairs: list[tuple[str, float]]) -> str:
            pairs = sorted(pairs, key=lambda p: -abs(p[1]))
            return ", ".join(f"{lane} ({theta:+.2f})" for lane, theta in pairs) or "none"

        self.pushes.setText(
            f"<span style='color:{UP}'>▲ pushes up:</span> {names(up)}<br>"
            f"<span style='color:{DOWN}'>▼ pushes down:</span> {names(down)}"
        )
