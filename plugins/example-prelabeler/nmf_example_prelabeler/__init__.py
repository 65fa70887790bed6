"""Example nmf-annotator plugin: an energy-based speech/silence pre-labeler.

Registered as ``energy`` in the ``nmf_annotator.prelabelers`` entry-point group. The host calls
:func:`make_prelabeler` once (per worker process) and then the returned object once per file.
"""

from __future__ import annotations

from nmf_example_prelabeler.energy import EnergyPrelabeler

__all__ = ["EnergyPrelabeler", "make_prelabeler"]
__version__ = "0.1.0"


def make_prelabeler(
    margin_db: float = 10.0,
    floor_db: float = -50.0,
    min_speech: float = 0.25,
    min_silence: float = 0.3,
    frame: float = 0.02,
) -> EnergyPrelabeler:
    """Energy-based speech/silence: frames louder than the noise floor plus a margin."""
    return EnergyPrelabeler(
        margin_db=float(margin_db),
        floor_db=float(floor_db),
        min_speech=float(min_speech),
        min_silence=float(min_silence),
        frame=float(frame),
    )
