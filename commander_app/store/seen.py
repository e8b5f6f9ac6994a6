"""What the writer's log held: the `seen` of a new event, read inside its transaction.

A role assignment, an action item's change and a production-change decision carry the
id of the newest event about the same thing this log held when it was written
(`core.sync_conflicts`), so a merged log can tell two laptops that acted apart from one
that acted after the other, without trusting either laptop's clock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from commander_app.core.conflict_bodies import Subject, subject_of
from commander_app.core.model import CHANGE_KINDS, Kind
from commander_app.store.rows import BOARD_EVENTS_SQL, STATE_EVENTS_SQL

_CHANGE_KINDS_SQL = ", ".join(f"'{k.value}'" for k in sorted(CHANGE_KINDS))
_COMMAND_SQL = "('assigned', 'handoff_accepted')"


def with_seen(
    conn: sqlite3.Connection, incident_id: str, kind: Kind, body: Mapping[str, object]
) -> Mapping[str, object]:
    """The body with its `seen`, when its kind has one and its writer did not set it."""
    subject = subject_of(kind, body)
    if subject is None or "seen" in body:
        return body
    return {**body, "seen": newest_about(conn, incident_id, subject)}


def newest_about(conn: sqlite3.Connection, incident_id: str, subject: Subject) -> str | None:
    """The id of the newest event (in story order) about `subject`, or None."""
    if subject.what == "role":
        sql = (
            f"SELECT id FROM events WHERE incident_id = :incident AND ({STATE_EVENTS_SQL}) "
            "AND kind = 'role' AND json_extract(body, '$.role') = :name "
            f"AND coalesce(json_extract(body, '$.action'), 'assigned') IN {_COMMAND_SQL}"
        )
    elif subject.what == "item":
        sql = (
            f"SELECT id FROM events WHERE incident_id = :incident AND ({BOARD_EVENTS_SQL}) "
            "AND kind = 'action' AND (id = :name OR json_extract(body, '$.ref') = :name)"
        )
    else:
        sql = (
            f"SELECT id FROM events WHERE incident_id = :incident AND ({BOARD_EVENTS_SQL}) "
            "AND kind = 'decision' AND json_extract(body, '$.ref') IS NULL "
            f"AND json_extract(body, '$.decision_kind') IN ({_CHANGE_KINDS_SQL})"
        )
    row = conn.execute(
        f"{sql} ORDER BY +occurred_at DESC, id DESC LIMIT 1",
        {"incident": incident_id, "name": subject.name},
    ).fetchone()
    return str(row[0]) if row else None
