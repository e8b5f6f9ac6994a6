"""Full-text search over incident titles and event text (FTS5)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from commander_app.core.search_query import fts_query

SNIPPET_WORDS = 16


@dataclass(frozen=True)
class SearchHit:
    incident_id: str
    incident_title: str
    event_id: str | None  # None when the incident title matched
    kind: str | None
    occurred_at: str | None
    snippet: str  # matched words wrapped in [ ]
    corrected: bool = False


def search(
    conn: sqlite3.Connection, text: str, incident_id: str | None = None, limit: int = 50
) -> list[SearchHit]:
    """Best matches first: matching incident titles, then matching entries."""
    query = fts_query(text)
    hits: list[SearchHit] = []
    title_sql = (
        "SELECT f.incident_id, i.title, highlight(incidents_fts, 1, '[', ']') "
        "FROM incidents_fts f JOIN incidents i ON i.id = f.incident_id "
        "WHERE incidents_fts MATCH ?"
    )
    params: list[object] = [f"title : ({query})"]
    if incident_id:
        title_sql += " AND f.incident_id = ?"
        params.append(incident_id)
    title_sql += " ORDER BY rank LIMIT ?"
    params.append(limit)
    for row in conn.execute(title_sql, params):
        hits.append(SearchHit(row[0], row[1], None, None, None, row[2]))

    event_sql = (
        "SELECT e.incident_id, i.title, e.id, e.kind, e.occurred_at, "
        f"snippet(events_fts, 0, '[', ']', '…', {SNIPPET_WORDS}), "
        "EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id) "
        "FROM events_fts JOIN events e ON e.seq = events_fts.rowid "
        "JOIN incidents i ON i.id = e.incident_id "
        "WHERE events_fts MATCH ?"
    )
    params = [query]
    if incident_id:
        event_sql += " AND e.incident_id = ?"
        params.append(incident_id)
    event_sql += " ORDER BY rank LIMIT ?"
    params.append(max(0, limit - len(hits)))
    for row in conn.execute(event_sql, params):
        hits.append(SearchHit(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6])))
    return hits
