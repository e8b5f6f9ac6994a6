"""Exporting an incident as a bundle and merging bundles back, by event id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commander_app import __version__
from commander_app.core.bundle import ParsedBundle, check_bundle_times, make_bundle
from commander_app.core.errors import BundleError
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store.database import write_transaction
from commander_app.store.incident_log import IncidentLog
from commander_app.store.rows import EVENT_COLUMNS, row_to_event


@dataclass(frozen=True)
class ImportResult:
    incident_id: str
    title: str
    added: int
    already_present: int


def export_bundle(log: IncidentLog, incident_id: str) -> dict[str, Any]:
    state = log.incident(incident_id)
    return make_bundle(state, log.events(incident_id), to_iso(log.clock.now()), __version__)


def import_bundle(log: IncidentLog, bundle: ParsedBundle) -> ImportResult:
    """Union the bundle's events into the log in one transaction.

    Events already present are skipped; a known id with different content
    means the bundle was altered, and nothing is written.
    """
    check_bundle_times(bundle, log.clock.now())
    conn = log.conn
    with write_transaction(conn):
        existing = _existing(log, [e.id for e in bundle.events])
        fresh: list[Event] = []
        for event in bundle.events:
            known = existing.get(event.id)
            if known is None:
                fresh.append(event)
            elif known != event:
                raise BundleError(
                    f"Event {event.id} in the bundle differs from the one already in this "
                    "log; the bundle was changed after export. Nothing was imported."
                )
        all_ids = {e.id for e in bundle.events}
        for event in fresh:
            if event.supersedes and event.supersedes not in all_ids:
                row = conn.execute(
                    "SELECT incident_id FROM events WHERE id = ?", [event.supersedes]
                ).fetchone()
                if row is None or row[0] != bundle.incident_id:
                    raise BundleError(
                        f"Event {event.id} corrects an event that is neither in the bundle "
                        "nor in this log. Nothing was imported."
                    )
        has_opening = any(
            e.kind is Kind.INCIDENT and e.body.get("action") == "opened" for e in bundle.events
        )
        if (
            not has_opening
            and not conn.execute(
                "SELECT 1 FROM incidents WHERE id = ?", [bundle.incident_id]
            ).fetchone()
        ):
            raise BundleError(
                "The bundle does not contain the start of its incident, and this log does "
                "not know that incident. Nothing was imported."
            )
        log.insert_events(fresh)
        log.update_projection(bundle.incident_id, fresh)
        state = log.incident(bundle.incident_id)
    return ImportResult(
        bundle.incident_id, state.title, len(fresh), len(bundle.events) - len(fresh)
    )


def _existing(log: IncidentLog, ids: list[str]) -> dict[str, Event]:
    found: dict[str, Event] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = log.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            event = row_to_event(row)
            found[event.id] = event
    return found
