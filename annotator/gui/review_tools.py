"""The review queue and the reference comparison of the open recording, for the explain tools.

Both are recomputed from scratch when the labels change (a pass over the posteriors, a sweep
over segment boundaries), so what the panels list is never stale; the review queue only while
its panel is shown (else when it is shown or stepped through: on a ten-hour recording the pass
is seconds and 100+ MB of temporaries). The cursor of each walk is kept by place (lane and
start), not by index, across recomputations.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject

from annotator.gui.compare_panel import ComparePanel, DisagreementMarks
from annotator.gui.review_panel import ReviewPanel
from annotator.review.speaker_lanes import SPEAKER_MAPPING, as_class_lanes, speaker_lane_names

if TYPE_CHECKING:
    from annotator.core import Annotation
    from annotator.gui.context import EditorContext
    from annotator.gui.corpus_panel import CorpusPanel
    from annotator.gui.editor import EditorController
    from annotator.gui.timeline_view import TimelineView

CONTEXT_S = 1.0  # seconds shown either side of a place jumped to
MAPPING_SETTING = "reference_speaker_lanes"
"""Project setting: "speech" (compare a speaker-turn reference as speech and overlap) or
"names" (lane by lane, by name); asked the first time a corpus meets such a reference."""


class ReviewTools(QObject):
    """Owns the review and compare panels' data; the explain tools forward events here."""

    def __init__(
        self,
        context: EditorContext,
        controller: EditorController,
        timeline: TimelineView,
        corpus: CorpusPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = controller
        self.timeline = timeline
        self.corpus = corpus
        self.review = ReviewPanel()
        self.compare_panel = ComparePanel()
        self.queue = None
        #: the labels or evidence changed while the review panel was hidden
        self.queue_stale = False
        self.reference = None  # annotator.core.Annotation, as compared (mapped or not)
        self.reference_path: Path | None = None
        self.reference_as_read = None  # the file's lanes, before any mapping
        self.mapping: str | None = None  # the lane mapping applied, as shown to the person
        self.comparison = None
        #: (evidence, thresholds, floors) → the model's pre-label as given; decided once per key
        self._prelabel: tuple[tuple, Annotation] | None = None
        # in the scene from the start: a graphics item left to Python's garbage collector could
        # be destroyed on a worker thread
        self.marks = DisagreementMarks()
        timeline.lanes_plot.addItem(self.marks, ignoreBounds=True)
        self.review.jumpRequested.connect(self.review_jump)
        self.compare_panel.loadRequested.connect(lambda: self.load_reference())
        self.compare_panel.clearRequested.connect(self.clear_reference)
        self.compare_panel.jumpRequested.connect(self.disagreement_jump)
        self.compare_panel.copyRequested.connect(lambda: self.copy_reference())

    # --- the review queue ---------------------------------------------------------------------
    def refresh_queue(self, force: bool = False) -> None:
        """Recompute the queue of the open recording; while its panel is hidden, only note that
        it is out of date (`queue_stale`): it is made when the panel is shown or the review
        keys step through it. Why: the queue is a pass over every posterior frame (1.8 M a
        class for ten hours, with float64 temporaries of that length), and it would otherwise
        run on opening and after every edit for a panel nobody is looking at."""
        if not (force or self.review.isVisible()):
            self.queue_stale = True
            return
        from annotator.review.queue import Band, ReviewQueue, review_items

        self.queue_stale = False
        doc = self.context.document
        ev = doc.evidence if doc is not None else None
        if doc is None or ev is None:
            self.queue = None
            self.review.set_queue(None)
            return
        bands = {
            code: Band(float(v.get("onset", 0.5)), float(v.get("offset", v.get("onset", 0.5))))
            for code, v in ev.thresholds.items()
        }
        if ev.H is None:  # the rare-component items read H: map it from the cache (not loaded)
            from annotator.evidence.explain_source import ExplainUnavailable, activations_of

            with contextlib.suppress(ExplainUnavailable):
                activations_of(ev, doc.project.sidecar_path(doc.entry))
        before = self.queue.current if self.queue is not None else None
        self.queue = ReviewQueue(review_items(ev, doc.annotation, bands or None))
        if before is not None:
            for i, item in enumerate(self.queue.items):
                if (item.lane, item.kind, item.start) == (before.lane, before.kind, before.start):
                    self.queue.position = i
                    break
        self.review.set_queue(self.queue)

    def review_step(self, step: int) -> bool:
        """Jump to the next (step 1) or previous (-1) place of the queue."""
        if self.queue_stale:
            self.refresh_queue(force=True)
        if self.queue is None or not len(self.queue):
            self.context.say("Nothing in the review queue", 3000)
            return False
        item = self.queue.next() if step > 0 else self.queue.previous()
        if item is None:
            where = "last" if step > 0 else "first"
            self.context.say(f"That was the {where} place to review", 3000)
            return False
        self._go(item.lane, item.start, item.end, item.detail)
        self.review.show_position()
        return True

    def review_jump(self, index: int) -> None:
        if self.queue is not None and 0 <= index < len(self.queue):
            self.queue.position = index - 1
            self.review_step(1)

    def _go(self, lane: str, start: float, end: float, message: str) -> None:
        """Select ``[start, end)`` in ``lane`` and show it with some context around it."""
        w = self.context
        c = self.controller
        c.time_span = (start, end)
        if w.document is not None and lane in w.document.annotation:
            c.current_lane = lane
        c.set_selection([])
        c.set_cursor(start)
        x0, x1 = self.timeline.visible_range()
        span = end - start + 2 * CONTEXT_S
        if not (x0 <= start and end <= x1) or (x1 - x0) > 8 * span:
            self.timeline.set_visible_range(start - CONTEXT_S, end + CONTEXT_S)
        w.say(message, 6000)

    # --- the reference ------------------------------------------------------------------------
    def load_reference(self, path: Path | None = None) -> bool:
        """Read a reference annotation of the open recording and compare with it."""
        from annotator.formats import FormatError, annotation_of_recording
        from annotator.gui import file_actions

        w = self.context
        if w.document is None:
            return False
        if path is None:
            folder = str(w.document.path.parent)
            path = w.prompts.open_annotation(folder, file_actions.import_filter())
            if path is None:
                return False
        try:
            reference = annotation_of_recording(
                path, w.document.path, choose=lambda ids: w.prompts.choose_recording(path.name, ids)
            )
        except (FormatError, OSError) as exc:
            w.fail(f"{path}: {exc}" if str(path) not in str(exc) else str(exc))
            return False
        if reference is None:
            return False
        if not len(reference):
            w.fail(f"{path}: holds no lanes to compare with")
            return False
        self.reference_as_read, self.reference_path = reference, Path(path)
        self.reference = self._mapped(reference, Path(path))
        self.refresh_comparison()
        w.say(f"Comparing with {Path(path).name}", 5000)
        return True

    def _mapped(self, reference: Annotation, path: Path, ask: bool = True) -> Annotation:
        """The reference as compared: speaker lanes as speech and overlap when the corpus's
        setting says so (asked once per corpus, then remembered in its project)."""
        speakers = speaker_lane_names(reference)
        names = self.context.document.annotation.lane_names if self.context.document else ()
        self.mapping = None
        if not speakers or any(name in names for name in speakers):
            return reference
        answer = self.speaker_setting()
        if answer is None and ask:
            answer = "speech" if self.context.prompts.map_speakers(path.name, speakers) else "names"
            self.set_speaker_setting(answer)
        if answer != "speech":
            return reference
        self.mapping = SPEAKER_MAPPING
        return as_class_lanes(reference, speakers)

    def speaker_setting(self) -> str | None:
        project = self.context.project
        return None if project is None else project.settings.get(MAPPING_SETTING)

    def set_speaker_setting(self, answer: str) -> None:
        """Remember how this corpus compares speaker lanes, and apply it to the open reference."""
        project = self.context.project
        if project is not None and project.settings.get(MAPPING_SETTING) != answer:
            project.settings[MAPPING_SETTING] = answer
            try:
                project.save_settings()
            except OSError as exc:  # the comparison still works; only the memory is lost
                self.context.say(f"Could not save the project: {exc}", 6000)
        self.show_speaker_setting()
        if self.reference_as_read is not None and self.reference_path is not None:
            self.reference = self._mapped(self.reference_as_read, self.reference_path, ask=False)
            self.refresh_comparison()

    def show_speaker_setting(self) -> None:
        """Tick the Tools menu's mapping action as the open corpus's setting says."""
        action = self.context.actions.get("reference_speakers")
        if action is not None:
            blocked = action.blockSignals(True)
            action.setChecked(self.speaker_setting() == "speech")
            action.blockSignals(blocked)

    def clear_reference(self) -> None:
        self.reference, self.reference_path, self.comparison = None, None, None
        self.reference_as_read, self.mapping = None, None
        self.refresh_comparison()

    def refresh_comparison(self) -> None:
        from annotator.review.compare import compare

        doc = self.context.document
        if doc is None or self.reference is None:
            self.comparison = None
            self.compare_panel.show_comparison(None)
            self.marks.set_marks([])
            return
        before = self.compare_panel.current()
        key = None
        if 0 <= before < len(self.compare_panel.disagreements):
            d = self.compare_panel.disagreements[before]
            key = (d.lane, d.start)
        self.comparison = compare(self.reference, doc.annotation, prelabel=self.model_prelabel())
        title = f"Reference: {self.reference_path.name}" if self.reference_path else ""
        if title and self.mapping:
            title += f" ({self.mapping})"
        self.compare_panel.show_comparison(self.comparison, title)
        if key is not None:
            for i, d in enumerate(self.compare_panel.disagreements):
                if (d.lane, d.start) == key:
                    self.compare_panel.select(i)
                    break
        self._draw_marks()

    def model_prelabel(self) -> Annotation | None:
        """The open recording's model pre-label as the editor hands it out now (current
        thresholds, lanes' confidence floors), or None without re-decidable evidence: the
        compare panel counts its edits to say whether the pre-label saved work. Re-decided only
        when the evidence, a threshold or a floor changed, not on every label edit."""
        import json

        from annotator.review.edit_effort import prelabel_as_given

        doc = self.context.document
        ev = doc.evidence if doc is not None else None
        if ev is None or not ev.tunable:
            return None
        ann = doc.annotation
        floors = tuple((lane.name, lane.confidence_floor) for lane in ann)
        key = (id(ev), json.dumps(ev.thresholds, sort_keys=True), floors)
        if self._prelabel is None or self._prelabel[0] != key:
            self._prelabel = (key, prelabel_as_given(ev.decide(ann.recording), ann))
        return self._prelabel[1]

    def _draw_marks(self) -> None:
        timeline = self.timeline
        lanes = timeline.lanes
        if lanes is None:
            return
        names = list(lanes.lane_names)
        marks = []
        for d in self.compare_panel.disagreements:
            # a lane confusion is a miss in one lane met by a false alarm in another: mark both
            for lane in (d.lane, d.other_lane) if d.other_lane else (d.lane,):
                if lane in names:
                    marks.append((d.start, d.end, names.index(lane), d.kind))
        self.marks.set_marks(marks)

    def disagreement_step(self, step: int) -> bool:
        """Jump to the next largest (step 1) or previous (-1) disagreement."""
        items = self.compare_panel.disagreements
        if not items:
            text = "No reference loaded" if self.reference is None else "No disagreements"
            self.context.say(text, 3000)
            return False
        index = self.compare_panel.current() + step
        if not 0 <= index < len(items):
            self.context.say("No further disagreement", 3000)
            return False
        self.disagreement_jump(index)
        return True

    def disagreement_jump(self, index: int) -> None:
        items = self.compare_panel.disagreements
        if 0 <= index < len(items):
            d = items[index]
            self.compare_panel.select(index)
            labels = f"reference {d.reference or '∅'}, working {d.working or '∅'}"
            self._go(d.lane, d.start, d.end, f"{d.kind} in {d.lane}: {labels}")

    def copy_reference(self, index: int | None = None) -> bool:
        """Copy the reference segment under disagreement ``index`` (default: the selected one)
        into its working lane, as one undoable edit."""
        from annotator.review.compare import copy_reference_segment

        w, items = self.context, self.compare_panel.disagreements
        index = self.compare_panel.current() if index is None else index
        if w.document is None or self.comparison is None or not 0 <= index < len(items):
            w.say("Choose a disagreement first (D jumps to the largest)", 4000)
            return False
        d = items[index]
        reference_lane = self.comparison.lanes[d.lane].reference_lane
        segment = self.reference.lane(reference_lane).at(0.5 * (d.start + d.end))
        if segment is None:
            w.say("The reference has no segment there to copy", 4000)
            return False
        edit = copy_reference_segment(w.document.annotation, d.lane, segment)
        return self.controller.push(edit)

    # --- the corpus ---------------------------------------------------------------------------
    def sort_corpus_by_effort(self) -> bool:
        """Order the corpus panel by expected review effort (most first)."""
        from annotator.review.queue import corpus_effort

        w = self.context
        if w.project is None:
            return False
        if w.document is not None and w.document.dirty:
            w.save()
        efforts = corpus_effort(w.project)
        self.corpus.set_effort(efforts)
        if w.document is not None:
            self.corpus.mark_current(w.document.path)
        w.say("Corpus sorted by expected review effort", 4000)
        return True
