"""Runbooks suggested for an incident, best first: the one an alert links to
(`runbook_url`), those that answer an alert by name, those for the incident's services,
then the full-text matches of its title and alert names."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from commander_app.core.errors import ValidationError
from commander_app.core.search_query import fts_query
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbooks import IndexedRunbook, indexed_runbooks
from commander_app.store.services import incident_services

LINKED, ANSWERS, SERVICE, SEARCHED = 100, 50, 20, 10
_WORD = re.compile(r"\w+")
_COMMON = frozenset({"the", "and", "for", "are", "with", "from", "not", "all", "high", "down"})


@dataclass
class Suggestion:
    runbook: IndexedRunbook
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def incident_alerts(conn: sqlite3.Connection, incident_id: str) -> list[tuple[str, str | None]]:
    """(alert name, its runbook_url) for each of the incident's alerts, read from the
    alerts table and each one's newest event."""
    rows = conn.execute(
        "SELECT a.name, json_extract(e.body, '$.annotations.runbook_url') FROM alerts AS a "
        "LEFT JOIN events AS e ON e.id = a.last_event WHERE a.incident_id = ? "
        "ORDER BY a.first_seen",
        [incident_id],
    ).fetchall()
    return [(str(name), str(url) if url else None) for name, url in rows]


def _matching(conn: sqlite3.Connection, texts: list[str], limit: int = 20) -> list[str]:
    """Runbook names best matching any word of the texts (an incident title rarely has
    every word a runbook has), by the index's weighting."""
    terms: list[str] = []
    for text in texts:
        for word in _WORD.findall(text):
            if len(word) >= 3 and word.lower() not in _COMMON:
                try:
                    terms.append(fts_query(word))
                except ValidationError:
                    continue
    if not terms:
        return []
    rows = conn.execute(
        "SELECT name FROM runbooks_fts WHERE runbooks_fts MATCH ? "
        "ORDER BY bm25(runbooks_fts, 5.0, 10.0, 5.0, 5.0, 1.0) LIMIT ?",
        [" OR ".join(dict.fromkeys(terms)), limit],
    ).fetchall()
    return [str(r[0]) for r in rows]


def links_to(url: str, indexed: IndexedRunbook) -> bool:
    """The URL's path ends with the runbook's name (`…/blob/main/db/pool.md`)."""
    path = unquote(urlsplit(url).path).rstrip("/").removesuffix(".md").lower()
    name = indexed.name.lower()
    return path == name or path.endswith("/" + name)


def linked_runbook(conn: sqlite3.Connection, url: str) -> IndexedRunbook | None:
    """The indexed runbook an alert's `runbook_url` points at, if the library has it."""
    if not url.strip():
        return None
    return next((r for r in indexed_runbooks(conn) if links_to(url, r)), None)


def suggest_runbooks(log: IncidentLog, incident_id: str, limit: int = 10) -> list[Suggestion]:
    incident = log.incident(incident_id)
    alerts = incident_alerts(log.conn, incident_id)
    services = {s.lower() for s in incident_services(log, incident_id)}
    found: dict[str, Suggestion] = {}

    def add(indexed: IndexedRunbook, score: int, reason: str) -> None:
        entry = found.setdefault(indexed.name, Suggestion(indexed))
        if reason not in entry.reasons:
            entry.score += score
            entry.reasons.append(reason)

    everything = indexed_runbooks(log.conn)
    for indexed in everything:
        runbook = indexed.runbook
        if runbook is None:
            continue
        answers = {a.lower() for a in runbook.answers}
        for name, url in alerts:
            if url and links_to(url, indexed):
                add(indexed, LINKED, f"alert {name} links to it")
            if name.lower() in answers:
                add(indexed, ANSWERS, f"answers alert {name}")
        if runbook.service and runbook.service.lower() in services:
            add(indexed, SERVICE, f"for {runbook.service}")
    by_name = {r.name: r for r in everything}
    for rank, name in enumerate(_matching(log.conn, [incident.title, *(n for n, _ in alerts)])):
        if name in by_name:
            add(by_name[name], max(SEARCHED - rank, 1), "matches the title or alerts")
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.runbook.name))
    return ranked[:limit]
