"""Noticing new events, whoever wrote them, without reloading anything."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QObject, QTimer, Signal

from commander_app.store.timeline import data_version, latest_seq, rows_after

POLL_MS = 500
CHUNK = 2000


class LiveWatch(QObject):
    """Polls `PRAGMA data_version` (a few microseconds) and, when another process
    has committed, reads only the events written since the last look."""

    arrived = Signal(list)  # list[TimelineRow], in the order they were written

    def __init__(self, conn: sqlite3.Connection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._version = data_version(conn)
        self._seq = latest_seq(conn)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    def poll(self, force: bool = False) -> int:
        """Read what is new; `force` after this window's own writes, which do not
        change data_version for its own connection. Returns how many arrived."""
        version = data_version(self._conn)
        if not force and version == self._version:
            return 0
        self._version = version
        total = 0
        while True:
            fresh = rows_after(self._conn, self._seq, CHUNK)
            if fresh:
                self._seq = fresh[-1].seq
                total += len(fresh)
                self.arrived.emit(fresh)
            if len(fresh) < CHUNK:
                return total

    def stop(self) -> None:
        """No more polling: the window is closing and the log will be closed."""
        self._timer.stop()
