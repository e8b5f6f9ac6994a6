"""`commander check`'s reading of every stored entry and incident, value by value.

A byte changed inside a row passes SQLite's checks: the page is sound, the value is not
what Commander wrote (text that is no UTF-8, a body that is no JSON, bytes where it stores
text). The read paths meet such a row one at a time and stop at it; this reads each value
as the bytes on disk (so nothing fails inside SQLite), decodes it the way the read paths
do, and names every row that does not decode.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from commander_app.core.errors import ValidationError
from commander_app.core.ids import check_ulid
from commander_app.core.times import from_iso
from commander_app.store.errors import StoredValueError
from commander_app.store.rows import EVENT_COLUMNS, INCIDENT_COLUMNS, row_to_event, row_to_state

SHOWN = 10  # rows named one by one; more are counted
_EVENT_NAMES = [c.strip() for c in EVENT_COLUMNS.split(",")]
_CHAIN_NAMES = ["text", "chain_prev", "chain_hash"]
_COLUMN_WORDS = {
    "chain_prev": "link to the entry before it",
    "chain_hash": "link",
    "text": "searchable text",
    "occurred_at": "time",
    "recorded_at": "time of recording",
    "device_id": "device",
    "incident_id": "incident",
}


@dataclass
class UnreadableRows:
    """The rows that do not decode: their words, and what the other checks must skip."""

    entries: list[str] = field(default_factory=list)  # one finding per damaged entry
    states: list[str] = field(default_factory=list)  # one per damaged incident row
    event_seqs: set[int] = field(default_factory=set)
    incident_ids: set[str] = field(default_factory=set)  # incidents with a damaged row
    state_rowids: set[int] = field(default_factory=set)

    @property
    def any(self) -> bool:
        return bool(self.entries or self.states)

    def problems(self) -> list[str]:
        return [*_first(self.entries, "entries"), *_first(self.states, "incident rows")]


def unreadable_rows(conn: sqlite3.Connection) -> UnreadableRows:
    """Every entry and incident row of the log (or of a backup, of any schema version)."""
    found = UnreadableRows()
    present = _columns(conn, "events")
    names = [n for n in (*_EVENT_NAMES, *_CHAIN_NAMES) if n in present]
    rows = _raw_rows(conn, "events", "seq", names) if set(_EVENT_NAMES) <= present else []
    for seq, values in rows:
        row = dict(zip(names, values, strict=True))
        reason = _entry_problem({**dict.fromkeys(_CHAIN_NAMES, ""), **row})
        if reason is None:
            continue
        found.event_seqs.add(seq)
        incident_id = row.get("incident_id")
        if isinstance(incident_id, str):
            found.incident_ids.add(incident_id)
        if reason.startswith("an entry"):
            reason = f"the entry in row {seq} of the log" + reason.removeprefix("an entry")
        found.entries.append(reason)
    if set(INCIDENT_COLUMNS) <= _columns(conn, "incidents"):
        for rowid, values in _raw_rows(conn, "incidents", "rowid", INCIDENT_COLUMNS):
            try:
                row_to_state(values)
            except StoredValueError as exc:
                found.state_rowids.add(rowid)
                if isinstance(values[0], str):
                    found.incident_ids.add(values[0])
                found.states.append(
                    f"{exc}; its entries are the record: `commander check --rebuild` rebuilds it"
                )
    return found


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}


def _raw_rows(
    conn: sqlite3.Connection, table: str, key: str, names: Sequence[str]
) -> list[tuple[int, list[Any]]]:
    """Each row's values, its texts decoded here (a `_NotUtf8` of their bytes where they
    are no UTF-8): SQLite hands every text over as its bytes, so no read fails in it."""
    columns = ", ".join(
        f"typeof({name}), CASE typeof({name}) WHEN 'text' THEN CAST({name} AS BLOB) ELSE {name} END"
        for name in names
    )
    rows = []
    for row in conn.execute(f"SELECT {key}, {columns} FROM {table} ORDER BY {key}"):
        values: list[Any] = []
        for kind, raw in zip(row[1::2], row[2::2], strict=True):
            if kind == "text":
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raw = _NotUtf8(raw)
            values.append(raw)
        rows.append((row[0], values))
    return rows


class _NotUtf8(bytes):
    """A stored text whose bytes are no UTF-8."""


def _entry_problem(values: dict[str, Any]) -> str | None:
    """Why an event row does not decode as the read paths decode it; None if it does."""
    who = _who(values)
    for name, value in values.items():
        if isinstance(value, _NotUtf8):
            return f"{who} cannot be read: its {_words(name)} is not UTF-8 text"
    try:
        event = row_to_event([values[name] for name in _EVENT_NAMES[:9]])
    except StoredValueError as exc:
        return str(exc)
    for name in _CHAIN_NAMES:
        value = values[name]
        if not (isinstance(value, str) or (value is None and name != "text")):
            return f"{who} cannot be read: its {_words(name)} is {value!r}"
    try:
        check_ulid(event.id, "entry id")
        check_ulid(event.incident_id, "incident id")
        if event.supersedes is not None:
            check_ulid(event.supersedes, "id of the entry it corrects")
        from_iso(event.occurred_at)
        from_iso(event.recorded_at)
    except ValidationError as exc:
        return f"{who} cannot be read: {exc}"
    return None


def _words(column: str) -> str:
    return _COLUMN_WORDS.get(column, column.replace("_", " "))


def _who(values: dict[str, Any]) -> str:
    event_id, incident_id = values["id"], values["incident_id"]
    entry = f"entry {event_id}" if isinstance(event_id, str) else "an entry"
    return f"{entry} of incident {incident_id}" if isinstance(incident_id, str) else entry


def _first(found: list[str], what: str) -> list[str]:
    if len(found) <= SHOWN:
        return found
    return [*found[:SHOWN], f"{len(found) - SHOWN} more {what} cannot be read"]
