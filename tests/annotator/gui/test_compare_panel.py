"""The compare panel shows the edit counts of `annotator.review.compare` (it computes none)."""

from __future__ import annotations

from annotator.core import Annotation, Lane, RecordingInfo, Segment
from annotator.gui.compare_panel import EDITS, EMPTY, PRELABEL, SUMMARY, ComparePanel
from annotator.review.compare import compare
from annotator.review.edit_effort import breakdown

INFO = RecordingInfo("a.wav", 10.0)


def annotation(**lanes: list[tuple[float, float]]) -> Annotation:
    return Annotation(
        [Lane(n, [Segment(a, b, n) for a, b in spans]) for n, spans in lanes.items()], INFO
    )


REFERENCE = annotation(speech=[(1, 4), (6, 8)], music=[(4, 6)])
WORKING = annotation(speech=[(2, 5), (6, 8)], music=[])
MODEL = annotation(speech=[(1, 1.5), (2, 2.5), (3, 3.5), (6, 8)], music=[(4, 6)])


def rows(panel: ComparePanel) -> dict[str, int]:
    table = panel.summary
    return {table.item(r, 0).text(): r for r in range(table.rowCount())}


def test_effort_headline_and_columns_with_the_prelabel(qtbot) -> None:
    panel = ComparePanel()
    qtbot.addWidget(panel)
    comparison = compare(REFERENCE, WORKING, prelabel=MODEL)
    panel.show_comparison(comparison, "Reference: ref.TextGrid")
    panel.show()
    text = comparison.effort()
    assert panel.effort.text() == text.headline
    assert text.headline.startswith("About 3 edits to correct this recording")
    assert panel.prelabel.text() == "Model pre-label: 3 edits, saves nothing over empty lanes"
    assert panel.prelabel.isVisible() and panel.effort_detail.text() == text.detail
    assert "Empty lanes: delete 0 · add 3" in panel.effort.toolTip()
    assert not panel.summary.isColumnHidden(PRELABEL)
    assert [SUMMARY[c] for c in (EDITS, PRELABEL, EMPTY)] == ["Edits", "Pre-label", "From empty"]
    speech = rows(panel)["speech"]
    lane = comparison.lanes["speech"]
    for column, counts in ((EDITS, lane.edits), (PRELABEL, lane.prelabel_edits),
                           (EMPTY, lane.empty_edits)):  # fmt: skip
        cell = panel.summary.item(speech, column)
        assert cell.text() == str(counts.total) and cell.toolTip() == breakdown(counts)
    assert panel.summary.item(speech, PRELABEL).text() == "3"  # two merges, one boundary
    assert panel.summary.item(rows(panel)["music"], EDITS).toolTip().startswith("delete 0 · add 1")


def test_without_prelabel_or_reference(qtbot) -> None:
    panel = ComparePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_comparison(compare(REFERENCE, WORKING))
    assert panel.effort.isVisible() and panel.effort.text().startswith("About 3 edits")
    assert not panel.prelabel.isVisible() and panel.summary.isColumnHidden(PRELABEL)
    assert "Model pre-label" not in panel.effort.toolTip()
    panel.show_comparison(None)
    assert not panel.effort.isVisible() and panel.effort.text() == ""
    assert panel.summary.rowCount() == 0
