"""Writing to the log that the playbook changed while incidents are open.

Each open incident (drills too) records the playbook in force when it opened; when
the playbook in force is another one (an edit, an import, a fallback to the last good
version), each open incident gets a "playbook" event naming both and, when the earlier
one is known, the parts that changed. Checked inside the write transaction, so two
windows noticing the same change write it once.
"""

from __future__ import annotations

from commander_app.core.bodies import IncidentBody, PlaybookVersionBody, read_incident
from commander_app.core.model import Event, IncidentState, Kind
from commander_app.core.playbook import Playbook, changed_parts
from commander_app.store.database import decoded
from commander_app.store.incident_log import IncidentLog
from commander_app.store.playbook import InForce
from commander_app.store.rows import EVENT_COLUMNS, row_to_event


class _Unchanged(Exception):
    """Nothing to write: the incident already records this playbook."""


def recorded_versions(log: IncidentLog, incident_id: str) -> list[PlaybookVersionBody]:
    """Every playbook the incident recorded, the one at its opening first."""
    events = decoded(
        log.conn,
        row_to_event,
        f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? AND kind = ? "
        "ORDER BY occurred_at, id",
        [incident_id, Kind.INCIDENT.value],
    )
    return [v for v in (read_incident(e).get("playbook") for e in events) if v]


def recorded_version(log: IncidentLog, incident_id: str) -> PlaybookVersionBody | None:
    """The playbook the incident last recorded (at its opening or a later change)."""
    found = recorded_versions(log, incident_id)
    return found[-1] if found else None


def record_change(
    log: IncidentLog, now: InForce, *, author: str, before: Playbook | None = None
) -> list[Event]:
    """A "playbook" event for each open incident whose recorded playbook is not `now`'s.

    `before`, the playbook read earlier, names the parts that changed. An incident
    that recorded no playbook (opened before Commander kept one) is left alone."""
    written = []
    for state in log.incidents():
        recorded = recorded_version(log, state.id)
        if recorded is None or recorded["digest"] == now.version.digest:
            continue  # a read, not a write transaction, for the usual case: nothing changed
        try:
            written.append(
                log.append_with(
                    state.id,
                    Kind.INCIDENT,
                    lambda s: _change_body(log, s, now, before),
                    author=author,
                )
            )
        except _Unchanged:
            continue
    return written


def _change_body(
    log: IncidentLog, state: IncidentState, now: InForce, before: Playbook | None
) -> IncidentBody:
    previous = recorded_version(log, state.id)  # again, inside the write transaction
    if previous is None or previous["digest"] == now.version.digest:
        raise _Unchanged  # another window noted it first
    body: IncidentBody = {
        "action": "playbook",
        "title": state.title,
        "playbook": now.version_body(),
        "previous": previous,
    }
    if before is not None:
        body["changes"] = changed_parts(before, now.playbook)
    return body
