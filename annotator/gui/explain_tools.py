"""`ExplainTools`: the "show why" side of the editor, docked beside the views it explains.

Four dock panels — component inspector, why this label, review queue, compare with a reference —
a picker on the activation heatmap, a player for sonified clips, the fine-tune and teach
dialogs, and the actions and keys that open them. The window calls `show_document` when a
recording is shown and `shutdown` when it closes.

Panels are recomputed when what they show changes: the evidence (a new pre-label, an undo), its
thresholds (the sliders), the labels (any edit), the selection, the visible range. Work that
needs H (inspector, why) is done only while its panel is visible; a hidden panel is marked stale
and catches up when shown.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

import numpy as np
from PyQt6.QtCore import QObject, Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QDockWidget, QMainWindow

from annotator.evidence.explain_source import (
    ExplainUnavailable,
    activations_of,
    check_explainable,
    listen_selection,
    why_selection,
)
from annotator.gui.heatmap_picker import HeatmapPicker
from annotator.gui.inspector_panel import InspectorPanel
from annotator.gui.review_tools import ReviewTools
from annotator.gui.shortcuts import key_actions
from annotator.gui.why_panel import WhyPanel, clip_gain

if TYPE_CHECKING:
    from collections.abc import Callable

    from annotator.gui.context import EditorContext
    from annotator.gui.corpus_panel import CorpusPanel
    from annotator.gui.document import Document
    from annotator.gui.editor import EditorController
    from annotator.gui.player import Player
    from annotator.gui.timeline_view import TimelineView

PANELS = {
    "inspector": "Component inspector",
    "why": "Why this label",
    "review": "Review queue",
    "compare": "Compare with reference",
}


class ExplainTools(QObject):
    def __init__(
        self,
        context: EditorContext,
        controller: EditorController,
        timeline: TimelineView,
        corpus: CorpusPanel,
        player: Player,
        prelabel: Callable[[str], bool],
        host: QMainWindow,
    ) -> None:
        super().__init__(host)
        self.context = context
        self.controller = controller
        self.timeline = timeline
        self.player = player
        self.prelabel = prelabel  # for the teach dialog: pre-label "current" or "all"
        self.host = host  # holds the docks; the dialogs' parent
        self.inspector = InspectorPanel()
        self.why = WhyPanel()
        self.reviewing = ReviewTools(context, controller, timeline, corpus, host)
        self.picker = HeatmapPicker(timeline, self)
        self.clip_player = player.sibling(self)
        self.last_clip = None  # the Sonification last asked for (what the Listen buttons play)
        self.finetune = None  # FinetuneDialog, made on first use
        self.teach = None  # TeachDialog, made on first use
        self.corpus_compare = None  # CorpusCompareDialog, made on first use
        self.document: Document | None = None
        self._evidence_key: tuple | None = None
        self._stale: set[str] = set()
        self._descriptions: dict[int, str] = {}
        self.docks: dict[str, QDockWidget] = {}
        widgets = {
            "inspector": self.inspector,
            "why": self.why,
            "review": self.reviewing.review,
            "compare": self.reviewing.compare_panel,
        }
        for name, title in PANELS.items():  # fmt: skip
            dock = QDockWidget(title, host)
            dock.setObjectName(f"dock-{name}")
            dock.setWidget(widgets[name])
            dock.setAllowedAreas(
                Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
                | Qt.DockWidgetArea.BottomDockWidgetArea
            )  # fmt: skip
            host.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            # a bound method: PyQt drops it with this object, while the window is torn down
            dock.visibilityChanged.connect(self._on_dock_visibility)
            dock.hide()
            self.docks[name] = dock
        host.tabifyDockWidget(self.docks["inspector"], self.docks["why"])
        host.tabifyDockWidget(self.docks["review"], self.docks["compare"])
        self.picker.hovered.connect(self._on_hover)
        self.picker.clicked.connect(self._on_heatmap_click)
        self.inspector.filterChanged.connect(self._apply_filter)
        self.why.classChanged.connect(lambda _lane: self.refresh_why())
        self.why.countChanged.connect(lambda _n: self.refresh_why())
        self.why.componentChosen.connect(self.inspect)
        self.why.listenRequested.connect(self.listen)
        controller.selectionChanged.connect(self._on_selection)
        timeline.rangeChanged.connect(self._on_range)
        self._add_actions()

    def _add_actions(self) -> None:
        actions, w = self.context.actions, self.host
        reviewing = self.reviewing
        actions.update(
            key_actions(
                w,
                {
                    "review_next": lambda: reviewing.review_step(1),
                    "review_prev": lambda: reviewing.review_step(-1),
                    "disagreement_next": lambda: reviewing.disagreement_step(1),
                    "disagreement_prev": lambda: reviewing.disagreement_step(-1),
                    "copy_reference": lambda: reviewing.copy_reference(),
                    "why": lambda: self.show_panel("why"),
                    "inspector": lambda: self.show_panel("inspector"),
                },
            )
        )
        for name, dock in self.docks.items():
            action = dock.toggleViewAction()
            action.setText(PANELS[name])
            actions[f"panel_{name}"] = action
        actions["load_reference"] = QAction(
            "Compare with reference…", w, triggered=lambda: self.load_reference()
        )
        actions["compare_corpus"] = QAction(
            "Compare corpus with reference…", w, triggered=self.open_corpus_compare
        )
        speakers = QAction("Compare speaker lanes as speech and overlap", w, checkable=True)
        speakers.toggled.connect(
            lambda on: self.reviewing.set_speaker_setting("speech" if on else "names")
        )
        actions["reference_speakers"] = speakers
        actions["sort_by_effort"] = QAction(
            "Sort corpus by review effort", w, triggered=self.reviewing.sort_corpus_by_effort
        )
        actions["finetune"] = QAction(
            "Learn from corrections (fine-tune)…", w, triggered=self.open_finetune
        )
        actions["teach_lane"] = QAction(
            "Teach a new lane from this lane…", w, triggered=self.open_teach
        )

    # --- the window's hooks -------------------------------------------------------------------
    def show_document(self, document: Document) -> None:
        if self.document is not None:
            with contextlib.suppress(TypeError):  # it was never connected
                self.document.changed.disconnect(self._on_changed)
        self.document = document
        self._evidence_key = None
        self._let_go_of_evidence()
        self.reviewing.clear_reference()
        self.reviewing.show_speaker_setting()
        document.changed.connect(self._on_changed)
        self._on_changed()

    def shutdown(self) -> None:
        self.clip_player.stop()
        if self.finetune is not None:
            self.finetune.shutdown()
        if self.teach is not None:
            self.teach.shutdown()
        if self.corpus_compare is not None:
            self.corpus_compare.shutdown()
        self._let_go_of_evidence()

    def _let_go_of_evidence(self) -> None:
        """Drop the panels' references to the evidence shown so far (H and the heat image may
        be mapped files: a hidden inspector must not keep the last recording's open)."""
        self.inspector.set_evidence(None, None)
        self.picker.set_filter(None, None, 0.02)

    # --- panels -------------------------------------------------------------------------------
    def show_panel(self, name: str) -> None:
        dock = self.docks[name]
        dock.show()
        dock.raise_()

    def _on_dock_visibility(self, shown: bool) -> None:
        name = next((n for n, d in self.docks.items() if d is self.sender()), None)
        if name is not None:
            self._on_visible(name, shown)

    def _on_visible(self, name: str, shown: bool) -> None:
        if shown and name == "review" and self.reviewing.queue_stale:
            self.reviewing.refresh_queue(force=True)
        if shown and name in self._stale:
            self._stale.discard(name)
            {"inspector": self.refresh_inspector, "why": self.refresh_why}.get(name, lambda: None)()

    def _visible(self, name: str) -> bool:
        if self.docks[name].isVisible():
            return True
        self._stale.add(name)
        return False

    def _on_changed(self) -> None:
        """Labels, evidence or thresholds changed."""
        doc = self.document
        ev = doc.evidence if doc is not None else None
        key = None if ev is None else (id(ev), json.dumps(ev.thresholds, sort_keys=True))
        if key != self._evidence_key:
            self._evidence_key = key
            self.why.set_classes(ev)
            self.picker.set_components(_components(ev))
            self._descriptions = {}
            self.refresh_inspector()
        self.reviewing.refresh_queue()
        self.reviewing.refresh_comparison()
        self.refresh_why()

    def _evidence(self):
        """The open recording's explainable evidence and its H, or ExplainUnavailable."""
        doc = self.document
        ev = check_explainable(doc.evidence if doc is not None else None)
        H = activations_of(ev, doc.project.sidecar_path(doc.entry))
        return ev, H

    # --- the inspector ------------------------------------------------------------------------
    def refresh_inspector(self) -> None:
        if not self._visible("inspector"):
            return
        try:
            ev, H = self._evidence()
        except ExplainUnavailable as exc:
            self.inspector.set_unavailable(str(exc))
            return
        self.inspector.set_evidence(ev, H)
        self.inspector.show_range(*self.timeline.visible_range())
        self._apply_filter(str(self.inspector.filter.currentData() or ""))

    def inspect(self, k: int) -> None:
        """Show component ``k`` in the inspector (and outline its heatmap row)."""
        self.show_panel("inspector")
        if self.inspector.evidence is None:
            self.refresh_inspector()
        self.inspector.show_component(k)
        self.picker.set_marked(k)

    def filter_heatmap(self, lane_or_code: str) -> list[int]:
        """Show only the components relevant to a class ("" for all); returns them."""
        self.show_panel("inspector")
        self.inspector.set_filter(lane_or_code)
        return list(self.picker.rows[::-1]) if self.picker.rows is not None else []

    def _apply_filter(self, code: str) -> None:
        doc = self.document
        ev = doc.evidence if doc is not None else None
        if not code or ev is None or ev.heat is None or self.inspector.relevance is None:
            self.picker.set_filter(None, None, 0.02)
            return
        self.picker.set_filter(self.inspector.relevant(code), ev.heat, ev.frame_s)

    def _on_heatmap_click(self, k: int, _t: float) -> None:
        self.inspect(k)

    def _on_hover(self, k: int, _t: float) -> None:
        if k < 0:
            return
        text = self._descriptions.get(k)
        if text is None:
            try:
                ev = check_explainable(self.document.evidence if self.document else None)
            except ExplainUnavailable:
                return
            from annotator.evidence.explain_source import frequencies
            from segmenter.explain import describe_component

            text = describe_component(np.asarray(ev.W)[:, k], frequencies(ev))
            self._descriptions[k] = text
        self.context.say(f"component {k}: {text} (click to inspect)", 3000)

    def _on_range(self, start: float, end: float) -> None:
        if self.docks["inspector"].isVisible():
            self.inspector.show_range(start, end)

    # --- why this label -----------------------------------------------------------------------
    def _on_selection(self) -> None:
        c = self.controller
        if c.selection:
            self.why.set_class(c.selection[0][0])
        self.refresh_why()

    def refresh_why(self):
        """Recompute the why-panel for the selection; returns the `WhyLabel` shown, if any."""
        if not self._visible("why"):
            return None
        from annotator.review.evidence import ReviewError

        span = self.controller.span
        try:
            ev, _H = self._evidence()
        except ExplainUnavailable as exc:
            self.why.set_message(str(exc))
            return None
        if span is None:
            self.why.set_message("Select a segment or drag a span to see why the model labels it")
            return None
        lane = self.why.lane.currentText() or ev.lanes[0]
        try:
            why = why_selection(ev, lane, span[0], span[1], self.why.count.value())
        except ReviewError as exc:
            self.why.set_message(str(exc))
            return None
        self.why.show_why(why)
        return why

    def listen(self, which: str) -> str | None:
        """Play the selection's ticked components ("selected"), the rest, or the mixture;
        returns the reason nothing plays, if any (the clip is computed either way)."""
        from annotator.review.evidence import ReviewError

        why, doc = self.why.why, self.document
        if why is None or doc is None:
            return "Nothing selected to listen to"
        try:
            ev, _H = self._evidence()
            clip = listen_selection(ev, doc.audio.samples, doc.audio.sample_rate,
                                    why.start, why.end, self.why.ticked())  # fmt: skip
        except (ExplainUnavailable, ReviewError) as exc:
            self.context.say(str(exc), 6000)
            return str(exc)
        self.last_clip = clip
        samples = {"selected": clip.selected, "rest": clip.rest}.get(which, clip.mixture)
        self.player.stop()
        self.clip_player.set_audio(clip_gain(samples), clip.sample_rate)
        problem = self.clip_player.play(0.0)
        share = clip.selected_energy_share
        what = {"selected": f"components {list(clip.components)}", "rest": "the rest"}
        self.context.say(
            problem or f"Playing {what.get(which, 'the original')} "
            f"({100 * share:.0f} % of the energy in the ticked components)", 6000
        )  # fmt: skip
        return problem

    # --- reference, fine-tune -----------------------------------------------------------------
    def load_reference(self, path=None) -> bool:
        self.show_panel("compare")
        return self.reviewing.load_reference(path)

    def open_finetune(self):
        from annotator.gui.finetune_dialog import FinetuneDialog

        if self.finetune is None:
            self.finetune = FinetuneDialog(self.context, self.host)
        self.finetune.reset()
        self.finetune.show()
        self.finetune.raise_()
        return self.finetune

    def open_corpus_compare(self):
        """Compare every recording of the open corpus with one reference (`CorpusCompareDialog`);
        asks for the reference the first time, and compares at once when one is chosen."""
        from annotator.gui.corpus_compare_dialog import CorpusCompareDialog

        if self.context.project is None:
            self.context.say("Open a corpus folder first: this compares its recordings", 5000)
            return None
        dialog = self.corpus_compare
        if dialog is None:
            dialog = CorpusCompareDialog(
                self.context, lambda: self.reviewing.speaker_setting() != "names", self.host
            )
            # what the corpus panel's double-click does: the window opens it (asking to save)
            dialog.openRequested.connect(self.reviewing.corpus.openRequested)
            self.corpus_compare = dialog
        dialog.show()
        dialog.raise_()
        if not dialog.running and not dialog.reference.text().strip():
            dialog.choose_reference()
            if dialog.reference.text().strip():
                dialog.start()
        return dialog

    def open_teach(self):
        """Teach a new lane from the active (user) lane: a probe on H, see `TeachDialog`."""
        from annotator.gui.teach_dialog import TeachDialog

        if self.teach is None:
            self.teach = TeachDialog(self.context, self.controller, self.prelabel, self.host)
        self.teach.reset()
        self.teach.show()
        self.teach.raise_()
        return self.teach


def _components(evidence) -> int:
    if evidence is None:
        return 0
    if evidence.heat is not None:
        return int(evidence.heat.shape[0])
    return int(evidence.H.shape[0]) if evidence.H is not None else 0
