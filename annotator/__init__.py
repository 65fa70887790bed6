"""nmf-annotator: pre-label audio with an explainable NMF segmenter and correct the labels by hand."""

__version__ = "0.1.0"
