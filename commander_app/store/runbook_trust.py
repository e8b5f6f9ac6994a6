"""The facts the trust rules (`core.runbook_trust`) weigh, gathered from the folder, the
index, git and the incident log: each service's last incident, the team's list of
deprecated tools, each file's last change."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from commander_app.core.runbook_trust import (
    DEPRECATED_TOOLS_FILE,
    STALE_AFTER_DAYS,
    LastIncident,
    TrustFacts,
    TrustLine,
    parse_deprecated_tools,
    trust_line,
)
from commander_app.core.times import from_iso
from commander_app.store import environment, playbook
from commander_app.store.runbook_git import last_changes
from commander_app.store.runbooks import IndexedRunbook
from commander_app.store.services import named_service_sql


@dataclass(frozen=True)
class RunbookTrust:
    runbook: IndexedRunbook
    line: TrustLine | None  # None: the file does not parse, so there is nothing to weigh


def deprecated_tools_path(folder: Path) -> Path | None:
    """The team's list beside the runbooks, else the one in the settings folder."""
    for path in (folder / DEPRECATED_TOOLS_FILE, environment.config_dir() / DEPRECATED_TOOLS_FILE):
        if path.is_file():
            return path
    return None


def deprecated_tools(folder: Path) -> dict[str, str]:
    """The playbook's list, with the list beside the runbooks (if any) added over it."""
    tools = dict(playbook.in_force().playbook.deprecated_tools)
    path = deprecated_tools_path(folder)
    if path is None:
        return tools
    text = environment.read_settings_file(
        path, "list of deprecated tools", "Fix it or move it aside."
    )
    return {**tools, **parse_deprecated_tools(text or "", str(path))}


def last_incident(conn: sqlite3.Connection, service: str) -> LastIncident | None:
    """The service's most recent real incident (drills left out), by when it opened."""
    if not service:
        return None
    row = conn.execute(
        "SELECT i.id, i.title, i.opened_at FROM incidents AS i WHERE i.is_drill = 0 "
        f"AND i.opened_at IS NOT NULL AND {named_service_sql('i.id', 'service')} "
        "ORDER BY i.opened_at DESC LIMIT 1",
        {"service": service},
    ).fetchone()
    return LastIncident(str(row[0]), str(row[1]), from_iso(str(row[2]))) if row else None


def trust_report(
    conn: sqlite3.Connection,
    folder: Path,
    runbooks: list[IndexedRunbook],
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> list[RunbookTrust]:
    from commander_app.core.runbook_steps import standing_flags
    from commander_app.store.runbook_steps import flags, uses

    tools = deprecated_tools(folder)
    used = uses(conn)
    flagged = flags(conn)
    git = last_changes(folder)
    incidents: dict[str, LastIncident | None] = {}
    report = []
    for indexed in runbooks:
        runbook = indexed.runbook
        if runbook is None:
            report.append(RunbookTrust(indexed, None))
            continue
        key = runbook.service.lower()
        if key not in incidents:
            incidents[key] = last_incident(conn, runbook.service)
        change = git.get(indexed.path.absolute())
        facts = TrustFacts(
            runbook,
            git=change,
            file_changed=datetime.fromtimestamp(indexed.mtime_ns / 1e9, UTC)
            if change is None
            else None,
            last_incident=incidents[key],
            uses=used.get(indexed.name, 0),
            flagged=tuple(
                (f.step, f.note) for f in standing_flags(flagged.get(indexed.name, []), runbook)
            ),
        )
        report.append(RunbookTrust(indexed, trust_line(facts, tools, now, stale_after_days)))
    return report
