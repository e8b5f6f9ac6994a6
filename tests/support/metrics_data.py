"""A team's incident history for the trends: resolved incidents over many months, each
with its milestones, a refuted and a confirmed hypothesis and an update naming its
service, written as an import would (events and projections, batch by batch).

Durations are long-tailed (log-normal) and shrink month by month, as a team that
learns; a fixed seed makes the same history every time.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from commander_app.core.events import opened_body, status_body
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind, Milestone, Severity, Status
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog

SERVICES = ("checkout", "search", "payments", "login")
TITLES = {
    "checkout": "Checkout 500s",
    "search": "Search latency",
    "payments": "Card payments declined",
    "login": "Login loops",
}


def incident_events(
    number: int, start: datetime, rng: random.Random, learning: float = 1.0
) -> list[Event]:
    """One resolved incident opened at `start`; `learning` (1 → 0.5) shortens its phases."""
    incident_id = new_ulid(start)
    service = SERVICES[number % len(SERVICES)]
    minute = 0.0

    def event(kind: Kind, body: dict[str, object], after: float) -> Event:
        nonlocal minute
        minute += max(after, 0.5)
        at = start + timedelta(minutes=minute)
        stamp = to_iso(at)
        return Event(new_ulid(at), incident_id, kind, body, "history", "history", stamp, stamp)

    def minutes(median: float) -> float:
        return median * learning * math.exp(rng.gauss(0, 0.6))

    severity = (Severity.SEV1, Severity.SEV2, Severity.SEV2, Severity.SEV3)[number % 4]
    opened = opened_body(f"{TITLES[service]} #{number}", severity, False, None)
    made = [
        Event(incident_id, incident_id, Kind.INCIDENT, dict(opened), "history", "history",
              to_iso(start), to_iso(start)),
    ]  # fmt: skip
    made += [
        event(Kind.MILESTONE, {"milestone": Milestone.IMPACT_STARTED.value}, 0.5),
        event(Kind.MILESTONE, {"milestone": Milestone.DETECTED.value}, minutes(6)),
        event(Kind.COMMS, {"action": "sent", "audience": "customers", "text": "Looking into it",
                           "channel": "manual", "services": [service]}, minutes(5)),
    ]  # fmt: skip
    wrong = event(Kind.HYPOTHESIS, {"text": "Gateway degraded"}, minutes(3))
    right = event(Kind.HYPOTHESIS, {"text": "Pool exhausted", "owner": "chen"}, minutes(12))
    made += [
        wrong,
        right,
        event(Kind.HYPOTHESIS,
              {"text": "Refuted: Gateway degraded", "ref": wrong.id, "state": "refuted"}, 2),
        event(Kind.HYPOTHESIS,
              {"text": "Confirmed: Pool exhausted", "ref": right.id, "state": "confirmed"}, 3),
        event(Kind.MILESTONE, {"milestone": Milestone.MITIGATED.value}, minutes(18)),
        event(Kind.STATUS, dict(status_body(Status.INVESTIGATING, Status.RESOLVED)), minutes(25)),
    ]  # fmt: skip
    return made


def write_history(log: IncidentLog, count: int, end: datetime, months: int = 18) -> list[str]:
    """`count` resolved incidents spread over the `months` before `end`; their ids."""
    rng = random.Random(20261201)
    span = timedelta(days=30.5 * months)
    ids: list[str] = []
    for first in range(0, count, 500):
        with write_transaction(log.conn):
            for number in range(first, min(first + 500, count)):
                progress = number / max(count - 1, 1)
                start = end - span + span * progress
                events = incident_events(number, start, rng, learning=1.0 - 0.5 * progress)
                log.insert_events(events)
                log.update_projection(events[0].incident_id, events)
                ids.append(events[0].incident_id)
    return ids
