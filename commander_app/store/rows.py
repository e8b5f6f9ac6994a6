"""Converting between table rows and the core's Event and IncidentState."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from commander_app.core.model import (
    BOARD_KINDS,
    ROLLBACK_KINDS,
    STATE_KINDS,
    Event,
    IncidentState,
    Kind,
    Severity,
    Status,
)

EVENT_COLUMNS = (
    "id, incident_id, kind, body, author, device_id, occurred_at, recorded_at, supersedes"
)
# What the board, checklist and register folds read of an event (`EntryRow`); `seq` is
# the order it was recorded in this log, which the board's item numbers come from.
ENTRY_COLUMNS = "id, kind, body, author, occurred_at, supersedes, seq"
# The events that can move an incident's fields; the partial index `events_state`
# is declared with exactly this condition, so SQLite uses it for this filter.
STATE_EVENTS_SQL = (
    "kind IN ("
    + ", ".join(f"'{k.value}'" for k in sorted(STATE_KINDS))
    + ") OR supersedes IS NOT NULL"
)
# The events the board is folded from, with any correction (it may void a board entry);
# the partial index `events_board` is declared with exactly this condition.
BOARD_EVENTS_SQL = (
    "kind IN ("
    + ", ".join(f"'{k.value}'" for k in sorted(BOARD_KINDS))
    + ") OR supersedes IS NOT NULL"
)
# The events the update cadence is derived from, with any correction (it may void a
# send), read on every tick of the countdown. A partial index declared with exactly
# this condition would serve that read.
CADENCE_EVENTS_SQL = (
    f"kind IN ('{Kind.COMMS.value}', '{Kind.SEVERITY.value}') OR supersedes IS NOT NULL"
)
# The events the rollback panel reads (decisions, checklist ticks, production changes),
# with any correction; the partial index `events_rollback` has exactly this condition.
ROLLBACK_EVENTS_SQL = (
    "kind IN ("
    + ", ".join(f"'{k.value}'" for k in sorted(ROLLBACK_KINDS))
    + ") OR supersedes IS NOT NULL"
)
INCIDENT_COLUMNS = (
    "id",
    "title",
    "severity",
    "status",
    "is_drill",
    "commander",
    "communicator",
    "roles",
    "pending_handoff_to",
    "opened_at",
    "impact_started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "last_event_at",
    "event_count",
    "last_key",
)


_KINDS = {kind.value: kind for kind in Kind}
_JSON = json.JSONDecoder()  # what json.loads uses: the same defaults


def row_to_event(row: Sequence[Any]) -> Event:
    """Hot path of every timeline page: a dict lookup, one JSON decode, one tuple."""
    return Event(
        row[0], row[1], _KINDS[row[2]], decode_body(row[3]), row[4], row[5], row[6], row[7], row[8]
    )


class EntryRow(NamedTuple):
    """An event as the folds read it (`core.model.Entry`). A long incident's board is
    read from 4,000 of them; the columns an Event has besides cost a sixth of that read."""

    id: str
    kind: Kind
    body: dict[str, Any]
    author: str
    occurred_at: str
    supersedes: str | None
    seq: int  # the order it was recorded in this log


def recorded_order(entries: Sequence[EntryRow]) -> dict[str, int]:
    """Each entry's place in the log's recorded order, as `fold_board` numbers items."""
    return {e.id: e.seq for e in entries}


def row_to_entry(row: Sequence[Any]) -> EntryRow:
    """A row of ENTRY_COLUMNS, decoded as `row_to_event` decodes those columns."""
    return EntryRow(row[0], _KINDS[row[1]], decode_body(row[2]), row[3], row[4], row[5], row[6])


def decode_body(text: str) -> dict[str, Any]:
    """`json.loads(text)` without its per-call cost (two regex scans for whitespace around
    the document: twice the parse itself for the small bodies of a long incident's board).
    A stored body is one bare JSON object, which `raw_decode` reads whole; anything else
    (whitespace, more after it, an error) goes to `json.loads`, which gives the same value
    or raises the same error."""
    body: dict[str, Any]
    try:
        body, end = _JSON.raw_decode(text)
        whole = end == len(text)
    except (TypeError, ValueError):
        whole = False
    if not whole:
        body = json.loads(text)
    return body


def state_to_row(state: IncidentState) -> dict[str, Any]:
    row = state.to_dict()
    row["is_drill"] = int(state.is_drill)
    row["roles"] = json.dumps(state.roles, sort_keys=True, ensure_ascii=False)
    row["last_key"] = state.last_key
    return {name: row[name] for name in INCIDENT_COLUMNS}


def row_to_state(row: Sequence[Any]) -> IncidentState:
    data = dict(zip(INCIDENT_COLUMNS, row, strict=True))
    return IncidentState(
        id=data["id"],
        title=data["title"],
        severity=Severity(data["severity"]),
        status=Status(data["status"]),
        is_drill=bool(data["is_drill"]),
        commander=data["commander"],
        communicator=data["communicator"],
        roles=json.loads(data["roles"]),
        pending_handoff_to=data["pending_handoff_to"],
        opened_at=data["opened_at"],
        impact_started_at=data["impact_started_at"],
        detected_at=data["detected_at"],
        mitigated_at=data["mitigated_at"],
        resolved_at=data["resolved_at"],
        last_event_at=data["last_event_at"],
        event_count=data["event_count"],
        last_key=data["last_key"],
    )
