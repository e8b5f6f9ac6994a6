"""This laptop's side of team sync: what it shares, what it pushed, where its pull stands.

Nothing here talks to the team database (`commander_app.team` does); these are the local
tables of m018 and the transactions that keep them in step with the events:

- the push reads the events the server still lacks, in local order, and records how far
  the server has them only after the server committed them (a push that dies between the
  two is sent again, and the server's `ON CONFLICT (id) DO NOTHING` drops the repeat);
- the pull's events, the rows that mark them as pulled and the pull cursor commit in one
  transaction (a pull that dies half-way left nothing, and is read again).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commander_app.core.errors import NotFoundError
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction

if TYPE_CHECKING:
    from commander_app.store.incident_log import IncidentLog

__all__ = [
    "PUSH_COLUMNS",
    "PushBatch",
    "Share",
    "config",
    "mark_pushed",
    "pending_push",
    "save_config",
    "set_state",
    "share",
    "shared_ids",
    "shares",
    "state",
    "unshare",
    "unshared_ids",
]

# The columns an event travels with, in the team database's order.
PUSH_COLUMNS = (
    "id",
    "incident_id",
    "kind",
    "body",
    "author",
    "device_id",
    "occurred_at",
    "recorded_at",
    "supersedes",
    "chain_prev",
    "chain_hash",
)
_PUSH_SQL = ", ".join(PUSH_COLUMNS)
_PUSH_CURSOR = "push_seq"
_LAST_PUSHED = "last_pushed"
_MAX_REASON = 300
_SHARED_SQL = "SELECT incident_id FROM team_shares WHERE shared = 1"


@dataclass(frozen=True)
class Share:
    incident_id: str
    title: str
    shared: bool
    changed_at: str
    waiting: int  # local events the team database does not have yet


@dataclass(frozen=True)
class PushBatch:
    """Events for the server, and how to record that it has them once it committed."""

    rows: list[tuple[Any, ...]]
    backfill: str | None  # the incident whose older events these are, or None
    reached: int  # the local seq the push has reached once these are on the server
    done: bool  # nothing more waits (of the backfill, or right now)


# -- settings and cursors ---------------------------------------------------------


def state(log: IncidentLog, key: str) -> str | None:
    row = log.conn.execute("SELECT value FROM team_state WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_state(log: IncidentLog, key: str, value: str) -> None:
    """Inside the caller's transaction, or in one of its own."""
    sql = (
        "INSERT INTO team_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    if log.conn.in_transaction:
        log.conn.execute(sql, [key, value])
        return
    with write_transaction(log.conn):
        log.conn.execute(sql, [key, value])


def config(log: IncidentLog) -> dict[str, Any] | None:
    """The team database's settings (`team.config`), or None before `team setup`."""
    text = state(log, "config")
    return None if text is None else dict(json.loads(text))


def is_set_up(log: IncidentLog) -> bool:
    return state(log, "config") is not None


def save_config(log: IncidentLog, settings: dict[str, Any]) -> None:
    set_state(log, "config", json.dumps(settings, sort_keys=True))


# -- sharing ----------------------------------------------------------------------


def share(log: IncidentLog, incident_id: str) -> bool:
    """Share an incident with the team; False when it was shared already.

    Its events the push has passed by (written before the share) are pushed first (a
    backfill); when it was shared before and then kept local, the team's events written
    meanwhile are pulled again."""
    log.incident(incident_id)  # a clear error for an unknown incident
    now = to_iso(log.clock.now())
    with write_transaction(log.conn):
        row = log.conn.execute(
            "SELECT shared FROM team_shares WHERE incident_id = ?", [incident_id]
        ).fetchone()
        if row is not None and row[0]:
            return False
        push_seq = int(state(log, _PUSH_CURSOR) or 0)
        passed = log.conn.execute(
            "SELECT 1 FROM events WHERE incident_id = ? AND seq <= ? LIMIT 1",
            [incident_id, push_seq],
        ).fetchone()
        log.conn.execute(
            "INSERT INTO team_shares (incident_id, shared, backfill_after, refetch, changed_at) "
            "VALUES (?, 1, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET shared = 1, "
            "backfill_after = excluded.backfill_after, refetch = excluded.refetch, "
            "changed_at = excluded.changed_at",
            [incident_id, 0 if passed else None, 0 if row is None else 1, now],
        )
    return True


def unshare(log: IncidentLog, incident_id: str) -> bool:
    """Stop syncing an incident from this laptop; False when it was not shared.

    What the team database has already stays there (members may not delete)."""
    now = to_iso(log.clock.now())
    with write_transaction(log.conn):
        changed = log.conn.execute(
            "UPDATE team_shares SET shared = 0, backfill_after = NULL, refetch = 0, "
            "changed_at = ? WHERE incident_id = ? AND shared = 1",
            [now, incident_id],
        ).rowcount
    if not changed:
        log.incident(incident_id)
    return bool(changed)


def adopt_team_incident(log: IncidentLog, incident_id: str) -> None:
    """An incident first heard of from the team database is shared: its later entries
    written here go back to the team, and so do the ones this laptop had of it already
    (from an import, say), which the push had passed by. Inside the pull's transaction."""
    push_seq = int(state(log, _PUSH_CURSOR) or 0)
    had = log.conn.execute(
        "SELECT 1 FROM events AS e WHERE incident_id = ? AND seq <= ? "
        "AND NOT EXISTS (SELECT 1 FROM team_pulled AS p WHERE p.seq = e.seq) LIMIT 1",
        [incident_id, push_seq],
    ).fetchone()
    log.conn.execute(
        "INSERT INTO team_shares (incident_id, shared, backfill_after, refetch, changed_at) "
        "VALUES (?, 1, ?, 0, ?) ON CONFLICT (incident_id) DO NOTHING",
        [incident_id, 0 if had else None, to_iso(log.clock.now())],
    )


def shared_ids(log: IncidentLog) -> set[str]:
    return {r[0] for r in log.conn.execute(_SHARED_SQL)}


def unshared_ids(log: IncidentLog) -> set[str]:
    """Incidents this laptop shared once and now keeps to itself: the pull skips them."""
    return {r[0] for r in log.conn.execute("SELECT incident_id FROM team_shares WHERE shared = 0")}


def refetches(log: IncidentLog) -> list[str]:
    return [r[0] for r in log.conn.execute("SELECT incident_id FROM team_shares WHERE refetch = 1")]


def refetched(log: IncidentLog, incident_id: str) -> None:
    """The team's events of an incident shared again have all been pulled."""
    log.conn.execute("UPDATE team_shares SET refetch = 0 WHERE incident_id = ?", [incident_id])


def shares(log: IncidentLog) -> list[Share]:
    """Every incident this laptop shares or shared, newest change first."""
    push_seq = int(state(log, _PUSH_CURSOR) or 0)
    rows = log.conn.execute(
        "SELECT s.incident_id, coalesce(i.title, ''), s.shared, s.changed_at, s.backfill_after "
        "FROM team_shares AS s LEFT JOIN incidents AS i ON i.id = s.incident_id "
        "ORDER BY s.changed_at DESC, s.incident_id"
    ).fetchall()
    found: list[Share] = []
    for incident_id, title, shared, changed_at, backfill_after in rows:
        waiting = 0
        if shared:
            after = push_seq if backfill_after is None else backfill_after
            (waiting,) = log.conn.execute(
                "SELECT count(*) FROM events AS e WHERE incident_id = ? AND seq > ? "
                "AND NOT EXISTS (SELECT 1 FROM team_pulled AS p WHERE p.seq = e.seq)",
                [incident_id, after],
            ).fetchone()
        found.append(Share(incident_id, title, bool(shared), changed_at, int(waiting)))
    return found


def share_of(log: IncidentLog, incident_id: str) -> Share:
    for found in shares(log):
        if found.incident_id == incident_id:
            return found
    raise NotFoundError(f"Incident {incident_id} is not shared with the team.")


# -- the push ---------------------------------------------------------------------


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """A read transaction: one view of the log (WAL), without the write lock."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def pending_push(log: IncidentLog, limit: int) -> PushBatch | None:
    """The next events the team database lacks, oldest first, or None when it has all.

    An incident shared late sends its events from before the push cursor first (its
    backfill); then every shared incident's new events in the order this log wrote them.
    Rows that came from the team database are never sent back."""
    conn = log.conn
    with _snapshot(conn):  # the newest seq and the rows agree; writers are not held up
        push_seq = int(state(log, _PUSH_CURSOR) or 0)
        backfill = conn.execute(
            "SELECT incident_id, backfill_after FROM team_shares "
            "WHERE shared = 1 AND backfill_after IS NOT NULL ORDER BY changed_at LIMIT 1"
        ).fetchone()
        if backfill is not None:
            incident_id, after = backfill
            found = conn.execute(
                f"SELECT seq, {_PUSH_SQL} FROM events AS e WHERE incident_id = ? "
                "AND seq > ? AND seq <= ? "
                "AND NOT EXISTS (SELECT 1 FROM team_pulled AS p WHERE p.seq = e.seq) "
                "ORDER BY seq LIMIT ?",
                [incident_id, after, push_seq, limit],
            ).fetchall()
            done = len(found) < limit
            reached = push_seq if done else int(found[-1][0])
            return PushBatch([tuple(r[1:]) for r in found], incident_id, reached, done)
        # `+incident_id`: walk the rows in seq order (the primary key), not by incident.
        found = conn.execute(
            f"SELECT seq, {_PUSH_SQL} FROM events AS e WHERE seq > ? "
            f"AND +incident_id IN ({_SHARED_SQL}) "
            "AND NOT EXISTS (SELECT 1 FROM team_pulled AS p WHERE p.seq = e.seq) "
            "ORDER BY seq LIMIT ?",
            [push_seq, limit],
        ).fetchall()
        if len(found) == limit:
            reached = int(found[-1][0])
        else:
            reached = int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
        if not found and reached == push_seq:
            return None
        return PushBatch([tuple(r[1:]) for r in found], None, reached, len(found) < limit)


def mark_pushed(log: IncidentLog, batch: PushBatch) -> None:
    """The team database committed `batch`: record how far it has this log's events, and
    the newest one it took (`last_pushed`, checked on each connection)."""
    with write_transaction(log.conn):
        if batch.backfill is not None:
            log.conn.execute(
                "UPDATE team_shares SET backfill_after = ? WHERE incident_id = ?",
                [None if batch.done else batch.reached, batch.backfill],
            )
        else:
            set_state(log, _PUSH_CURSOR, str(batch.reached))
        if batch.rows:
            set_state(log, _LAST_PUSHED, str(batch.rows[-1][0]))


def last_pushed(log: IncidentLog) -> str | None:
    return state(log, _LAST_PUSHED)


def push_again(log: IncidentLog) -> None:
    """The team database no longer has what it took (restored from a backup, or a server
    that lost its last commits): every event of the shared incidents goes again (the
    database skips those it has)."""
    with write_transaction(log.conn):
        set_state(log, _PUSH_CURSOR, "0")
        log.conn.execute("UPDATE team_shares SET backfill_after = NULL WHERE shared = 1")
        log.conn.execute("DELETE FROM team_state WHERE key = ?", [_LAST_PUSHED])


def waiting_count(log: IncidentLog) -> int:
    """Local events of shared incidents the team database does not have yet."""
    return sum(s.waiting for s in shares(log) if s.shared)


def mark_pulled(log: IncidentLog, first_seq: int, last_seq: int) -> None:
    """Rows first_seq..last_seq were just written from the team database (inside the
    pull's transaction): the push skips them."""
    log.conn.execute(
        "INSERT INTO team_pulled (seq) SELECT seq FROM events WHERE seq BETWEEN ? AND ?",
        [first_seq, last_seq],
    )


def record_refused(log: IncidentLog, refused: Sequence[tuple[str, str, str, str]]) -> None:
    """Events the team database sent that this log will not take (inside the pull's
    transaction): (event id, incident id, device id, reason)."""
    now = to_iso(log.clock.now())
    log.conn.executemany(
        "INSERT INTO team_refused (event_id, incident_id, device_id, reason, refused_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
        # A reason may quote what the remote sent (an unknown kind): bounded.
        [(event_id, incident_id, device_id, reason[:_MAX_REASON], now)
         for event_id, incident_id, device_id, reason in refused],
    )  # fmt: skip


def refused_count(log: IncidentLog) -> int:
    return int(log.conn.execute("SELECT count(*) FROM team_refused").fetchone()[0])


def refused(log: IncidentLog) -> list[tuple[str, str, str, str, str]]:
    return [
        tuple(r)
        for r in log.conn.execute(
            "SELECT event_id, incident_id, device_id, reason, refused_at FROM team_refused "
            "ORDER BY refused_at, event_id"
        )
    ]
