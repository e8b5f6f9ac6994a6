"""The log's integrity check (SQLite's quick_check) and the message for a damaged file.

The check reads the whole file: about a tenth of a second for a log of 100 MB. The window
runs it on a thread of its own so a large log opens at once; every write waits for its
verdict first, so nothing is ever written into a damaged file.

quick_check does not read every value or compare the indexes with the rows: damage it
misses is met by the read that reaches it, which `database.LogCursor` tells as damage
(and writes stop there too); `commander check` runs the full integrity check and decodes
every stored row (`stored_values`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from commander_app.core.errors import CommanderError
from commander_app.store.backups import BackupRotation, read_only_uri
from commander_app.store.errors import is_busy
from commander_app.store.faults import damaged_error, storage_fault

__all__ = ["BackgroundCheck", "damage_found", "damaged_error"]

logger = logging.getLogger(__name__)
CANCEL_WAIT_S = 5.0


def damage_found(conn: sqlite3.Connection) -> str | None:
    """What quick_check found wrong (its first three findings), or None for a sound file."""
    rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check").fetchall()]
    return None if rows == ["ok"] else "; ".join(rows[:3])


class BackgroundCheck:
    """quick_check on a read-only connection of its own, on a daemon thread."""

    def __init__(self, path: Path, backups: BackupRotation, timeout_s: float) -> None:
        self._path, self._backups, self._timeout_s = path, backups, timeout_s
        self._done = threading.Event()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self.problem: CommanderError | None = None
        self._thread = threading.Thread(target=self._run, name="commander-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._lock:
                if self._cancelled:
                    return
                conn = self._conn = sqlite3.connect(
                    read_only_uri(self._path),
                    uri=True,
                    timeout=self._timeout_s,
                    check_same_thread=False,
                )
            try:
                detail = damage_found(conn)
            finally:
                with self._lock:
                    self._conn = None
                    conn.close()
            if detail is not None:
                self.problem = damaged_error(self._path, self._backups, detail)
        except sqlite3.Error as exc:
            if self._cancelled:
                return
            if is_busy(exc):
                # Another program held the file for the whole timeout: it is in use,
                # not damaged, and the writes themselves will say if it stays busy.
                logger.warning("the integrity check of %s could not run: %s", self._path, exc)
            else:
                fault = storage_fault(exc, self._path, self._backups, writing=False)
                if fault is None:  # a bug: logged with its traceback, and no more writes
                    logger.exception("the integrity check of %s failed", self._path)
                    fault = CommanderError(
                        f"The integrity check of the incident log {self._path} failed with "
                        f"an unexpected error ({type(exc).__name__}: {exc}); nothing more is "
                        "written. Restart Commander; the details are in its log file."
                    )
                self.problem = fault
        finally:
            self._done.set()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def verdict(self) -> CommanderError | None:
        """Waits for the check; the damage it found, if any."""
        self._done.wait()
        return self.problem

    def raise_if_damaged(self) -> None:
        """A fresh error each time: every refused write raises it, and re-raising one
        instance would grow its traceback (and the frames it keeps) each time."""
        problem = self.verdict()
        if problem is not None:
            raise type(problem)(str(problem))

    def cancel(self) -> None:
        """Stops a check still running (the log is being closed) and waits for its thread,
        a few seconds at most: closing never hangs on it (the thread is a daemon). The
        interrupt is repeated: one sent just before the check's statement starts is lost."""
        with self._lock:
            self._cancelled = True
        deadline = time.monotonic() + CANCEL_WAIT_S
        while self._thread.is_alive() and time.monotonic() < deadline:
            with self._lock:
                if self._conn is not None:
                    self._conn.interrupt()
            self._thread.join(0.02)
