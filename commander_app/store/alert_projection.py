"""The alerts tables: each incident's alerts and triaged groups as they stand now.

A projection like the follow-ups table (`core.alerts` says which events it folds):
written in the same transaction as the alert events, rebuildable from them alone. Each
row keeps the time and id of the event its state came from, and an upsert takes the
newer of the stored and the arriving state, so folding in any order (appends, an
import, a rebuild) gives the same rows. An alert's labels and annotations stay in its
events (`last_event` names the one its state came from), not copied here. The tables
are made by `store.schema.m012_alerts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from commander_app.core.alert_payloads import group_id
from commander_app.core.model import Event

ALERT_COLUMNS = (
    "incident_id",
    "fingerprint",
    "group_key",
    "group_id",
    "name",
    "source",
    "state",
    "first_seen",
    "last_seen",
    "last_event",
    "fires",
)
TRIAGE_COLUMNS = ("incident_id", "group_key", "triage", "hypothesis", "triaged_at", "event_id")

_NEWER = "(excluded.last_seen, excluded.last_event) > (alerts.last_seen, alerts.last_event)"
_UPSERT_ALERT = f"""
    INSERT INTO alerts ({", ".join(ALERT_COLUMNS)})
    VALUES ({", ".join(":" + c for c in ALERT_COLUMNS)})
    ON CONFLICT (incident_id, fingerprint) DO UPDATE SET
        first_seen = min(alerts.first_seen, excluded.first_seen),
        fires = alerts.fires + excluded.fires,
        state = CASE WHEN {_NEWER} THEN excluded.state ELSE alerts.state END,
        group_key = CASE WHEN {_NEWER} THEN excluded.group_key ELSE alerts.group_key END,
        group_id = CASE WHEN {_NEWER} THEN excluded.group_id ELSE alerts.group_id END,
        name = CASE WHEN {_NEWER} THEN excluded.name ELSE alerts.name END,
        source = CASE WHEN {_NEWER} THEN excluded.source ELSE alerts.source END,
        last_event = CASE WHEN {_NEWER} THEN excluded.last_event ELSE alerts.last_event END,
        last_seen = max(alerts.last_seen, excluded.last_seen)
"""
_TRIAGE_NEWER = (
    "(excluded.triaged_at, excluded.event_id) > (alert_triage.triaged_at, alert_triage.event_id)"
)
_UPSERT_TRIAGE = f"""
    INSERT INTO alert_triage ({", ".join(TRIAGE_COLUMNS)})
    VALUES ({", ".join(":" + c for c in TRIAGE_COLUMNS)})
    ON CONFLICT (incident_id, group_key) DO UPDATE SET
        triage = CASE WHEN {_TRIAGE_NEWER} THEN excluded.triage ELSE alert_triage.triage END,
        hypothesis = CASE WHEN {_TRIAGE_NEWER} THEN excluded.hypothesis
            ELSE alert_triage.hypothesis END,
        event_id = CASE WHEN {_TRIAGE_NEWER} THEN excluded.event_id
            ELSE alert_triage.event_id END,
        triaged_at = max(alert_triage.triaged_at, excluded.triaged_at)
"""


class Executes(Protocol):
    """A sqlite3 connection, or a sqlite-utils Database during a migration."""

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any], /) -> Any: ...


class ExecutesMany(Executes, Protocol):
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...


def projected(event: Event) -> bool:
    """An alert event this projection folds: from a source, or a triage (not a typed one)."""
    body = event.body
    return body.get("fingerprint") is not None or body.get("triage") is not None


def apply(conn: Executes, events: Iterable[Event]) -> None:
    """Fold new alert events into the tables, inside the caller's transaction."""
    alerts: list[dict[str, object]] = []
    triages: list[dict[str, object]] = []
    for e in events:
        body = e.body
        if body.get("fingerprint") is not None:
            group = str(body.get("group", ""))
            alerts.append(
                {
                    "incident_id": e.incident_id,
                    "fingerprint": body["fingerprint"],
                    "group_key": group,
                    "group_id": group_id(group),
                    "name": body.get("name", ""),
                    "source": body.get("source", ""),
                    "state": body.get("state", "firing"),
                    "first_seen": e.occurred_at,
                    "last_seen": e.occurred_at,
                    "last_event": e.id,
                    "fires": int(body.get("state") == "firing"),
                }
            )
        elif body.get("triage") is not None:
            triages.append(
                {
                    "incident_id": e.incident_id,
                    "group_key": body.get("group", ""),
                    "triage": body["triage"],
                    "hypothesis": body.get("hypothesis"),
                    "triaged_at": e.occurred_at,
                    "event_id": e.id,
                }
            )
    many = getattr(conn, "executemany", None)
    for sql, rows in ((_UPSERT_ALERT, alerts), (_UPSERT_TRIAGE, triages)):
        if not rows:
            continue
        if many is not None:
            many(sql, rows)
        else:
            for row in rows:
                conn.execute(sql, row)


def _alert_events(conn: Executes, incident_id: str | None) -> list[Event]:
    from commander_app.store.rows import EVENT_COLUMNS, row_to_event

    where = "kind = 'alert'" + (" AND incident_id = :incident" if incident_id else "")
    rows = conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE {where}", {"incident": incident_id}
    ).fetchall()
    return [e for e in (row_to_event(r) for r in rows) if projected(e)]


def expected_rows(conn: Executes, incident_id: str) -> list[tuple[object, ...]]:
    """What `stored_rows` should read, folded in Python from the events (read only): the
    same rule as the upserts, so `commander check` can tell a table out of step."""
    alerts: dict[str, dict[str, object]] = {}
    triages: dict[str, dict[str, object]] = {}
    events = sorted(_alert_events(conn, incident_id), key=lambda e: (e.occurred_at, e.id))
    for e in events:
        body = e.body
        if body.get("fingerprint") is not None:
            fingerprint = str(body["fingerprint"])
            group = str(body.get("group", ""))
            fires = int(body.get("state") == "firing")
            row = alerts.get(fingerprint)
            alerts[fingerprint] = {
                "incident_id": incident_id,
                "fingerprint": fingerprint,
                "group_key": group,
                "group_id": group_id(group),
                "name": body.get("name", ""),
                "source": body.get("source", ""),
                "state": body.get("state", "firing"),
                "first_seen": row["first_seen"] if row else e.occurred_at,
                "last_seen": e.occurred_at,
                "last_event": e.id,
                "fires": int(str(row["fires"])) + fires if row else fires,
            }
        elif body.get("triage") is not None:
            triages[str(body.get("group", ""))] = {
                "incident_id": incident_id,
                "group_key": body.get("group", ""),
                "triage": body["triage"],
                "hypothesis": body.get("hypothesis"),
                "triaged_at": e.occurred_at,
                "event_id": e.id,
            }
    return [tuple(alerts[k][c] for c in ALERT_COLUMNS) for k in sorted(alerts)] + [
        tuple(triages[k][c] for c in TRIAGE_COLUMNS) for k in sorted(triages)
    ]


def refresh(conn: Executes, incident_id: str) -> None:
    """Rewrite one incident's rows from its alert events, inside the caller's transaction."""
    conn.execute("DELETE FROM alerts WHERE incident_id = ?", [incident_id])
    conn.execute("DELETE FROM alert_triage WHERE incident_id = ?", [incident_id])
    apply(conn, _alert_events(conn, incident_id))


def rebuild(conn: Executes) -> None:
    """Throw the tables away and refold them, inside the caller's transaction (the inbox,
    alerts not yet in any incident, is not a projection and is kept)."""
    conn.execute("DELETE FROM alerts", [])
    conn.execute("DELETE FROM alert_triage", [])
    apply(conn, _alert_events(conn, None))


def stored_rows(conn: Executes, incident_id: str) -> list[tuple[object, ...]]:
    """Both tables' rows of one incident, in a fixed order (for the log's check)."""
    alerts = conn.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE incident_id = ? ORDER BY fingerprint",
        [incident_id],
    ).fetchall()
    triage = conn.execute(
        f"SELECT {', '.join(TRIAGE_COLUMNS)} FROM alert_triage WHERE incident_id = ? "
        "ORDER BY group_key",
        [incident_id],
    ).fetchall()
    return [tuple(r) for r in alerts] + [tuple(r) for r in triage]
