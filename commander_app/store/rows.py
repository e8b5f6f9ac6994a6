"""Converting between table rows and the core's Event and IncidentState."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from commander_app.core.bundle import incident_dict
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


def row_to_event(row: Sequence[Any]) -> Event:
    """Hot path of every timeline page: a dict lookup, one JSON decode, one tuple."""
    return Event(
        row[0], row[1], _KINDS[row[2]], json.loads(row[3]), row[4], row[5], row[6], row[7], row[8]
    )


def state_to_row(state: IncidentState) -> dict[str, Any]:
    row = incident_dict(state)
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
