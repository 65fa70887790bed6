"""Start the editor: one QApplication, one `MainWindow`, the targets from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import pyqtgraph as pg
from PyQt6.QtCore import QCoreApplication, QEvent
from PyQt6.QtGui import QIcon
from PyQt6.QtWidgets import QApplication

from annotator import __version__

ORGANISATION = "nmf-annotator"
APPLICATION = "nmf-annotator"


def configure_pyqtgraph() -> None:
    """Settings every view relies on; call before building widgets."""
    pg.setConfigOptions(
        antialias=False, imageAxisOrder="row-major", background="#1e2126", foreground="#c8ccd0"
    )


def application(argv: list[str] | None = None) -> QApplication:
    """The running QApplication, created with our names (QSettings keys depend on them)."""
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    configure_pyqtgraph()
    try:
        from annotator.resources import resource_path

        app.setWindowIcon(QIcon(str(resource_path("icons", "nmf-annotator.svg"))))
    except FileNotFoundError:
        pass
    return app


def run_app(targets: list[Path], demo: bool = False) -> int:
    """Open ``targets`` (files and/or one folder) and run the event loop; the exit code."""
    app = application()
    from annotator.gui.document import project_for
    from annotator.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    targets = [Path(t) for t in targets]
    if demo and targets:
        # the shipped demo lives in the installation: keep its project in the user's data dir
        demo_path, targets = targets[0], targets[1:]
        if window.open_path(demo_path, project_for(demo_path.parent, writable=False)):
            # first open: pre-label it with the shipped model in the background (or say why not)
            window.prelabel.prelabel_demo()
    if targets:
        window.open_paths(targets)
    elif window.settings.value("last_folder"):
        window.statusBar().showMessage("Open a recording or a corpus folder (Ctrl+O, Ctrl+Shift+O)")
    code = app.exec()
    # The window goes while the application still exists: left to the function's return, the
    # QApplication could be released first and the window's teardown then crashed the process
    # at exit (signal 11, about half of the quits with a recording open).
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    return code
