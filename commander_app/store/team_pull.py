"""Writing what the team database sent into this log: checked like an import, per event.

The team database is a remote: every row is untrusted. Each is read as an import reads a
bundle's event (`core.bundle.parse_event`: kind, body, names, times, ids), and checked
against this log and its own chain link. Unlike an import, one bad event does not stop
the others: it is kept in `team_refused` with the reason (the window shows it) and the
pull goes on, so one laptop with a damaged log cannot stall the whole team.

The events, the rows marking them as pulled, and the pull cursor commit together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from commander_app.core.bodies import read_incident
from commander_app.core.bundle import parse_event
from commander_app.core.chain import ChainLink, Predecessor, broken_link, parse_link
from commander_app.core.errors import ValidationError
from commander_app.core.model import Event, Kind
from commander_app.store import team_state
from commander_app.store.database import write_transaction
from commander_app.store.rows import EVENT_COLUMNS, row_to_event

if TYPE_CHECKING:
    from commander_app.store.incident_log import IncidentLog

__all__ = ["MAX_FIELD", "PullResult", "PulledRow", "apply"]

# No field of a real event comes near this (a body is at most 64,000 characters).
MAX_FIELD = 256_000


@dataclass(frozen=True)
class PulledRow:
    """One row of the team database's events, as it arrived."""

    values: tuple[Any, ...]  # in `team_state.PUSH_COLUMNS` order


@dataclass
class PullResult:
    added: int = 0
    refused: int = 0
    incidents: set[str] = field(default_factory=set)  # incidents that got new events


def apply(
    log: IncidentLog,
    rows: Sequence[tuple[Any, ...]],
    cursor: tuple[str, str] | None,
    *,
    skip: Iterable[str] = (),
    cursor_key: str = "pull_cursor",
) -> PullResult:
    """Write the new events among `rows` and move the pull cursor to `cursor`.

    `skip`: incidents this laptop keeps to itself; their events are passed over."""
    skipped = set(skip)
    result = PullResult()
    with write_transaction(log.conn):
        parsed, refused = _parse(rows, skipped)
        fresh = _fresh(log, parsed, refused)
        if fresh:
            links = {e.id: link for e, link in fresh if link is not None}
            events = [e for e, _ in fresh]
            before = log.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
            log.insert_events(events, links)
            after = log.conn.execute("SELECT max(seq) FROM events").fetchone()[0]
            team_state.mark_pulled(log, int(before) + 1, int(after))
            for incident_id in dict.fromkeys(e.incident_id for e in events):
                team_state.adopt_team_incident(log, incident_id)
                log.update_projection(
                    incident_id, [e for e in events if e.incident_id == incident_id]
                )
                result.incidents.add(incident_id)
            result.added = len(events)
        if refused:
            team_state.record_refused(log, refused)
            result.refused = len(refused)
        if cursor is not None:
            team_state.set_state(log, cursor_key, json.dumps(list(cursor)))
    return result


def _parse(
    rows: Sequence[tuple[Any, ...]], skipped: set[str]
) -> tuple[list[tuple[Event, ChainLink | None]], list[tuple[str, str, str, str]]]:
    parsed: list[tuple[Event, ChainLink | None]] = []
    refused: list[tuple[str, str, str, str]] = []
    for values in rows:
        raw = dict(zip(team_state.PUSH_COLUMNS, values, strict=True))
        incident_id = _short(raw.get("incident_id"))
        if incident_id in skipped:
            continue
        try:
            parsed.append(_read(raw))
        except (ValidationError, ValueError) as problem:
            refused.append(
                (_short(raw.get("id")), incident_id, _short(raw.get("device_id")), str(problem))
            )
    return parsed, refused


def _read(raw: dict[str, Any]) -> tuple[Event, ChainLink | None]:
    for name, value in raw.items():
        if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
            raise ValidationError(f"its {name} is not text of a sensible length.")
    body_text = raw.pop("body")
    try:
        raw["body"] = json.loads(body_text)
    except (TypeError, ValueError, RecursionError):
        raise ValidationError("its body is not valid JSON.") from None
    prev, digest = raw.pop("chain_prev"), raw.pop("chain_hash")
    link = parse_link(None if digest is None else {"prev": prev, "hash": digest})
    return parse_event(raw, str(raw.get("incident_id"))), link


def _short(value: object) -> str:
    """An id as it can be shown and stored, whatever the remote sent."""
    return value[:100] if isinstance(value, str) else "?"


def _fresh(
    log: IncidentLog,
    parsed: list[tuple[Event, ChainLink | None]],
    refused: list[tuple[str, str, str, str]],
) -> list[tuple[Event, ChainLink | None]]:
    """The events this log lacks that pass its checks; the others refused with why."""
    existing = _existing(log, [e.id for e, _ in parsed])
    predecessors = _predecessors(log, parsed)
    known_incidents = {r[0] for r in log.conn.execute("SELECT id FROM incidents")}
    batch_ids: dict[str, Event] = {}
    fresh: list[tuple[Event, ChainLink | None]] = []

    def refuse(event: Event, reason: str) -> None:
        refused.append((event.id, event.incident_id, event.device_id, reason))

    for event, link in parsed:
        if event.id in batch_ids:
            continue  # the same event twice in one answer
        known = existing.get(event.id)
        if known is not None:
            if known != event:
                refuse(event, "it differs from the event with the same id in this log")
            continue
        if event.incident_id not in known_incidents:
            if event.kind is Kind.INCIDENT and read_incident(event).get("action") == "opened":
                known_incidents.add(event.incident_id)
            else:
                refuse(event, "its incident's opening has not arrived")
                continue
        if event.supersedes is not None:
            target = batch_ids.get(event.supersedes) or existing.get(event.supersedes)
            target_incident = target.incident_id if target else _incident_of(log, event.supersedes)
            if target_incident != event.incident_id:
                refuse(event, "it corrects an event this log does not have")
                continue
        if link is not None:
            reason = broken_link(event, link, predecessors)
            if reason is not None:
                refuse(event, reason)
                continue
            predecessors[event.id] = Predecessor(event.incident_id, event.device_id, link.hash)
        batch_ids[event.id] = event
        fresh.append((event, link))
    return fresh


def _incident_of(log: IncidentLog, event_id: str) -> str | None:
    row = log.conn.execute("SELECT incident_id FROM events WHERE id = ?", [event_id]).fetchone()
    return None if row is None else str(row[0])


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


def _predecessors(
    log: IncidentLog, parsed: list[tuple[Event, ChainLink | None]]
) -> dict[str, Predecessor]:
    """What this log holds of the events the pulled ones name as the one before them."""
    wanted = sorted({link.prev for _, link in parsed if link is not None and link.prev})
    found: dict[str, Predecessor] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = log.conn.execute(
            "SELECT id, incident_id, device_id, chain_hash FROM events "
            f"WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            found[row[0]] = Predecessor(row[1], row[2], row[3])
    return found
