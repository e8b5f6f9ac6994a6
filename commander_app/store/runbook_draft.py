"""The runbook update drafted after an incident, read from the log and the file, and
written back only over the bytes it was drafted from: a file changed on disk since
(an editor, a `git pull`) is refused, and nothing is lost."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from commander_app.core.errors import ValidationError
from commander_app.core.model import Kind
from commander_app.core.runbook_draft import (
    IncidentSummary,
    LoggedEntry,
    RunbookDraft,
    StepEvent,
    draft_update,
    new_runbook,
    sha256_of,
)
from commander_app.store import environment
from commander_app.store.incident_log import IncidentLog
from commander_app.store.runbook_suggestions import incident_alerts
from commander_app.store.runbooks import FILE_LIMIT, IndexedRunbook
from commander_app.store.services import incident_services

DRAFTED_KINDS = (Kind.FINDING, Kind.ACTION, Kind.DECISION)


def incident_summary(log: IncidentLog, incident_id: str) -> IncidentSummary:
    """The incident as a draft names it, with its findings, actions and decisions (as
    corrected; follow-ups and updates of an item left out)."""
    state = log.incident(incident_id)
    events = log.events(incident_id)
    corrected = {e.supersedes for e in events if e.supersedes}
    entries = tuple(
        LoggedEntry(e.kind.value, str(e.body.get("text") or ""), e.occurred_at)
        for e in events
        if e.kind in DRAFTED_KINDS
        and e.id not in corrected
        and not e.body.get("follow_up")
        and not (e.kind is not Kind.FINDING and e.body.get("ref"))
    )
    alerts = tuple(dict.fromkeys(name for name, _url in incident_alerts(log.conn, incident_id)))
    return IncidentSummary(
        state.id,
        state.title,
        (state.opened_at or "")[:10],
        tuple(incident_services(log, incident_id)),
        alerts,
        entries,
    )


def step_events(conn: sqlite3.Connection, incident_id: str, name: str) -> list[StepEvent]:
    """The incident's events of the runbook `name`, oldest first (corrected ones left out)."""
    rows = conn.execute(
        "SELECT e.body, e.occurred_at FROM events AS e WHERE e.incident_id = ? "
        "AND e.kind = 'runbook' AND json_extract(e.body, '$.runbook') = ? "
        "AND NOT EXISTS (SELECT 1 FROM events AS c WHERE c.supersedes = e.id) "
        "ORDER BY e.occurred_at, e.id",
        [incident_id, name],
    ).fetchall()
    found = []
    for text, at in rows:
        body = json.loads(text)
        found.append(
            StepEvent(
                body["op"],
                int(body["step"]),
                str(at),
                body.get("fingerprint"),
                str(body.get("output") or ""),
                str(body.get("note") or ""),
                str(body.get("escalate_to") or ""),
            )
        )
    return found


def followed_runbooks(conn: sqlite3.Connection, incident_id: str) -> list[str]:
    """The runbooks a step of which was logged in the incident, first followed first."""
    rows = conn.execute(
        "SELECT json_extract(body, '$.runbook') FROM events WHERE incident_id = ? "
        "AND kind = 'runbook' ORDER BY occurred_at, id",
        [incident_id],
    ).fetchall()
    return list(dict.fromkeys(str(r[0]) for r in rows))


def last_incident_of(conn: sqlite3.Connection, name: str) -> str | None:
    """The newest incident in which a step of the runbook was logged."""
    row = conn.execute(
        "SELECT incident_id FROM events WHERE kind = 'runbook' "
        "AND json_extract(body, '$.runbook') = ? ORDER BY occurred_at DESC, id DESC LIMIT 1",
        [name],
    ).fetchone()
    return str(row[0]) if row else None


def read_file(path: Path) -> tuple[bytes, str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(FILE_LIMIT + 1)
    except OSError as exc:
        raise ValidationError(f"Cannot read the runbook {path}: {exc.strerror}.") from None
    if len(data) > FILE_LIMIT:
        raise ValidationError(f"The runbook {path} is too large to edit here.")
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"The runbook {path} is not UTF-8 text; save it as UTF-8.") from None


def draft_for(log: IncidentLog, indexed: IndexedRunbook, incident_id: str) -> RunbookDraft:
    """The update of the runbook from the incident, made from the file as it is now."""
    from commander_app.core.runbook_parse import parse_runbook

    data, text = read_file(indexed.path)
    runbook = parse_runbook(text).runbook
    if runbook is None:
        raise ValidationError(
            f"{indexed.name} does not parse, so no update can be drafted: "
            "`commander runbook check` says why."
        )
    events = step_events(log.conn, incident_id, indexed.name)
    summary = incident_summary(log, incident_id)
    return draft_update(indexed.name, text, sha256_of(data), runbook, summary, events)


def new_draft(log: IncidentLog, incident_id: str) -> RunbookDraft:
    return new_runbook(incident_summary(log, incident_id))


class ChangedOnDisk(ValidationError):
    """The file is not the one the draft or the edit was made from."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} changed on disk since it was read (an editor or a git pull?): "
            "nothing was written. Look at it again, then save."
        )
        self.path = path


def save_runbook(path: Path, text: str, base_sha256: str) -> str:
    """Write `text` over the runbook, only if its bytes still hash to `base_sha256` (""
    for a new file: it must not exist). Atomic, through a symlink, keeping the file's
    mode; returns the new bytes' digest."""
    if base_sha256:
        data, _text = read_file(path)
        if sha256_of(data) != base_sha256:
            raise ChangedOnDisk(path)
    elif path.exists():
        raise ChangedOnDisk(path)
    encoded = text.encode("utf-8")
    try:
        environment.write_bytes_atomically(path, encoded, keep_mode=True)
    except OSError as exc:
        raise ValidationError(f"Cannot write the runbook {path}: {exc.strerror}.") from None
    return sha256_of(encoded)
