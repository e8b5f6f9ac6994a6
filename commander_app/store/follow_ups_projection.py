"""The follow-ups table: every action of every incident as it stands now.

A projection like the incidents table: written in the same transaction as the action
events it folds, rebuildable from the events alone, so the Follow-ups view over
thousands of incidents reads one indexed table instead of replaying each board.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from commander_app.core.board import Action, fold_board
from commander_app.store.rows import BOARD_EVENTS_SQL, ENTRY_COLUMNS, recorded_order, row_to_entry

FOLLOW_UP_COLUMNS = (
    "id",
    "incident_id",
    "number",
    "text",
    "owner",
    "ack",
    "state",
    "due",
    "priority",
    "type",
    "symptom",
    "follow_up",
    "opened_at",
    "closed_at",
    "trackers",  # JSON: the item's issues on trackers by channel (added by m008)
)

CREATE_SQL = """
    CREATE TABLE follow_ups (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        number TEXT NOT NULL,
        text TEXT NOT NULL,
        owner TEXT,
        ack TEXT,
        state TEXT NOT NULL,
        due TEXT,
        priority TEXT,
        type TEXT,
        symptom INTEGER NOT NULL,
        follow_up INTEGER NOT NULL,
        opened_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE INDEX follow_ups_by_incident ON follow_ups (incident_id);
    CREATE INDEX follow_ups_open ON follow_ups (due) WHERE state IN ('open', 'in_progress');
"""


class Executes(Protocol):
    """A sqlite3 connection, or a sqlite-utils Database during a migration."""

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any], /) -> Any: ...


def expected_rows(conn: Executes, incident_id: str) -> list[dict[str, object]]:
    """The rows one incident's board events fold to (read only)."""
    # The board's partial index, then only actions and corrections (one may void an
    # action): actions number among themselves, so the hypotheses are not read.
    rows = conn.execute(
        f"SELECT {ENTRY_COLUMNS} FROM events WHERE incident_id = ? AND ({BOARD_EVENTS_SQL}) "
        "AND (kind = 'action' OR supersedes IS NOT NULL)",
        [incident_id],
    )
    entries = [row_to_entry(r) for r in rows]
    board = fold_board(entries, recorded_order(entries))
    return [_row(incident_id, board.number(a.id), a) for a in board.actions]


def stored_rows(conn: Executes, incident_id: str) -> list[dict[str, object]]:
    names = ", ".join(FOLLOW_UP_COLUMNS)
    found = conn.execute(
        f"SELECT {names} FROM follow_ups WHERE incident_id = ? ORDER BY id", [incident_id]
    ).fetchall()
    return [dict(zip(FOLLOW_UP_COLUMNS, row, strict=True)) for row in found]


def refresh(conn: Executes, incident_id: str) -> None:
    """Rewrite one incident's rows from its board events, inside the caller's transaction."""
    rows = expected_rows(conn, incident_id)
    conn.execute("DELETE FROM follow_ups WHERE incident_id = ?", [incident_id])
    names = ", ".join(FOLLOW_UP_COLUMNS)
    places = ", ".join(f":{name}" for name in FOLLOW_UP_COLUMNS)
    for row in rows:
        conn.execute(f"INSERT INTO follow_ups ({names}) VALUES ({places})", row)


def rebuild(conn: Executes) -> None:
    """Throw the table away and refold it, inside the caller's transaction."""
    conn.execute("DELETE FROM follow_ups", [])
    for (incident_id,) in conn.execute("SELECT DISTINCT incident_id FROM events", []).fetchall():
        refresh(conn, incident_id)


def _row(incident_id: str, number: str, action: Action) -> dict[str, object]:
    a = action
    return {
        "id": a.id,
        "incident_id": incident_id,
        "number": number,
        "text": a.text,
        "owner": a.owner,
        "ack": a.ack.value if a.ack else None,
        "state": a.state.value,
        "due": a.due,
        "priority": a.priority.value if a.priority else None,
        "type": a.type.value if a.type else None,
        "symptom": int(a.symptom),
        "follow_up": int(a.follow_up),
        "opened_at": a.opened_at,
        "closed_at": a.done_at,
        "trackers": json.dumps(a.trackers, ensure_ascii=False, sort_keys=True),
    }
