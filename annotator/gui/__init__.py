"""The desktop editor (PyQt6 + pyqtgraph): the only package that imports Qt.

Views draw the core `Annotation` and turn gestures into core edit commands; they never compute a
label. Start it with `annotator.gui.app.run_app`.
"""
