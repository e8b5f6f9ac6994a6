"""Periodic backups while the window is open, taken off the GUI thread."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from commander_app.core.errors import CommanderError
from commander_app.store.database import LogConnection
from commander_app.store.incident_log import IncidentLog

CHECK_EVERY_MS = 60_000
FIRST_CHECK_MS = 3_000  # the backup on open, once the window is up

logger = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(str)
    failed = Signal(str)


class _BackupJob(QRunnable):
    """Copies the log through a connection of its own, so a large file's backup
    never freezes the window or holds up an entry being written."""

    def __init__(self, log: IncidentLog, signals: _Signals) -> None:
        super().__init__()
        self._rotation = log.backups
        self._check = log.integrity_check
        self._conn = log.conn
        self._path = log.path
        self._now = log.clock.now()
        self._signals = signals

    def run(self) -> None:
        # A damaged file is never copied into the rotation, where it would push out a
        # good backup; the window has told the person already.
        problem = self._check.verdict() if self._check is not None else None
        if problem is None and isinstance(self._conn, LogConnection):
            problem = self._conn.damage  # met by a read the check could not foresee
        if problem is not None:
            self._signals.failed.emit(str(problem))
            return
        try:
            made = self._rotation.take_from_file(self._path, self._now)
        except CommanderError as exc:  # a full disk, say: told in the window, no bug
            self._signals.failed.emit(str(exc))
        except Exception as exc:  # a bug: reported in the window and logged with context
            logger.exception("backup of %s failed", self._path)
            self._signals.failed.emit(str(exc))
        else:
            self._signals.done.emit(str(made))


class BackupTimer(QObject):
    """Every minute: if the log changed and the newest backup is old enough, take one."""

    backed_up = Signal(Path)
    failed = Signal(str)

    def __init__(self, log: IncidentLog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self._running = False
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        # A member, not QTimer.singleShot: a window closed before it fires must stop it.
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.setInterval(FIRST_CHECK_MS)
        self._first.timeout.connect(self.tick)
        self._first.start()

    def tick(self) -> bool:
        """Start a backup if one is due; True when one was started."""
        if self._running or not self._log.backup_due():
            return False
        self._running = True
        QThreadPool.globalInstance().start(_BackupJob(self._log, self._signals))
        return True

    def _on_done(self, path: str) -> None:
        self._running = False
        self.backed_up.emit(Path(path))

    def _on_failed(self, message: str) -> None:
        self._running = False
        self.failed.emit(message)

    def stop(self) -> None:
        """No more polling: the window is closing and the log will be closed."""
        self._timer.stop()
        self._first.stop()
