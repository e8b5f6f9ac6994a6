"""Alerts into the log: a batch in one transaction, deduplicated by fingerprint
(`core.alerts` says when an arrival is news); the inbox; triage; the groups listed.

The inbox: an alert that arrives while no incident is open is kept (up to
`MAX_INBOX` alerts) in the `alert_inbox` table, not lost and not pinned on an
unrelated incident; `commander alerts attach` moves them into the incident the user
names, deduplicated like any other arrival.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from commander_app.core.alert_payloads import IncomingAlert
from commander_app.core.alerts import AlertTriage, Known, alert_body, news, triage_body
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.events import clean_name
from commander_app.core.ids import new_ulid
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.errors import StorageError
from commander_app.store.incident_log import IncidentLog

MAX_INBOX = 20_000  # alerts waiting for an incident; a storm with none open is refused past it
_LOOKUP_CHUNK = 500  # fingerprints per lookup of what the log already knows


@dataclass(frozen=True)
class Ingested:
    """What one batch did: events written, and repeats that changed nothing."""

    events: int
    repeats: int


class InboxFullError(StorageError):
    """No incident is open and the inbox holds `MAX_INBOX` alerts already."""


def ingest(
    log: IncidentLog, incident_id: str, alerts: Sequence[IncomingAlert], *, author: str
) -> Ingested:
    """Write a batch's news into the incident, all or nothing, in one transaction."""
    with write_transaction(log.conn):
        return ingest_in_transaction(log, incident_id, alerts, author=author)


def ingest_in_transaction(
    log: IncidentLog, incident_id: str, alerts: Sequence[IncomingAlert], *, author: str
) -> Ingested:
    """`ingest` inside the caller's write transaction (a drill's inject and its alerts
    are written together)."""
    author = clean_name(author, "author")
    log.incident(incident_id)
    events = _events(log, incident_id, alerts, author)
    if events:
        log.insert_events(events)
        log.update_projection(incident_id, events)
    return Ingested(events=len(events), repeats=len(alerts) - len(events))


def _events(
    log: IncidentLog, incident_id: str, alerts: Sequence[IncomingAlert], author: str
) -> list[Event]:
    now = log.clock.now()
    found = _known(log, incident_id, sorted({a.fingerprint for a in alerts}))
    events: list[Event] = []
    recorded = to_iso(now)
    for alert, at in news(alerts, found, now):
        events.append(
            Event(
                id=new_ulid(now),
                incident_id=incident_id,
                kind=Kind.ALERT,
                # Not validated again: the parser bounds and checks every field, so each
                # body it builds is valid (a property test holds `validate_body` to that);
                # checking twice would be a third of a storm's cost.
                body=dict(alert_body(alert)),
                author=author,
                device_id=log.device_id,
                occurred_at=to_iso(at),
                recorded_at=recorded,
            )
        )
    return events


def _known(log: IncidentLog, incident_id: str, fingerprints: Sequence[str]) -> dict[str, Known]:
    found: dict[str, Known] = {}
    for start in range(0, len(fingerprints), _LOOKUP_CHUNK):
        chunk = json.dumps(list(fingerprints[start : start + _LOOKUP_CHUNK]))
        rows = log.conn.execute(
            "SELECT fingerprint, state, last_seen FROM alerts WHERE incident_id = ? "
            "AND fingerprint IN (SELECT value FROM json_each(?))",
            [incident_id, chunk],
        )
        for fingerprint, state, last_seen in rows:
            found[fingerprint] = Known(state, last_seen)
    return found


# -- the inbox -----------------------------------------------------------------------------


def keep_in_inbox(log: IncidentLog, alerts: Sequence[IncomingAlert]) -> int:
    """Keep alerts for a later incident; refused whole when they would overfill the inbox."""
    with write_transaction(log.conn):
        waiting = inbox_count(log)
        if waiting + len(alerts) > MAX_INBOX:
            raise InboxFullError(
                f"No incident is open and {waiting:,} alerts already wait in the inbox "
                f"(limit {MAX_INBOX:,}); open an incident (`commander new TITLE`) and "
                "attach them with `commander alerts attach`."
            )
        received = to_iso(log.clock.now())
        log.conn.executemany(
            "INSERT INTO alert_inbox (received_at, alert) VALUES (?, ?)",
            [(received, json.dumps(asdict(a), ensure_ascii=False)) for a in alerts],
        )
    return len(alerts)


def inbox_count(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM alert_inbox").fetchone()[0])


def attach_inbox(log: IncidentLog, incident_id: str, *, author: str) -> Ingested:
    """Move every waiting alert into the incident, in the order they arrived."""
    author = clean_name(author, "author")
    with write_transaction(log.conn):
        log.incident(incident_id)
        rows = log.conn.execute("SELECT alert FROM alert_inbox ORDER BY seq").fetchall()
        alerts = [IncomingAlert(**json.loads(alert)) for (alert,) in rows]
        events = _events(log, incident_id, alerts, author)
        if events:
            log.insert_events(events)
            log.update_projection(incident_id, events)
        log.conn.execute("DELETE FROM alert_inbox")
    return Ingested(events=len(events), repeats=len(alerts) - len(events))


# -- the groups, and their triage ------------------------------------------------------------


@dataclass(frozen=True)
class AlertGroup:
    group_id: str  # what a person types
    key: str
    name: str
    alerts: int  # fingerprints
    firing: int
    fires: int  # firings, re-fires included
    first_seen: str
    last_seen: str
    triage: str | None
    hypothesis: str | None

    @property
    def state(self) -> str:
        return "firing" if self.firing else "resolved"


def groups(log: IncidentLog, incident_id: str) -> list[AlertGroup]:
    """The incident's alert groups, the most recently active first."""
    rows = log.conn.execute(
        "SELECT g.*, t.triage, t.hypothesis FROM (SELECT group_id, group_key, min(name), "
        "count(*), sum(state = 'firing'), sum(fires), min(first_seen), max(last_seen) AS last "
        "FROM alerts WHERE incident_id = :incident GROUP BY group_key) g "
        "LEFT JOIN alert_triage t ON t.incident_id = :incident AND t.group_key = g.group_key "
        "ORDER BY g.last DESC, g.group_key",
        {"incident": incident_id},
    ).fetchall()
    return [
        AlertGroup(
            group_id=r[0],
            key=r[1],
            name=r[2],
            alerts=r[3],
            firing=r[4],
            fires=r[5],
            first_seen=r[6],
            last_seen=r[7],
            triage=None if r[8] == AlertTriage.UNKNOWN else r[8],
            hypothesis=r[9],
        )
        for r in rows
    ]


def find_group(log: IncidentLog, incident_id: str, ref: str) -> AlertGroup:
    """A group by its id (or a prefix of at least 4 characters), its key, or its alert
    name when only one group has that name."""
    wanted = ref.strip()
    every = groups(log, incident_id)
    if not every:
        raise NotFoundError("This incident has no alerts yet.")
    exact = [g for g in every if wanted in (g.key, g.group_id)]
    if len(exact) == 1:
        return exact[0]
    matches = [g for g in every if g.name == wanted] or (
        [g for g in every if g.group_id.startswith(wanted.lower())] if len(wanted) >= 4 else []
    )
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(
            f"No alert group '{wanted}' in this incident; `commander alerts list` shows them."
        )
    listed = "\n".join(f"  {g.group_id}  {g.key[:100]}" for g in matches[:10])
    raise ValidationError(f"'{wanted}' names more than one alert group; give its id:\n{listed}")


def triage(
    log: IncidentLog,
    incident_id: str,
    group: AlertGroup,
    verdict: AlertTriage,
    *,
    hypothesis: tuple[str, str] | None,
    author: str,
) -> Event:
    """Log the triage of a group (an event, so it syncs and reaches the postmortem)."""
    body = triage_body(group.key, group.name, verdict, hypothesis)
    return log.append(incident_id, Kind.ALERT, body, author=author)


@dataclass(frozen=True)
class GroupDetail:
    """What the Alerts pane shows of a group: its latest alert's labels, annotations and
    link (the group's count is in `AlertGroup`)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    url: str | None


def group_detail(log: IncidentLog, incident_id: str, key: str) -> GroupDetail | None:
    # The index is named: without statistics the planner would walk every alert of the
    # incident instead of the group's.
    row = log.conn.execute(
        "SELECT body FROM events WHERE id = (SELECT last_event FROM alerts "
        "INDEXED BY alerts_by_key WHERE incident_id = ? AND group_key = ? "
        "ORDER BY last_seen DESC, last_event DESC LIMIT 1)",
        [incident_id, key],
    ).fetchone()
    if row is None:
        return None
    latest = json.loads(row[0])
    url = latest.get("url")
    return GroupDetail(
        labels=dict(latest.get("labels") or {}),
        annotations=dict(latest.get("annotations") or {}),
        url=url if isinstance(url, str) else None,
    )
