"""`CarryLayers`: bring the layers a file carries (``Annotation.passthrough``) into a document.

Why an edit: importing labels into the open recording is undoable, and what the file carries
besides its lanes (an ELAN file's dependent tiers, vocabularies and media links; a TextGrid's
point tiers) must come along, or exporting back to that format would silently drop them. So
the import puts them into the document in the same undo step as the lanes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from annotator.core.annotation import Annotation
from annotator.core.edits import Edit
from annotator.core.errors import InvalidEdit


class CarryLayers(Edit):
    """Replace the document's carried layers of ``format`` with ``layers`` (those of the file
    imported last: file-level settings such as an ELAN header cannot be merged); undo puts the
    previous ones back exactly."""

    def __init__(self, format: str, layers: Iterable[dict[str, Any]], source: str) -> None:
        self.format = format
        self.layers = [copy.deepcopy(layer) for layer in layers]
        self.source = source
        self._before: list[dict[str, Any]] | None = None

    @property
    def description(self) -> str:
        return f"Carry the other {self.format} layers of {self.source}"

    def apply(self, annotation: Annotation) -> None:
        self._before = copy.deepcopy(annotation.passthrough)
        kept = [p for p in annotation.passthrough if p.get("format") != self.format]
        annotation.passthrough = kept + copy.deepcopy(self.layers)

    def undo(self, annotation: Annotation) -> None:
        if self._before is None:
            raise InvalidEdit(f"{self.description}: cannot undo an edit that was never made")
        annotation.passthrough = copy.deepcopy(self._before)
