"""Reads the trends off the GUI thread: ten thousand incidents' figures take about a
second to read and fold, and the view paints (and answers keys) meanwhile (a
`LogReader`: a load asked for while one runs replaces it)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import tzinfo

from PySide6.QtCore import QObject

from commander_app.core.follow_up_trends import Completion, completion
from commander_app.core.model import Severity
from commander_app.core.trends import FiguredIncident, Period, Trend, trends
from commander_app.store.incident_log import IncidentLog
from commander_app.ui.metrics.log_reader import LogReader


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


class TrendsLoader(LogReader):
    """Reads the trends on a thread of its own (`LogReader`): `load` a request, get
    `loaded(TrendsData)` or `failed(text)`."""

    def __init__(self, log: IncidentLog, zone: tzinfo, parent: QObject | None = None) -> None:
        super().__init__(log, "the trends", parent, thread_name="commander-trends")
        self._zone = zone

    def load(self, request: TrendsRequest) -> None:
        zone = self._zone
        self.read(lambda log: read_trends(log, request, zone))
