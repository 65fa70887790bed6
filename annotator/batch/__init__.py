"""Corpus-scale pre-labelling (``annotator label``): listing, sharding, resuming, running.

``corpus`` decides which recordings a run covers and how outputs are named; ``outputs`` names,
dates and writes them (all formats or none); ``lock`` keeps a second run out of an output folder;
``runner`` labels files in this process or in spawned workers, one failure never stopping the
rest; ``report`` draws progress and the summary.
Nothing here imports torch: the pre-labeler plugin brings what it needs.
"""

from __future__ import annotations

from annotator.batch.corpus import (
    CorpusError,
    CorpusItem,
    list_corpus,
    parse_shard,
    read_list,
    select_shard,
)
from annotator.batch.outputs import existing_outputs, output_paths, up_to_date, write_outputs
from annotator.batch.runner import (
    DONE,
    FAILED,
    SKIPPED,
    FileResult,
    LabelJob,
    Labeller,
    run_in_pool,
    run_in_process,
)

__all__ = [
    "DONE",
    "FAILED",
    "SKIPPED",
    "CorpusError",
    "CorpusItem",
    "FileResult",
    "LabelJob",
    "Labeller",
    "existing_outputs",
    "list_corpus",
    "output_paths",
    "parse_shard",
    "read_list",
    "run_in_pool",
    "run_in_process",
    "select_shard",
    "up_to_date",
    "write_outputs",
]
