"""A recording's samples as the editor reads them, without Qt: decoded compactly, or read range
by range from the file when decoding it whole would not fit, and the waveform's min/max pyramid
streamed from it.

Why a package of its own rather than part of ``annotator.gui``: reading audio draws nothing. It
is soundfile, numpy and files, tested without widgets, and kept that way by the import contract
that only ``annotator.gui`` imports Qt. The views, the player and the pre-labelers read from it.

* :mod:`.samples` — `Samples`: a whole recording decoded to int16 or float32, read as float32;
* :mod:`.source` — `open_samples`: decoded whole, read from the file (`FileSamples`), or decoded
  once to a mapped temporary file (`MappedSamples`), each with a `close`;
* :mod:`.streamed_envelope` — `StreamedPyramid`: the envelope pyramid of a file streamed once.

The temporary files are written through `annotator.evidence.mapped_arrays`, the one place that
knows how to keep disk-backed arrays from pinning memory. Import from the modules themselves;
this package imports nothing.
"""
