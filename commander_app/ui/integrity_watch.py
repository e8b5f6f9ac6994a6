"""Telling the person when the log's integrity check, run on its own thread, finds damage."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from commander_app.store.integrity import BackgroundCheck

POLL_MS = 100


class IntegrityWatch(QObject):
    """Looks at the background check until it has finished; says so once if it found damage."""

    damaged = Signal(str)

    def __init__(self, check: BackgroundCheck | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        if check is not None:
            self._timer.start()

    def poll(self) -> bool:
        """True once the check has finished (and its damage, if any, was reported)."""
        if self._check is None:
            return True
        if not self._check.finished:
            return False
        self._timer.stop()
        if self._check.problem is not None:
            self.damaged.emit(str(self._check.problem))
        self._check = None
        return True

    def stop(self) -> None:
        """No more looking: the window is closing (the check itself ends with the log)."""
        self._timer.stop()
