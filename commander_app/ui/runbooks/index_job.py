"""The runbook index brought in step with the folder off the GUI thread: a first build
reads and parses every file (seconds for thousands), a later refresh stats each one. A
QRunnable on the global pool with a connection of its own, reporting through signals;
the pane asks again when it is shown and on a slow timer, to notice edits made outside."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from commander_app.core.errors import CommanderError
from commander_app.store.database import connect
from commander_app.store.runbook_trust import trust_report
from commander_app.store.runbooks import (
    RefreshReport,
    indexed_runbooks,
    refresh_index,
    runbook_files,
    shipped_folder,
)

LOOK_AGAIN_MS = 5_000  # how soon an edit made in an editor shows in the open pane
STOP_WAIT_S = 30.0  # a first index of thousands of files finishes before the log closes

logger = logging.getLogger(__name__)


def folder_words(folder: Path | None) -> str:
    """The folder as the status line names it."""
    if folder is None:
        return "no folder"
    if folder == shipped_folder().absolute():
        return "the shipped examples (set COMMANDER_RUNBOOKS or runbooks.toml)"
    home = Path.home()
    return f"~/{folder.relative_to(home)}" if folder.is_relative_to(home) else str(folder)


@dataclass(frozen=True)
class IndexResult:
    report: RefreshReport
    trust: dict[str, str] | None  # each runbook's trust line, when it was weighed again


class _Signals(QObject):
    counted = Signal(int)  # files in the folder, before they are read
    done = Signal(object)  # an IndexResult
    failed = Signal(str)


class _IndexJob(QRunnable):
    def __init__(
        self, path: Path, folder: Path, now: datetime, trust: bool, signals: _Signals
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the indexer keeps it until it reports
        self._path, self._folder, self._now, self._signals = path, folder, now, signals
        self._trust = trust
        self.finished = threading.Event()
        self.thread_id: int | None = None

    def run(self) -> None:
        self.thread_id = threading.get_ident()
        try:
            self._signals.counted.emit(len(runbook_files(self._folder)))
            conn = connect(self._path)
            try:
                report = refresh_index(conn, self._folder, self._now)
                trust = None
                if self._trust or report.added or report.changed or report.removed:
                    trust = self._weigh(conn)
            finally:
                conn.close()
        except (CommanderError, OSError) as exc:  # a busy or read-only log, say
            self._signals.failed.emit(f"The runbook index could not be refreshed: {exc}")
        except Exception as exc:  # a bug: logged with its context, told in the pane
            logger.exception("indexing the runbooks in %s failed", self._folder)
            self._signals.failed.emit(f"The runbook index could not be refreshed: {exc}")
        else:
            self._signals.done.emit(IndexResult(report, trust))
        finally:
            self.finished.set()

    def _weigh(self, conn: sqlite3.Connection) -> dict[str, str]:
        """Every runbook's trust line: git's history, the log's uses and flags (a git log
        over a large clone takes a while: never on the GUI thread)."""
        report = trust_report(conn, self._folder, indexed_runbooks(conn), self._now)
        return {
            entry.runbook.name: entry.line.summary() if entry.line else "does not parse"
            for entry in report
        }


class RunbookIndexer(QObject):
    """One refresh at a time; a look asked while one runs is made once it ends."""

    counted = Signal(int)
    refreshed = Signal(object)  # IndexResult
    failed = Signal(str)

    def __init__(self, log_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log_path = log_path
        self._signals = _Signals()  # no parent: a job still running may emit through it
        self._signals.counted.connect(self.counted)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self.job: _IndexJob | None = None
        self.last_thread: int | None = None  # the thread the last refresh ran in
        self._again: tuple[Path, datetime, bool] | None = None
        self.stopped = False
        self.timer = QTimer(self)
        self.timer.setInterval(LOOK_AGAIN_MS)

    @property
    def running(self) -> bool:
        return self.job is not None

    def refresh(self, folder: Path, now: datetime, trust: bool = False) -> bool:
        """Start a refresh (and weigh every runbook's trust again when `trust`, or when
        files changed); False when one is running (it is made again after)."""
        if self.stopped:
            return False
        if self.job is not None:
            trust = trust or (self._again is not None and self._again[2])
            self._again = (folder, now, trust)
            return False
        self.job = _IndexJob(self._log_path, folder, now, trust, self._signals)
        QThreadPool.globalInstance().start(self.job)
        return True

    def _finish(self) -> None:
        if self.job is not None:
            self.last_thread = self.job.thread_id
        self.job = None
        again, self._again = self._again, None
        if again is not None and not self.stopped:
            self.refresh(*again)

    def _on_done(self, result: IndexResult) -> None:
        if self.stopped:
            return
        self.refreshed.emit(result)
        self._finish()

    def _on_failed(self, message: str) -> None:
        if self.stopped:
            return
        self.failed.emit(message)
        self._finish()

    def resume(self) -> None:
        """The pane is open again: looks may start."""
        self.stopped = False

    def stop(self) -> None:
        """No more looks; a refresh under way is waited for, so nothing writes to the log
        after the window closed it."""
        self.stopped = True
        self.timer.stop()
        self._again = None
        job, self.job = self.job, None
        if job is not None and not job.finished.wait(STOP_WAIT_S):
            logger.warning("the runbook index refresh was still running at close")
