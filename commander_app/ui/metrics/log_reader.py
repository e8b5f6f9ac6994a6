"""A read of the log off the GUI thread, for a screen whose figures span every incident:
each read runs on a short daemon thread with its own connection (SQLite connections stay
on the thread that opened them); a read asked for while one runs replaces it, and the
older result is dropped when it arrives."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from commander_app.store.incident_log import IncidentLog

logger = logging.getLogger(__name__)


class _Bridge(QObject):
    """Emitted on a read's thread, delivered on the GUI thread."""

    done = Signal(int, object)
    failed = Signal(int, str)


class LogReader(QObject):
    loaded = Signal(object)  # what the read returned
    failed = Signal(str)  # what to tell the person

    def __init__(
        self,
        log: IncidentLog,
        what: str,
        parent: QObject | None = None,
        *,
        thread_name: str = "commander-read",
    ) -> None:
        super().__init__(parent)
        self._thread_name = thread_name
        self._path, self._device_id, self._clock = log.path, log.device_id, log.clock
        self._what = what  # "the noise report", for the failure's message
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self.busy = False

    def read(self, reading: Callable[[IncidentLog], object]) -> None:
        if self._closed:
            return
        self._generation += 1
        self.busy = True
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(
            target=self._run, args=(self._generation, reading), name=self._thread_name, daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _run(self, generation: int, reading: Callable[[IncidentLog], object]) -> None:
        log: IncidentLog | None = None
        try:
            log = IncidentLog(self._path, device_id=self._device_id, clock=self._clock)
            data = reading(log)
        except Exception as exc:  # the view says it and keeps what it showed
            logger.exception("reading %s failed", self._what)
            self._bridge.failed.emit(generation, f"Could not read {self._what}: {exc}")
        else:
            self._bridge.done.emit(generation, data)
        finally:
            if log is not None:
                log.close()

    def _on_done(self, generation: int, data: object) -> None:
        if generation == self._generation and not self._closed:
            self.busy = False
            self.loaded.emit(data)

    def _on_failed(self, generation: int, text: str) -> None:
        if generation == self._generation and not self._closed:
            self.busy = False
            self.failed.emit(text)

    def shut_down(self, wait_s: float = 10.0) -> None:
        """No more reads; wait for a running one to end (its result is dropped)."""
        self._closed = True
        deadline = time.monotonic() + wait_s
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        self._threads = []
