"""Reads the trends off the GUI thread: ten thousand incidents' figures take about a
second to read and fold, and the view paints (and answers keys) meanwhile.

Each load runs on a short daemon thread with its own connection to the log (SQLite
connections stay on the thread that opened them); a load asked for while one runs
replaces it, and the older result is dropped when it arrives.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import tzinfo

from PySide6.QtCore import QObject, Signal

from commander_app.core.clock import Clock
from commander_app.core.follow_up_trends import Completion, completion
from commander_app.core.model import Severity
from commander_app.core.trends import FiguredIncident, Period, Trend, trends
from commander_app.store.incident_log import IncidentLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrendsRequest:
    period: Period = "month"
    severities: tuple[Severity, ...] = ()
    service: str | None = None
    drills: bool = False


@dataclass(frozen=True)
class TrendsData:
    request: TrendsRequest
    incidents: tuple[FiguredIncident, ...]
    trends: tuple[Trend, ...]
    completion: tuple[Completion, ...]
    seconds: float = 0.0  # how long reading them took
    by_id: dict[str, FiguredIncident] = field(default_factory=dict)
    services: tuple[str, ...] = ()  # every service named, for completing the filter


def read_trends(log: IncidentLog, request: TrendsRequest, zone: tzinfo) -> TrendsData:
    """Every figure's trend and the follow-up completion, as `commander trends` has them."""
    from commander_app.store import follow_ups, incident_figures
    from commander_app.store.services import known_services

    began = time.perf_counter()
    incidents = incident_figures.figured_incidents(
        log, severities=request.severities, service=request.service, drills=request.drills
    )
    found = trends(incidents, request.period, zone)
    items = follow_ups.item_dates(
        log, severities=request.severities, service=request.service, drills=request.drills
    )
    done = completion(items, request.period, zone, log.clock.now())
    return TrendsData(
        request,
        tuple(incidents),
        tuple(found),
        tuple(done),
        time.perf_counter() - began,
        {i.incident_id: i for i in incidents},
        tuple(known_services(log)),
    )


class _Bridge(QObject):
    """Emitted on a load's thread, delivered on the GUI thread."""

    done = Signal(int, object)  # generation, TrendsData
    failed = Signal(int, str)


class TrendsLoader(QObject):
    loaded = Signal(object)  # TrendsData
    failed = Signal(str)  # what to tell the person

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path, self._device_id, self._clock = log.path, log.device_id, log.clock
        self._zone = zone
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self.busy = False

    def load(self, request: TrendsRequest) -> None:
        if self._closed:
            return
        self._generation += 1
        self.busy = True
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(
            target=self._run,
            args=(self._generation, request, self._clock),
            name="commander-trends",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def _run(self, generation: int, request: TrendsRequest, clock: Clock) -> None:
        log: IncidentLog | None = None
        try:
            log = IncidentLog(self._path, device_id=self._device_id, clock=clock)
            data = read_trends(log, request, self._zone)
        except Exception as exc:  # the view says it and keeps what it showed
            logger.exception("reading the trends failed")
            self._bridge.failed.emit(generation, f"Could not read the trends: {exc}")
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
        """No more loads; wait for a running one to end (its result is dropped)."""
        self._closed = True
        deadline = time.monotonic() + wait_s
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        self._threads = []
