"""`commander check`: is the file sound, the index complete, the projection true?"""

from __future__ import annotations

import sqlite3

from commander_app.core import projection
from commander_app.store.incident_log import IncidentLog


def check_log(log: IncidentLog) -> list[str]:
    """Problems found, in words; an empty list means all is well."""
    problems: list[str] = []
    rows = log.conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        problems.append("integrity check failed: " + "; ".join(str(r[0]) for r in rows[:5]))
    for table in ("events_fts", "incidents_fts"):
        try:
            log.conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"the search index {table} is out of step ({exc})")
    log.conn.execute("BEGIN")  # one snapshot: entries written meanwhile are not problems
    try:
        problems += _projection_problems(log)
    finally:
        log.conn.execute("ROLLBACK")
    return problems


def _projection_problems(log: IncidentLog) -> list[str]:
    problems = []
    ids = [r[0] for r in log.conn.execute("SELECT DISTINCT incident_id FROM events")]
    stored = {i.id: i for i in log.incidents(include_resolved=True)}
    for incident_id in ids:
        if stored.get(incident_id) != projection.fold(incident_id, log.events(incident_id)):
            problems.append(
                f"incident {incident_id}: its stored state differs from its events; "
                "run `commander check --rebuild`"
            )
    for extra in set(stored) - set(ids):
        problems.append(f"incident {extra} has no events; run `commander check --rebuild`")
    return problems
