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


class ShortcutGuard(QObject):
    def __init__(self, window: QWidget, keys: Iterable[str]) -> None:
        super().__init__(window)
        self._window = window
        self._keys = {QKeySequence(k).toString() for k in keys}
        self._app = QApplication.instance()
        if self._app is not None:
            self._app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QWidget)
            and watched.window() is self._window
        ):
            # Left unaccepted, the key goes on to the window's shortcut.
            return QKeySequence(event.keyCombination()).toString() in self._keys
        return False

    def stop(self) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None
