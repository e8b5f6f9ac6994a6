"""How many alert groups an incident has, and how many nobody has triaged yet: one small
query the incident panel runs on every refresh (the rest of the alerts code loads with
the Alerts pane)."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple


class GroupCounts(NamedTuple):
    groups: int
    untriaged: int


def group_counts(conn: sqlite3.Connection, incident_id: str) -> GroupCounts:
    row = conn.execute(
        "SELECT count(*), coalesce(sum(t.triage IS NULL OR t.triage = 'unknown'), 0) "
        "FROM (SELECT DISTINCT group_key FROM alerts WHERE incident_id = :id) g "
        "LEFT JOIN alert_triage t ON t.incident_id = :id AND t.group_key = g.group_key",
        {"id": incident_id},
    ).fetchone()
    return GroupCounts(int(row[0]), int(row[1]))
