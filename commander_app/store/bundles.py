"""Exporting an incident as a bundle and merging bundles back, by event id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commander_app import __version__
from commander_app.core.bodies import read_incident
from commander_app.core.bundle import (
    ParsedBundle,
    check_bundle_chain,
    check_bundle_times,
    make_bundle,
)
from commander_app.core.chain import ChainLink, Predecessor
from commander_app.core.errors import BundleError
from commander_app.core.model import Event, Kind
from commander_app.core.times import to_iso
from commander_app.store import remote_incident_events
from commander_app.store.database import write_transaction
from commander_app.store.import_stage import LARGE_IMPORT, stage_and_publish
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
    return make_bundle(
        state,
        log.events(incident_id),
        to_iso(log.clock.now()),
        __version__,
        log.chain_links(incident_id),
    )


def import_bundle(log: IncidentLog, bundle: ParsedBundle, *, rechain: bool = False) -> ImportResult:
    """Union the bundle's events into the log, all or nothing.

    Events already present are skipped; a known id with different content or another
    chain link, or an event that does not match its link, means the bundle was altered,
    and nothing is written. New events keep the links they came with; with `rechain`
    (a copy of a log whose entries were deliberately rewritten) they are chained anew.
    Up to `LARGE_IMPORT` new events take one transaction; more are checked first, then
    staged and published in bounded transactions (`import_stage`), so another writer
    never waits for the whole import.
    """
    check_bundle_times(bundle, log.clock.now())
    links = None if rechain else bundle.links
    if len(bundle.events) > LARGE_IMPORT:
        # Nothing checked here can be changed by another writer meanwhile: events are
        # never changed, and an event the other writer adds is skipped when published.
        fresh = _fresh_events(log, bundle, rechain)
        if len(fresh) > LARGE_IMPORT:
            stage_and_publish(log, bundle.incident_id, log.event_rows(fresh, links))
            return _result(log, bundle, fresh)
    with write_transaction(log.conn):
        fresh = _fresh_events(log, bundle, rechain)
        log.insert_events(fresh, links)
        log.update_projection(bundle.incident_id, fresh)
        remote_incident_events.adopt(log.conn, fresh)
    return _result(log, bundle, fresh)


def _result(log: IncidentLog, bundle: ParsedBundle, fresh: list[Event]) -> ImportResult:
    state = log.incident(bundle.incident_id)
    return ImportResult(
        bundle.incident_id, state.title, len(fresh), len(bundle.events) - len(fresh)
    )


def _fresh_events(log: IncidentLog, bundle: ParsedBundle, rechain: bool) -> list[Event]:
    """The bundle's events this log lacks, once every check has passed."""
    conn = log.conn
    existing = _existing(log, [e.id for e in bundle.events])
    fresh: list[Event] = []
    for event in bundle.events:
        known = existing.get(event.id)
        if known is None:
            fresh.append(event)
        elif known[0] != event or _other_link(known[1], bundle.links.get(event.id)):
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
        e.kind is Kind.INCIDENT and read_incident(e).get("action") == "opened"
        for e in bundle.events
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
    if not rechain:
        check_bundle_chain(bundle, _predecessors_in_log(log, bundle))
    return fresh


def _other_link(stored: ChainLink | None, carried: ChainLink | None) -> bool:
    """A known event arriving with another link than the one it has here. One that came
    here without a link (through an older Commander) keeps having none."""
    return stored is not None and carried is not None and stored != carried


def _predecessors_in_log(log: IncidentLog, bundle: ParsedBundle) -> dict[str, Predecessor]:
    """What the log holds of the predecessors that events name outside the bundle."""
    inside = {e.id for e in bundle.events}
    return log.predecessors(
        link.prev
        for e in bundle.events
        if (link := bundle.links.get(e.id)) is not None
        and link.prev is not None
        and link.prev not in inside
    )


def _existing(log: IncidentLog, ids: list[str]) -> dict[str, tuple[Event, ChainLink | None]]:
    found: dict[str, tuple[Event, ChainLink | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = log.conn.execute(
            f"SELECT {EVENT_COLUMNS}, chain_prev, chain_hash FROM events "
            f"WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            event = row_to_event(row)
            link = ChainLink(row[9], row[10]) if row[10] is not None else None
            found[event.id] = (event, link)
    return found
