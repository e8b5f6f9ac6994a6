"""The noise report's reading (`core.alert_noise` computes it): the real incidents of a
period (and service), their alert events' few fields pulled out in SQL, the groups'
triage from the `alert_triage` projection, the inbox's alerts by name; and a proposal
turned into a follow-up.

A service matches an incident its updates named (`store.services`) or one with an
alert labelled `service=` it; with a service, an alert counts when it carries that
label, or no service label in an incident that named the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from commander_app.core.alert_noise import (
    AlertFact,
    DetectionMiss,
    GroupTriage,
    IncidentSpan,
    NoiseReport,
    NoiseRow,
    follow_up_text,
    miss_follow_up_text,
    noise_report,
)
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.follow_ups import FollowUpRequest
from commander_app.core.model import Event, FollowUpType
from commander_app.core.times import from_iso, to_iso
from commander_app.store.incident_log import IncidentLog
from commander_app.store.services import named_service_sql

_FACT_SQL = """
    SELECT e.incident_id, e.occurred_at,
        json_extract(e.body, '$.name'), json_extract(e.body, '$.fingerprint'),
        json_extract(e.body, '$.group'), json_extract(e.body, '$.state'),
        coalesce(json_extract(e.body, '$.annotations.summary'), '') != ''
            OR coalesce(json_extract(e.body, '$.annotations.description'), '') != '',
        coalesce(json_extract(e.body, '$.annotations.runbook_url'), '') != '',
        json_extract(e.body, '$.labels.severity'), json_extract(e.body, '$.labels.service')
    FROM events e
    WHERE e.kind = 'alert' AND json_extract(e.body, '$.fingerprint') IS NOT NULL
        AND e.incident_id IN (SELECT value FROM json_each(:ids))
"""


@dataclass(frozen=True)
class NoiseFilter:
    since: datetime | None = None  # incidents opened at or after
    service: str | None = None


def read_report(log: IncidentLog, which: NoiseFilter, zone: tzinfo) -> NoiseReport:
    import json

    now = log.clock.now()
    service = which.service.strip() if which.service and which.service.strip() else None
    conditions = ["i.is_drill = 0", "i.opened_at IS NOT NULL"]
    params: dict[str, object] = {}
    if which.since is not None:
        conditions.append("i.opened_at >= :since")
        params["since"] = to_iso(which.since)
    if service:
        conditions.append(
            f"({named_service_sql('i.id', 'service')} OR EXISTS (SELECT 1 FROM events a "
            "WHERE a.incident_id = i.id AND a.kind = 'alert' "
            "AND json_extract(a.body, '$.labels.service') = :service COLLATE NOCASE))"
        )
        params["service"] = service
    rows = log.conn.execute(
        "SELECT i.id, i.title, i.opened_at, i.detected_at, i.resolved_at, "
        f"{named_service_sql('i.id', 'service') if service else '0'} "
        f"FROM incidents i WHERE {' AND '.join(conditions)} ORDER BY i.opened_at, i.id",
        params,
    ).fetchall()
    spans = [
        IncidentSpan(
            id=r[0],
            title=r[1],
            opened_at=from_iso(r[2]),
            detected_at=from_iso(r[3]) if r[3] else None,
            ended_at=from_iso(r[4]) if r[4] else now,
        )
        for r in rows
    ]
    named = {r[0] for r in rows if r[5]}
    ids = json.dumps([s.id for s in spans])
    facts = [
        AlertFact(
            incident_id=r[0],
            at=from_iso(r[1]),
            name=str(r[2] or ""),
            fingerprint=str(r[3]),
            group=str(r[4] or ""),
            state=str(r[5] or "firing"),
            has_summary=bool(r[6]),
            has_runbook=bool(r[7]),
            severity=r[8] if isinstance(r[8], str) else None,
        )
        for r in log.conn.execute(_FACT_SQL, {"ids": ids})
        if not service or _same(r[9], service) or (r[9] is None and r[0] in named)
    ]
    triages = [
        GroupTriage(r[0], r[1], r[2])
        for r in log.conn.execute(
            "SELECT incident_id, group_key, triage FROM alert_triage "
            "WHERE incident_id IN (SELECT value FROM json_each(?))",
            [ids],
        )
    ]
    return noise_report(facts, spans, triages, zone, outside=_outside(log, which, service))


def _same(label: object, service: str) -> bool:
    return isinstance(label, str) and label.casefold() == service.casefold()


def _outside(log: IncidentLog, which: NoiseFilter, service: str | None) -> dict[str, int]:
    """The inbox's alerts (they came while no incident was open) by name."""
    conditions = ["1"]
    params: dict[str, object] = {}
    if which.since is not None:
        conditions.append("received_at >= :since")
        params["since"] = to_iso(which.since)
    if service:
        conditions.append("json_extract(alert, '$.labels.service') = :service COLLATE NOCASE")
        params["service"] = service
    rows = log.conn.execute(
        "SELECT json_extract(alert, '$.name'), count(*) FROM alert_inbox "
        f"WHERE {' AND '.join(conditions)} GROUP BY 1",
        params,
    )
    return {str(name): int(count) for name, count in rows if name}


def find_row(report: NoiseReport, name: str) -> NoiseRow:
    wanted = name.strip()
    found = [r for r in report.rows if r.name == wanted] or [
        r for r in report.rows if r.name.casefold() == wanted.casefold()
    ]
    if not found:
        raise NotFoundError(
            f"No alert named '{wanted}' in the noise report; `commander alerts report` lists them."
        )
    return found[0]


def find_miss(report: NoiseReport, incident_id: str) -> DetectionMiss:
    wanted = incident_id.strip().lower()
    found = [m for m in report.misses if m.incident_id.lower().startswith(wanted)]
    if len(found) != 1 or len(wanted) < 4:
        raise NotFoundError(
            f"No detection miss for incident '{incident_id}' in the noise report; "
            "`commander alerts report` lists the misses with their incidents."
        )
    return found[0]


def propose_row(log: IncidentLog, row: NoiseRow, incident_id: str | None, *, author: str) -> Event:
    """The row's proposal as a follow-up of `incident_id` (by default, the latest
    incident the alert fired in), its evidence in its text."""
    from commander_app.store.follow_ups import add_follow_up

    text = follow_up_text(row)
    if text is None:
        raise ValidationError(f"The noise report proposes no change to {row.name}: {row.reason}")
    target = incident_id or row.last_incident
    if not target:
        raise ValidationError(
            f"{row.name} fired only outside incidents; name the incident the follow-up "
            "belongs to (--incident ID)."
        )
    request = FollowUpRequest(text=text, type=FollowUpType.DETECT)
    return add_follow_up(log, target, request, author=author)


def propose_miss(log: IncidentLog, miss: DetectionMiss, *, author: str) -> Event:
    from commander_app.store.follow_ups import add_follow_up

    request = FollowUpRequest(text=miss_follow_up_text(miss), type=FollowUpType.DETECT)
    return add_follow_up(log, miss.incident_id, request, author=author)
