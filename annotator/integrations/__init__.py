"""Glue between the annotator and programs outside it (Praat, ELAN), kept free of Qt.

Each module serves one outside program and is called by the small launcher that program runs;
the plugin folders those programs load live in ``plugins/praat`` and ``plugins/elan`` and are
installed by ``annotator plugins install`` (see `annotator.integrations.install`).
"""
