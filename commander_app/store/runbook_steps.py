"""Runbook steps followed in an incident, written as `runbook` events: done with the
output seen, flagged wrong (with its follow-up on the runbook, in the same
transaction), or an escalation chosen; and what the trust report reads back of them."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from commander_app.core.errors import ValidationError
from commander_app.core.follow_ups import FollowUpRequest, follow_up_body
from commander_app.core.model import Event, FollowUpType, Kind
from commander_app.core.runbook import Runbook
from commander_app.core.runbook_steps import (
    RunbookVersion,
    StepFlag,
    escalation_body,
    find_step,
    step_done_body,
    step_wrong_body,
)
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbooks import IndexedRunbook

GIT_TIMEOUT = 5.0


def file_commit(path: Path) -> tuple[str | None, bool]:
    """The file's last git commit and whether it differs from it; (None, False) without
    git or outside a repository."""
    git = shutil.which("git")
    if git is None:
        return None, False
    try:
        last = subprocess.run(
            [git, "log", "-1", "--format=%H", "--", path.name],
            cwd=path.parent, capture_output=True, timeout=GIT_TIMEOUT, check=False,
        )  # fmt: skip
        if last.returncode != 0 or not last.stdout.strip():
            return None, False
        status = subprocess.run(
            [git, "status", "--porcelain", "--", path.name],
            cwd=path.parent, capture_output=True, timeout=GIT_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None, False
    return last.stdout.decode().strip(), bool(status.stdout.strip())


def runbook_version(indexed: IndexedRunbook, *, with_git: bool = True) -> RunbookVersion:
    runbook = indexed.runbook
    if runbook is None:
        raise ValidationError(
            f"{indexed.name} does not parse, so its steps cannot be followed: "
            "`commander runbook check` says why."
        )
    commit, modified = file_commit(indexed.path) if with_git else (None, False)
    return RunbookVersion(
        indexed.name, runbook.title or indexed.name, indexed.sha256, commit, modified
    )


def _parsed(indexed: IndexedRunbook) -> Runbook:
    runbook = indexed.runbook
    if runbook is None:
        raise ValidationError(f"{indexed.name} does not parse: `commander runbook check`.")
    return runbook


def record_done(
    log: IncidentLog,
    incident_id: str,
    indexed: IndexedRunbook,
    number: int,
    output: str,
    *,
    author: str,
    version: RunbookVersion | None = None,
) -> Event:
    step = find_step(_parsed(indexed), number)
    body = step_done_body(version or runbook_version(indexed), step, output)
    return log.append(incident_id, Kind.RUNBOOK, body, author=author)


def record_escalation(
    log: IncidentLog,
    incident_id: str,
    indexed: IndexedRunbook,
    number: int,
    *,
    author: str,
    to: str | None = None,
    version: RunbookVersion | None = None,
) -> Event:
    step = find_step(_parsed(indexed), number)
    body = escalation_body(version or runbook_version(indexed), step, to)
    return log.append(incident_id, Kind.RUNBOOK, body, author=author)


def record_wrong(
    log: IncidentLog,
    incident_id: str,
    indexed: IndexedRunbook,
    number: int,
    note: str,
    *,
    author: str,
    version: RunbookVersion | None = None,
) -> tuple[Event, Event]:
    """The flag and its follow-up on the runbook (offered to the runbook's owner), in one
    transaction: (the runbook event, the follow-up)."""
    runbook = _parsed(indexed)
    step = find_step(runbook, number)
    version = version or runbook_version(indexed)
    step_wrong_body(version, step, note)  # a bad note is refused before anything is written
    request = FollowUpRequest(
        text=f"Fix step {number} of the runbook {indexed.name} so that it matches what "
        f"works: {note.strip()}"[:1_000],
        owner=runbook.owner or None,
        type=FollowUpType.PROCESS,
    )
    with write_transaction(log.conn):
        state = log.incident(incident_id)
        action_body = follow_up_body(request, state.severity, log.clock.now(), [])
        action = log.append_in_transaction(incident_id, Kind.ACTION, action_body, author=author)
        flag = log.append_in_transaction(
            incident_id,
            Kind.RUNBOOK,
            step_wrong_body(version, step, note, action.id),
            author=author,
        )
    return flag, action


def _rows(conn: sqlite3.Connection, op: str) -> list[tuple[str, str, str, str]]:
    return conn.execute(
        "SELECT e.id, e.incident_id, e.body, e.occurred_at FROM events AS e "
        "WHERE e.kind = 'runbook' AND json_extract(e.body, '$.op') = ? "
        "AND NOT EXISTS (SELECT 1 FROM events AS c WHERE c.supersedes = e.id)",
        [op],
    ).fetchall()


def uses(conn: sqlite3.Connection) -> dict[str, int]:
    """How many incidents (drills too) followed a step of each runbook, by name."""
    rows = conn.execute(
        "SELECT json_extract(body, '$.runbook'), count(DISTINCT incident_id) FROM events "
        "WHERE kind = 'runbook' GROUP BY 1"
    ).fetchall()
    return {str(name): int(count) for name, count in rows}


def flags(conn: sqlite3.Connection) -> dict[str, list[StepFlag]]:
    """Every step flagged wrong, by runbook name, oldest first."""
    found: dict[str, list[StepFlag]] = {}
    for event_id, incident_id, text, at in sorted(_rows(conn, "wrong"), key=lambda r: r[3]):
        body = json.loads(text)
        flag = StepFlag(
            event_id,
            incident_id,
            str(body["runbook"]),
            int(body["step"]),
            str(body.get("step_title", "")),
            body.get("fingerprint"),
            str(body.get("note", "")),
            at,
        )
        found.setdefault(flag.runbook, []).append(flag)
    return found


@dataclass(frozen=True)
class FollowedStep:
    """What this incident's log says of one step of a runbook: the newest of each op."""

    done_at: str | None = None
    output: str = ""
    wrong_note: str | None = None
    escalated_to: str | None = None


def followed_steps(
    conn: sqlite3.Connection, incident_id: str, name: str
) -> dict[int, FollowedStep]:
    """The steps of the runbook `name` done, flagged or escalated in this incident, by
    number (events corrected by a later one left out)."""
    rows = conn.execute(
        "SELECT e.body, e.occurred_at FROM events AS e WHERE e.incident_id = ? "
        "AND e.kind = 'runbook' AND json_extract(e.body, '$.runbook') = ? "
        "AND NOT EXISTS (SELECT 1 FROM events AS c WHERE c.supersedes = e.id) "
        "ORDER BY e.occurred_at, e.id",
        [incident_id, name],
    ).fetchall()
    found: dict[int, FollowedStep] = {}
    for text, at in rows:
        body = json.loads(text)
        number = int(body["step"])
        seen = found.get(number, FollowedStep())
        if body["op"] == "done":
            seen = replace(seen, done_at=str(at), output=str(body.get("output") or ""))
        elif body["op"] == "wrong":
            seen = replace(seen, wrong_note=str(body.get("note") or ""))
        else:
            seen = replace(seen, escalated_to=str(body.get("escalate_to") or ""))
        found[number] = seen
    return found
