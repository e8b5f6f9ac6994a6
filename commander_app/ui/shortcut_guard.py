"""The window's advertised shortcuts win over a text field's own key bindings.

A line edit claims Ctrl+U (delete the line), Ctrl+K (delete to the end) and
Ctrl+Shift+Z (redo) before the window's actions see them, so with the cursor in the
capture line Ctrl+U erased the typed entry instead of opening a draft. The guard
refuses those claims for the window's shortcuts only: every other key (Ctrl+C, Ctrl+Z,
Ctrl+A…) stays the field's, and dialogs' fields keep all their bindings.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

_GUARDED = "commanderShortcutGuard"  # a widget's own mark: watched already


class ShortcutGuard(QObject):
    """Watches each widget of the window that takes the keyboard, from the moment it first
    has focus (Qt asks only the focused widget): not every event of the application, whose
    filter would have Qt build Python types for every class an event passes through."""

    def __init__(self, window: QWidget, keys: Iterable[str]) -> None:
        super().__init__(window)
        self._window = window
        self._keys = {QKeySequence(k).toString() for k in keys}
        self._app = QApplication.instance()
        if isinstance(self._app, QApplication):
            self._app.focusChanged.connect(self._on_focus)

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or new.property(_GUARDED) or new.window() is not self._window:
            return
        new.setProperty(_GUARDED, True)
        new.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            # Left unaccepted, the key goes on to the window's shortcut.
            return QKeySequence(event.keyCombination()).toString() in self._keys
        return False

    def stop(self) -> None:
        if isinstance(self._app, QApplication):
            self._app.focusChanged.disconnect(self._on_focus)
            self._app = None
