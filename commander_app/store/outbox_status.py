"""How the outbox stands, one query each: what the window's badge shows and when the
worker next has something to do (an update, or a follow-up for its tracker). Apart from
`outbox` and `tracker_pushes`, so the window's first paint reads them without loading
their rows and rules."""

from __future__ import annotations

from datetime import datetime

from commander_app.core.outbox import WAITING, OutboxState
from commander_app.core.times import from_iso
from commander_app.store.incident_log import IncidentLog

WAITING_SQL = ", ".join(f"'{s.value}'" for s in WAITING)
_DUE_SQL = f"('{OutboxState.QUEUED.value}', '{OutboxState.RETRYING.value}')"


def waiting_count(log: IncidentLog) -> tuple[int, int]:
    """(updates waiting to go out, failed and needing a person): the window's badge."""
    return _counts(log, "outbox")


def push_count(log: IncidentLog) -> tuple[int, int]:
    """(follow-ups waiting for their tracker, pushes failed and needing a person)."""
    return _counts(log, "tracker_pushes")


def _counts(log: IncidentLog, table: str) -> tuple[int, int]:
    row = log.conn.execute(
        f"SELECT sum(state IN ({WAITING_SQL})), sum(state = '{OutboxState.FAILED.value}') "
        f"FROM {table}"
    ).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def next_due_at(log: IncidentLog) -> datetime | None:
    """When the worker next has something to do (None: nothing is waiting)."""
    return _earliest(log, "outbox")


def next_push_due_at(log: IncidentLog) -> datetime | None:
    """When a follow-up next waits to be pushed to its tracker (None: none is waiting)."""
    return _earliest(log, "tracker_pushes")


def _earliest(log: IncidentLog, table: str) -> datetime | None:
    # Both tables are indexed on (state, next_attempt_at): a look-up, not a scan.
    row = log.conn.execute(
        f"SELECT min(next_attempt_at) FROM {table} WHERE state IN {_DUE_SQL}"
    ).fetchone()
    return from_iso(row[0]) if row and row[0] else None
