"""Let a focused input widget keep the keys it uses, before the window's shortcuts take them.

The editor's single-key shortcuts (arrows, Up/Down, Home/End, PgUp/PgDn, Space, letters) are
window-wide, so without this a focused corpus table would switch lanes on Down instead of moving
to the next row, and a focused spin box or combo box would move the cursor on Right. Qt asks the
focus widget first with a ShortcutOverride event; this filter answers yes for the keys each kind
of widget really uses, which is what Qt's own text fields do for typing.
"""

from __future__ import annotations

from PyQt6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

K = Qt.Key
NAVIGATION = frozenset(
    {K.Key_Up, K.Key_Down, K.Key_Left, K.Key_Right, K.Key_PageUp, K.Key_PageDown,
     K.Key_Home, K.Key_End}
)  # fmt: skip
TEXT_KEYS = NAVIGATION | {K.Key_Backspace, K.Key_Delete, K.Key_Space}
PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier,
         Qt.KeyboardModifier.KeypadModifier)  # fmt: skip


def widget_wants(widget: QWidget, event: QKeyEvent) -> bool:
    """Whether ``widget`` (the focus widget) uses this key itself; only plain or Shift keys
    (Ctrl, Alt and function-key shortcuts stay the window's)."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if modifiers not in PLAIN:
        return False
    key = event.key()
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)):
        if isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.isReadOnly():
            return key in NAVIGATION
        return key in TEXT_KEYS or bool(event.text().strip())
    if isinstance(widget, (QAbstractItemView, QAbstractSlider, QComboBox)):
        return key in NAVIGATION
    return False


class KeyGuard(QObject):
    """Application-wide event filter (one per application: `install`)."""

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if (
            event is not None
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(watched, QWidget)
            and watched.hasFocus()
            and isinstance(event, QKeyEvent)
            and widget_wants(watched, event)
        ):
            event.accept()  # the key goes to the widget as a key press, not to a shortcut
            return True
        return False


def install(app: QCoreApplication | None) -> None:
    """Install the guard once on ``app`` (windows opened later share it)."""
    if app is None or app.property("nmf_key_guard"):
        return
    guard = KeyGuard(app)
    app.installEventFilter(guard)
    app.setProperty("nmf_key_guard", True)
