"""A model's evidence for one recording, without Qt: the arrays a pre-labelling run leaves
(posteriors, activations H, the explanation parameters), their cache beside the sidecar, and
the numbers the editor's evidence views show.

Why a package of its own rather than part of ``annotator.gui``: none of this draws anything. It
is numpy and files, tested without widgets, and kept that way by the import contract that only
``annotator.gui`` imports Qt. The GUI draws what these modules compute.

* :mod:`.cache` — `Evidence`, the re-decision at new thresholds, and its cache files;
* :mod:`.mapped_arrays` — arrays that live on disk (memory-mapped ``.npz`` members, temporary
  time-major files, passes that do not pin pages): ten hours of H do not fit in memory;
* :mod:`.explain_source` — H at hand and cut to a selection for the review tools;
* :mod:`.heatmap_order` — the heatmap's rows grouped by the class each component pushes most.

Import from the modules themselves; this package imports nothing, so ``annotator.audio`` can use
`mapped_arrays` without loading the rest.
"""
