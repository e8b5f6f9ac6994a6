"""A large import in bounded transactions, still all or nothing for the person.

One transaction for 300,000 events holds the write lock for half a minute, and a
terminal's `commander log` beside it is refused after the busy timeout. So a large
import is staged, then published, a batch per transaction with a pause between them in
which another writer gets the lock:

1. staging: the new events' rows go into `import_stage`, which nothing reads. An import
   stopped here (killed, the laptop off) is thrown away by the next open: nothing of it
   was ever shown.
2. publishing, from the transaction that marks it so: the staged rows move into
   `events`, then the incident's projection is written in the last transaction. An import
   stopped here is finished by the next open. An incident new to this log is shown by
   nothing until that last transaction (the incident list, search and the board read the
   projection); one the log knows already may show some of the events before the rest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from commander_app.core import projection
from commander_app.core.ids import new_ulid
from commander_app.core.times import from_iso, to_iso
from commander_app.store import (
    alert_projection,
    follow_ups_projection,
    incident_figures,
    remote_incident_events,
)
from commander_app.store.database import write_transaction

if TYPE_CHECKING:
    from commander_app.store.incident_log import IncidentLog

__all__ = ["LARGE_IMPORT", "FinishedImport", "finish_interrupted_imports", "stage_and_publish"]

LARGE_IMPORT = 5_000  # more new events than this are staged; fewer take one transaction
_STAGE_BATCH = 20_000  # staged rows per transaction (no index but the key, no search)
_PUBLISH_BATCH = 5_000  # events moved per transaction (indexes and search): about 0.2 s
# Between two batches the lock is free this long: longer than the longest sleep of
# SQLite's busy handler (100 ms), so a writer waiting on it is sure to get it.
_LET_OTHERS_IN = 0.11
# An import whose process is gone, or that has not moved for this long, was interrupted.
_STALLED = timedelta(minutes=10)

_ROW_COLUMNS = (
    "id, incident_id, kind, body, author, device_id, occurred_at, recorded_at, supersedes, "
    "text, chain_prev, chain_hash"
)


@dataclass(frozen=True)
class FinishedImport:
    """What the next open did with an import that had been interrupted."""

    incident_id: str
    events: int
    published: bool  # True: finished; False: thrown away (it was still staging)

    def describe(self) -> str:
        if self.published:
            return (
                f"An import of {self.events:,} events into incident {self.incident_id} "
                "was interrupted while it was being published; it has now been finished."
            )
        return (
            f"An import of {self.events:,} events into incident {self.incident_id} was "
            "interrupted before any of it was shown; nothing of it was kept. Import the "
            "bundle again."
        )


def stage_and_publish(
    log: IncidentLog, incident_id: str, rows: Sequence[tuple[str | None, ...]]
) -> None:
    """Import `rows` (of `IncidentLog.event_rows`, all of one incident) as described above."""
    conn = log.conn
    import_id = new_ulid(log.clock.now())
    now = to_iso(log.clock.now())
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO pending_imports (id, incident_id, events, state, pid, started_at, "
            "touched_at) VALUES (?, ?, ?, 'staging', ?, ?, ?)",
            [import_id, incident_id, len(rows), os.getpid(), now, now],
        )
    for start in range(0, len(rows), _STAGE_BATCH):
        if start:
            _let_others_in()
        with write_transaction(conn):
            conn.executemany(
                f"INSERT INTO import_stage (import_id, position, {_ROW_COLUMNS}) "
                f"VALUES (?, ?, {','.join('?' * 12)})",
                (
                    (import_id, position, *row)
                    for position, row in enumerate(rows[start : start + _STAGE_BATCH], start=start)
                ),
            )
            _touch(log, import_id)
    with write_transaction(conn):
        # From here on the import is finished, by this process or by the next open.
        conn.execute("UPDATE pending_imports SET state = 'publishing' WHERE id = ?", [import_id])
    _publish(log, import_id, incident_id)


def finish_interrupted_imports(log: IncidentLog) -> list[FinishedImport]:
    """Throw away or finish each import that stopped half-way (see the module)."""
    found = log.conn.execute(
        "SELECT id, incident_id, events, state, pid, touched_at FROM pending_imports"
    ).fetchall()
    finished: list[FinishedImport] = []
    for import_id, incident_id, events, state, pid, touched_at in found:
        if not _interrupted(log, pid, touched_at):
            continue  # another Commander is importing it right now
        if state == "publishing":
            _publish(log, import_id, incident_id)
        else:
            _discard(log, import_id)
        finished.append(FinishedImport(incident_id, events, state == "publishing"))
    return finished


def _publish(log: IncidentLog, import_id: str, incident_id: str) -> None:
    conn = log.conn
    while True:
        with write_transaction(conn):
            last = conn.execute(
                "SELECT max(position) FROM (SELECT position FROM import_stage "
                "WHERE import_id = ? ORDER BY position LIMIT ?)",
                [import_id, _PUBLISH_BATCH],
            ).fetchone()[0]
            if last is None:
                break
            # An event already here (the same bundle imported beside this one) is skipped.
            conn.execute(
                f"INSERT INTO events ({_ROW_COLUMNS}) SELECT {_ROW_COLUMNS} "
                "FROM import_stage AS s WHERE import_id = ? AND position <= ? "
                "AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.id = s.id) "
                "ORDER BY position",
                [import_id, last],
            )
            conn.execute(
                "DELETE FROM import_stage WHERE import_id = ? AND position <= ?",
                [import_id, last],
            )
            _touch(log, import_id)
        _let_others_in()
    _project(log, import_id, incident_id)


def _project(log: IncidentLog, import_id: str, incident_id: str) -> None:
    """The incident's projection from all its events, folded outside the write lock (the
    slow part for a large incident) and written in the import's last transaction; folded
    again inside it only if someone wrote to the incident meanwhile."""
    conn = log.conn
    newest = _newest_seq(log, incident_id)
    events = log.events(incident_id)
    state = projection.fold(incident_id, events)
    with write_transaction(conn):
        if _newest_seq(log, incident_id) != newest:
            log.refold(incident_id)
        else:
            log.write_projection(state)
        remote_incident_events.adopt(conn, events)  # idempotent: all of them, as they stand
        follow_ups_projection.refresh(conn, incident_id)
        incident_figures.refresh(conn, incident_id)
        alert_projection.refresh(conn, incident_id)
        conn.execute("DELETE FROM pending_imports WHERE id = ?", [import_id])


def _discard(log: IncidentLog, import_id: str) -> None:
    conn = log.conn
    while True:
        with write_transaction(conn):
            removed = conn.execute(
                "DELETE FROM import_stage WHERE import_id = ? AND position IN "
                "(SELECT position FROM import_stage WHERE import_id = ? LIMIT ?)",
                [import_id, import_id, _STAGE_BATCH],
            ).rowcount
            if not removed:
                conn.execute("DELETE FROM pending_imports WHERE id = ?", [import_id])
                return
        _let_others_in()


def _let_others_in() -> None:
    time.sleep(_LET_OTHERS_IN)


def _newest_seq(log: IncidentLog, incident_id: str) -> int | None:
    row = log.conn.execute(
        "SELECT max(seq) FROM events WHERE incident_id = ?", [incident_id]
    ).fetchone()
    return None if row is None else row[0]


def _touch(log: IncidentLog, import_id: str) -> None:
    log.conn.execute(
        "UPDATE pending_imports SET touched_at = ? WHERE id = ?",
        [to_iso(log.clock.now()), import_id],
    )


def _interrupted(log: IncidentLog, pid: int, touched_at: str) -> bool:
    if pid == os.getpid():
        return True  # this process is opening the log, so it is not importing into it
    if _alive(pid):
        try:
            return log.clock.now() - from_iso(touched_at) > _STALLED
        except ValueError:
            return True
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
