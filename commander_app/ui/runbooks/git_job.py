"""A git command for the runbook editor, off the GUI thread: a QRunnable on the global
pool reporting through signals. The editor waits for one under way when it closes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from commander_app.core.errors import CommanderError

STOP_WAIT_S = 15.0  # a git call has its own timeout (10 s); a little more than that

logger = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], object], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._work, self._signals = work, signals
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            result = self._work()
        except CommanderError as exc:
            self._signals.failed.emit(str(exc))
        except Exception as exc:  # a bug: logged with its context, told in the editor
            logger.exception("a git command for the runbook editor failed")
            self._signals.failed.emit(f"git failed: {exc}")
        else:
            self._signals.done.emit(result)
        finally:
            self.finished.set()


class GitRunner(QObject):
    """One git command at a time; `done` carries what the work returned."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = _Signals()  # no parent: a job still running may emit through it
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self.job: _Job | None = None
        self.stopped = False

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, work: Callable[[], object]) -> bool:
        if self.stopped or self.job is not None:
            return False
        self.job = _Job(work, self._signals)
        QThreadPool.globalInstance().start(self.job)
        return True

    def _on_done(self, result: object) -> None:
        self.job = None
        if not self.stopped:
            self.done.emit(result)

    def _on_failed(self, message: str) -> None:
        self.job = None
        if not self.stopped:
            self.failed.emit(message)

    def stop(self) -> None:
        self.stopped = True
        job, self.job = self.job, None
        if job is not None and not job.finished.wait(STOP_WAIT_S):
            logger.warning("a git command for the runbook editor was still running at close")
