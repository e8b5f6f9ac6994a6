"""The moves of a row that goes out exactly once, shared by the tables that hold them:
`outbox` (stakeholder updates) and `tracker_pushes` (follow-ups for issue trackers).

A row is claimed by one worker, marked in doubt just before the step its remote cannot
take back, then waits to retry or stops; a row a stopped Commander left "sending" is
recovered; a person retries or cancels it. The rules are `core.outbox`'s; what each
table tells the log besides is its own module's business.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from commander_app.core import outbox as rules
from commander_app.core.errors import NotFoundError, ValidationError
from commander_app.core.outbox import OutboxState
from commander_app.core.times import from_iso, to_iso
from commander_app.store.database import write_transaction

Table = Literal["outbox", "tracker_pushes"]
_ROW_NAMES: dict[Table, str] = {"outbox": "update", "tracker_pushes": "push"}

# A worker that has held a row this long without an answer is presumed gone.
ABANDONED_AFTER = timedelta(minutes=15)
DUE_SQL = f"('{OutboxState.QUEUED.value}', '{OutboxState.RETRYING.value}')"


class Row(Protocol):
    """What the moves read of a row, whichever table it is in."""

    @property
    def id(self) -> str: ...
    @property
    def state(self) -> OutboxState: ...
    @property
    def attempts(self) -> int: ...
    @property
    def attempt_started_at(self) -> str | None: ...


def this_worker() -> str:
    """Who is sending: this machine and process, so a restart can tell a crash."""
    return f"{_hostname()}:{os.getpid()}"


def _hostname() -> str:
    import socket  # only when sending: the window's start-up does not pay for it

    return socket.gethostname()


def worker_is_alive(worker: str) -> bool:
    """A worker on this machine is alive while its process is; one elsewhere, presumed so."""
    host, _, pid = worker.rpartition(":")
    if host != _hostname() or not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim(
    conn: sqlite3.Connection, table: Table, row_id: str, worker: str | None, now: str
) -> None:
    """Inside the caller's transaction: the row is this worker's, one attempt more."""
    conn.execute(
        # An attempt in doubt keeps the first attempt's start: the remote's record of it
        # (a status-page incident, an issue) is looked for from that moment.
        f"UPDATE {table} SET state = ?, attempts = attempts + 1, worker = ?, "
        "attempt_started_at = CASE WHEN in_doubt THEN attempt_started_at ELSE ? END, "
        "updated_at = ? WHERE id = ?",
        [OutboxState.SENDING.value, worker or this_worker(), now, now, row_id],
    )


def mark_in_doubt(conn: sqlite3.Connection, table: Table, row_id: str) -> None:
    """The remote is about to take the step it cannot take back."""
    with write_transaction(conn):
        conn.execute(f"UPDATE {table} SET in_doubt = 1 WHERE id = ?", [row_id])


def record_failure(
    conn: sqlite3.Connection,
    table: Table,
    row: Row,
    message: str,
    now: datetime,
    *,
    retryable: bool,
    retry_after: float | None,
    in_doubt: bool,
    jitter: Callable[[], float] | None,
) -> None:
    """Inside the caller's transaction: wait and try again (checking the remote first
    when in doubt, once it had time to finish), or stop for a person."""
    if not retryable:
        conn.execute(
            f"UPDATE {table} SET state = ?, last_error = ?, in_doubt = 0, worker = NULL, "
            "updated_at = ? WHERE id = ?",
            [OutboxState.FAILED.value, message, to_iso(now), row.id],
        )
        return
    due = now + rules.retry_wait(max(row.attempts, 1), retry_after, jitter=jitter)
    if in_doubt:
        started = from_iso(row.attempt_started_at) if row.attempt_started_at else None
        due = rules.in_doubt_check_at(started, due)
    conn.execute(
        f"UPDATE {table} SET state = ?, next_attempt_at = ?, last_error = ?, in_doubt = ?, "
        "worker = NULL, updated_at = ? WHERE id = ?",
        [OutboxState.RETRYING.value, to_iso(due), message, int(in_doubt), to_iso(now), row.id],
    )


def recover_interrupted(
    conn: sqlite3.Connection,
    table: Table,
    now: datetime,
    message: str,
    is_alive: Callable[[str], bool] | None = None,
) -> list[str]:
    """Rows left 'sending' by a Commander that stopped: due again at once, or, where the
    remote may have taken it, once the remote had time to finish. Returns their ids."""
    alive = is_alive or worker_is_alive
    recovered: list[str] = []
    with write_transaction(conn):
        rows = conn.execute(
            f"SELECT id, worker, attempt_started_at, in_doubt FROM {table} WHERE state = ?",
            [OutboxState.SENDING.value],
        ).fetchall()
        for row_id, worker, started, in_doubt in rows:
            abandoned = started is None or now - from_iso(started) > ABANDONED_AFTER
            if worker and alive(worker) and not abandoned:
                continue
            # Killed mid-request: the server may still be finishing it; look later.
            due = rules.in_doubt_check_at(from_iso(started) if started else None, now)
            conn.execute(
                f"UPDATE {table} SET state = ?, next_attempt_at = ?, worker = NULL, "
                "last_error = ?, updated_at = ? WHERE id = ?",
                [
                    OutboxState.RETRYING.value,
                    to_iso(due if in_doubt else now),
                    message,
                    to_iso(now),
                    row_id,
                ],
            )
            recovered.append(row_id)
    return recovered


def retry(conn: sqlite3.Connection, table: Table, row: Row, now: datetime) -> None:
    """Inside the caller's transaction: due now; a failed row counts its waits again."""
    rules.check_can_retry(row.state, _ROW_NAMES[table])
    conn.execute(
        f"UPDATE {table} SET state = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
        [OutboxState.QUEUED.value, to_iso(now), to_iso(now), row.id],
    )


def cancel(conn: sqlite3.Connection, table: Table, row: Row, now: datetime) -> None:
    """Inside the caller's transaction: the row will not go out."""
    rules.check_can_cancel(row.state, _ROW_NAMES[table])
    conn.execute(
        f"UPDATE {table} SET state = ?, updated_at = ? WHERE id = ?",
        [OutboxState.CANCELLED.value, to_iso(now), row.id],
    )


def find(conn: sqlite3.Connection, select: str, row_id: str, *, missing: str, noun: str) -> Any:
    """The row of `select` (its columns start `seq, id`) with this id, or with an
    unambiguous start of it (as the CLI prints it)."""
    ref = row_id.strip().upper()
    rows = conn.execute(
        f"{select} WHERE id = ? OR id LIKE ? ORDER BY seq LIMIT 2",
        [ref, ref + "%" if len(ref) >= 4 else ref],
    ).fetchall()
    exact = [r for r in rows if r[1] == ref]
    if exact:
        return exact[0]
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise NotFoundError(missing)
    raise ValidationError(f"'{row_id}' matches more than one {noun}; give more of its id.")
