"""The explainable NMF audio segmenter (speech, music, noise, overlapped speech), plain PyTorch."""

__version__ = "0.1.0"
