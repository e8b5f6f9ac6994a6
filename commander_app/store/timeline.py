"""Reading the timeline a page at a time, and noticing what other processes wrote."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from commander_app.core.model import Event, Kind
from commander_app.store.database import decoded
from commander_app.store.errors import StoredValueError
from commander_app.store.rows import EVENT_COLUMNS, row_to_event

PAGE_SIZE = 200

_COLUMNS = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))
# The newest correction of an event, if any (partial index events_corrections).
_CORRECTION = (
    "(SELECT c.text FROM events c WHERE c.supersedes = e.id ORDER BY c.recorded_at DESC, c.id DESC "
    "LIMIT 1)"
)


@dataclass(frozen=True)
class TimelineRow:
    seq: int  # insertion order in this file: how far a reader has caught up
    event: Event
    corrected_to: str | None  # the text of the newest correction of this event

    @property
    def position(self) -> tuple[str, str]:
        return self.event.sort_key


def timeline_page(
    conn: sqlite3.Connection,
    incident_id: str,
    after: tuple[str, str] | None = None,
    limit: int = PAGE_SIZE,
    kinds: Collection[Kind] | None = None,
) -> list[TimelineRow]:
    """One page of the story, as cheap for the 100,000th event as for the first."""
    sql = f"SELECT e.seq, {_COLUMNS}, {_CORRECTION} FROM events e WHERE e.incident_id = ?"
    params: list[object] = [incident_id]
    if kinds:
        sql += f" AND e.kind IN ({', '.join('?' * len(kinds))})"
        params += [k.value for k in kinds]
    if after is not None:
        sql += " AND (e.occurred_at, e.id) > (?, ?)"
        params += list(after)
    sql += " ORDER BY e.occurred_at, e.id LIMIT ?"
    params.append(limit)
    return decoded(conn, _row, sql, params)


def latest_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])


def rows_after(conn: sqlite3.Connection, seq: int, limit: int = 5000) -> list[TimelineRow]:
    """Events written (by anyone) since `seq`, in the order they were written."""
    return decoded(
        conn,
        _row,
        f"SELECT e.seq, {_COLUMNS}, {_CORRECTION} FROM events e WHERE e.seq > ? "
        "ORDER BY e.seq LIMIT ?",
        [seq, limit],
    )


def data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits to the file: a cheap poll."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _row(row: tuple[Any, ...]) -> TimelineRow:
    corrected_to = row[-1]
    if corrected_to is not None and type(corrected_to) is not str:
        raise StoredValueError(f"the text of a correction of entry {row[1]} is not text")
    return TimelineRow(row[0], row_to_event(row[1:-1]), corrected_to)
