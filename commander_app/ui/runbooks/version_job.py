"""The opened runbook's version (its git commit, and whether the file differs from it)
read off the GUI thread when the runbook is opened: `git log` in a large clone can take
seconds, and a step marked done must not wait for it. Until it is known, a step records
the file's digest alone, which names the text as exactly."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from commander_app.core.runbook_steps import RunbookVersion
from commander_app.store.runbook_steps import runbook_version
from commander_app.store.runbooks import IndexedRunbook

STOP_WAIT_S = 12.0  # two git calls of at most 5 s each


class _Signals(QObject):
    done = Signal(str, object)  # the runbook's digest, its RunbookVersion


class _VersionJob(QRunnable):
    def __init__(self, indexed: IndexedRunbook, signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._indexed, self._signals = indexed, signals
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self._signals.done.emit(self._indexed.sha256, runbook_version(self._indexed))
        except Exception:  # noqa: BLE001  (no git answer: the digest alone is recorded)
            self._signals.done.emit(self._indexed.sha256, None)
        finally:
            self.finished.set()


class RunbookVersions(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = _Signals()  # no parent: a job still running may emit through it
        self._signals.done.connect(self._on_done)
        self._known: dict[str, RunbookVersion | None] = {}
        self._jobs: list[_VersionJob] = []
        self.stopped = False

    def look(self, indexed: IndexedRunbook) -> None:
        """Start reading the version of this text of the runbook, once."""
        if self.stopped or indexed.sha256 in self._known or indexed.runbook is None:
            return
        self._known[indexed.sha256] = None
        self._jobs = [j for j in self._jobs if not j.finished.is_set()]
        job = _VersionJob(indexed, self._signals)
        self._jobs.append(job)
        QThreadPool.globalInstance().start(job)

    def _on_done(self, sha256: str, version: object) -> None:
        if isinstance(version, RunbookVersion):
            self._known[sha256] = version

    def version(self, indexed: IndexedRunbook) -> RunbookVersion:
        """The full version when git has answered, else the text's own (no commit)."""
        known = self._known.get(indexed.sha256)
        return known if known is not None else runbook_version(indexed, with_git=False)

    def stop(self) -> None:
        self.stopped = True
        for job in self._jobs:
            job.finished.wait(STOP_WAIT_S)
        self._jobs = []
